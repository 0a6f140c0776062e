"""GET /api/admin/audit and /api/admin/audit.csv: the audit trail, for admins only."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response

from service.accounts import Role, User
from service.api.auth import ForbiddenError, SignedIn
from service.api.deps import AuditDep
from service.api.errors import responses
from service.audit import AuditPage
from service.audit.export import audit_csv

router = APIRouter(prefix="/api/admin", tags=["admin"], responses=responses(401, 403, 422))
PAGE_MAX = 10_000
PAGE_SIZE_MAX = 200


def require_admin(user: SignedIn) -> User:
    if user.role is not Role.admin:
        raise ForbiddenError(f"只有管理员可以查看操作记录（当前账号：{user.role.label}）")
    return user


AdminUser = Annotated[User, Depends(require_admin)]
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
