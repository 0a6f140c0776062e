"""GET /api/admin/audit and /api/admin/audit.csv: the audit trail, for admins only."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Response

from service.audit import AuditPage
from service.audit.export import audit_csv
from service.http.auth import AdminUser
from service.http.deps import AuditDep
from service.http.responses import responses

router = APIRouter(prefix="/api/admin", tags=["admin"], responses=responses(401, 403, 422))
PAGE_MAX = 10_000
PAGE_SIZE_MAX = 200


ListingFilter = Annotated[
    str | None, Query(max_length=64, description="only the events of this listing")
]


@router.get("/audit", response_model=AuditPage)
def audit(
    log: AuditDep,
    user: AdminUser,
    listing_id: ListingFilter = None,
    page: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 1,
    page_size: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = 50,
) -> AuditPage:
    """Who created, changed, withdrew or imported which listing, and every desk stage move,
    newest first (times in UTC with their offset)."""
    items, total = log.page(page, page_size, listing_id)
    return AuditPage(page=page, page_size=page_size, total=total, items=items)


@router.get("/audit.csv", response_class=Response)
def audit_export(log: AuditDep, user: AdminUser, listing_id: ListingFilter = None) -> Response:
    """Every event as CSV for Excel (UTF-8 with BOM, Beijing time)."""
    filename = quote("操作记录.csv")
    return Response(
        content=audit_csv(log.all(listing_id)).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename=audit.csv; filename*=UTF-8''{filename}"
        },
    )
