"""/admin/audit: the audit trail for admins, in Beijing time; JSON twin /api/admin/audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from service.api.admin import PAGE_MAX, AdminUser
from service.audit.export import beijing
from service.http.deps import AuditDep
from web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/admin/audit")
def audit_page(
    request: Request,
    log: AuditDep,
    user: AdminUser,
    listing_id: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 1,
) -> Response:
    events, total = log.page(page, PAGE_SIZE, listing_id or None)
    context = {
        "events": events,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "listing_id": listing_id or "",
        "beijing": beijing,
    }
    return render(request, "audit.html", context)
