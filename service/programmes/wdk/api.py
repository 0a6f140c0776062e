"""The 万达开科技成果库's JSON API (``/api/wdk-achievements``): the library by region tier with
its filters, its Excel export, and the admins' tag / untag of an achievement.

Reads are public; contacts only where the viewer may see them (the listing rule). Tagging is for
admins (and, for cookie-borne writes, the CSRF header, like every write). An unknown
achievement is 404, tagging one that is not published 409, a bad filter 422 naming it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.exceptions import RequestValidationError

from service.http.auth import AdminUser, CurrentUser
from service.http.deps import TaxonomyDep, dependency
from service.http.responses import attachment, responses
from service.listings.schemas import ID_PATTERN, Maturity
from service.listings.taxonomy import REGION_TIERS, Taxonomy
from service.programmes.exports import XLSX, wdk_xlsx
from service.programmes.wdk.service import WdkLibrary
from service.programmes.wdk.views import City, WdkFilters, WdkItem, WdkLibraryView

WdkLibraryDep = Annotated[WdkLibrary, dependency(WdkLibrary)]


# 401: a bearer token that is not valid (reads are open, but a bad token is refused)
router = APIRouter(
    prefix="/api/wdk-achievements", tags=["programmes"], responses=responses(401, 422)
)
WRITE = responses(401, 403, 404, 409, 413)
AchievementId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN, description="成果编号")]
TIERS = "|".join(REGION_TIERS)


def wdk_filters(
    taxonomy: TaxonomyDep,
    tier: Annotated[str | None, Query(pattern=f"^({TIERS})$", description=TIERS)] = None,
    city: City | None = None,
    field: Annotated[str | None, Query(max_length=64, description="a field code")] = None,
    maturity: Maturity | None = None,
    tagged: bool = False,
) -> WdkFilters:
    return checked(WdkFilters(tier=tier, city=city, field=field or None, maturity=maturity,
                              tagged=tagged), taxonomy)  # fmt: skip


def checked(filters: WdkFilters, taxonomy: Taxonomy) -> WdkFilters:
    """422 naming ``field`` when it is not a field code of the taxonomy."""
    if filters.field and taxonomy.field(filters.field) is None:
        error = {"loc": ("query", "field"), "msg": f"未知的技术领域代码“{filters.field}”",
                 "type": "value_error"}  # fmt: skip
        raise RequestValidationError([error])
    return filters


Filters = Annotated[WdkFilters, Depends(wdk_filters)]


@router.get("", response_model=WdkLibraryView)
def library(library: WdkLibraryDep, filters: Filters, user: CurrentUser) -> WdkLibraryView:
    """Achievements of 万州, 达州 and 开州 and those an admin tagged, in sections by region
    tier (达州市, 川东北及周边, 其他地区); ``tagged=true`` keeps only the tagged ones."""
    return library.view(filters, user)


@router.get("/export.xlsx", response_class=Response)
def export(library: WdkLibraryDep, filters: Filters, user: CurrentUser) -> Response:
    """The library as Excel in the plain report layout (序号, 名称, 单位, 领域, 所在地,
    价格, 联系人), with the same filters; contacts only where the reader may see them."""
    return attachment(XLSX, wdk_xlsx(library.view(filters, user)), "wdk-achievements.xlsx")


@router.post("/{achievement_id}/tag", response_model=WdkItem, responses=WRITE)
def tag(achievement_id: AchievementId, library: WdkLibraryDep, user: AdminUser) -> WdkItem:
    """Tag a published achievement for the 成果库 (admins); tagging it again changes nothing."""
    return library.tag(achievement_id, user)


@router.delete("/{achievement_id}/tag", response_model=WdkItem, responses=WRITE)
def untag(achievement_id: AchievementId, library: WdkLibraryDep, user: AdminUser) -> WdkItem:
    """Take the tag off (admins); an achievement of the three cities stays in the library."""
    return library.untag(achievement_id, user)


routers = (router,)
