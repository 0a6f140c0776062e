"""The 万达开科技成果库 page (/wdk-achievements) and the admins' tag / untag buttons.

JSON twin: /api/wdk-achievements (the same filters); the Excel export is
/api/wdk-achievements/export.xlsx. Unknown filter values are dropped and said so, as on the
search page; a tag that cannot be made is a message naming the achievement.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from service.http.auth import AdminUser, CurrentUser
from service.http.deps import TaxonomyDep
from service.listings.schemas import Maturity
from service.listings.taxonomy import REGION_TIERS, Taxonomy
from service.programmes.errors import ProgrammeError
from service.programmes.wdk.api import WdkLibraryDep
from service.programmes.wdk.views import (
    CITY_LABELS,
    City,
    WdkFilters,
    WdkItem,
    WdkLibraryView,
)
from service.stats.market import TIER_LABELS
from web.listings import form_data
from web.templating import flash, render, url_with

router = APIRouter(include_in_schema=False)
PATH = "/wdk-achievements"
PAGE_SIZE = 25  # rows a page: a phone scrolls a few screens of cards, not 33,000 px
Param = Annotated[str, Query(max_length=64)]


def page_filters(params: dict[str, str], taxonomy: Taxonomy) -> tuple[WdkFilters, list[str]]:
    """The filters a shared URL asks for; bad values are dropped with a note."""
    problems: list[str] = []

    def known(name: str, allowed: Collection[str], label: str) -> str | None:
        value = params.get(name) or None
        if value is not None and value not in allowed:
            problems.append(f"未知{label}“{value}”，已忽略")
            return None
        return value

    tier = known("tier", REGION_TIERS, "地区层级")
    city = known("city", {c.value for c in City}, "城市")
    field = known("field", taxonomy.fields, "领域")
    maturity = known("maturity", {m.value for m in Maturity}, "成熟度")
    filters = WdkFilters(
        tier=tier,
        city=City(city) if city else None,
        field=field,
        maturity=Maturity(maturity) if maturity else None,
        tagged=params.get("tagged") in ("1", "true", "on"),
    )
    return filters, problems


@dataclass(frozen=True)
class PagedSection:
    """One region tier's rows on this page, each with its number in the whole library."""

    tier: str
    label: str
    total: int
    rows: list[tuple[int, WdkItem]]


def paged(view: WdkLibraryView, page: int) -> tuple[list[PagedSection], int, int]:
    """The sections' rows on ``page`` (numbered through the whole list, as the export numbers
    them), the page actually shown and the number of pages."""
    numbered = [(s, n, item) for n, (s, item) in enumerate(
        ((s, i) for s in view.sections for i in s.items), start=1
    )]  # fmt: skip
    pages = max(1, -(-len(numbered) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = numbered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    out: list[PagedSection] = []
    for section, number, item in shown:
        if not out or out[-1].tier != section.tier:
            out.append(PagedSection(section.tier, section.label, len(section.items), []))
        out[-1].rows.append((number, item))
    return out, page, pages


@router.get(PATH, response_class=HTMLResponse)
def library_page(
    request: Request,
    library: WdkLibraryDep,
    taxonomy: TaxonomyDep,
    user: CurrentUser,
    tier: Param = "",
    city: Param = "",
    field: Param = "",
    maturity: Param = "",
    tagged: Param = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    params = {"tier": tier, "city": city, "field": field, "maturity": maturity, "tagged": tagged}
    filters, problems = page_filters(params, taxonomy)
    shown = {
        "tier": filters.tier or "",
        "city": filters.city.value if filters.city else "",
        "field": filters.field or "",
        "maturity": filters.maturity.value if filters.maturity else "",
        "tagged": "1" if filters.tagged else "",
    }
    found = library.view(filters, user)
    sections, page, pages = paged(found, page)
    context = {
        "found": found,
        "sections": sections,
        "page": page,
        "pages": pages,
        "params": shown,
        "problems": problems,
        "export": url_with("/api/wdk-achievements/export.xlsx", shown),
        "json": url_with("/api/wdk-achievements", shown),
        "back": url_with(PATH, shown, page=page if page > 1 else ""),
        "page_size": PAGE_SIZE,
        "options": {
            "tier": [(t, TIER_LABELS[t]) for t in REGION_TIERS],
            "city": [(c.value, CITY_LABELS[c]) for c in City],
            "field": form_data.field_options(taxonomy),
            "maturity": [(m.value, m.label) for m in Maturity],
        },
    }
    return render(request, "wdk_achievements.html", context)


@router.post(PATH + "/tags")
def tag(
    request: Request,
    library: WdkLibraryDep,
    user: AdminUser,
    achievement_id: Annotated[str, Form(max_length=64)] = "",
    action: Annotated[str, Form(max_length=10)] = "tag",
    back: Annotated[str, Form(max_length=500)] = PATH,
) -> Response:
    """标注入库 / 取消标注, from a row's button or the form that takes an achievement's number."""
    target = back if back.startswith(PATH) else PATH  # only back to this page
    achievement_id = achievement_id.strip()
    try:
        if not achievement_id:
            flash(request, "成果编号：请填写要标注的成果编号（如 A1001）", "error")
        elif action not in ("tag", "untag"):
            flash(request, "操作：未知的操作", "error")
        elif action == "untag":
            item = library.untag(achievement_id, user)
            flash(request, f"已取消标注：{item.title}（{item.id}）")
        else:
            item = library.tag(achievement_id, user)
            flash(request, f"已标注入万达开科技成果库：{item.title}（{item.id}）")
    except ProgrammeError as exc:
        flash(request, str(exc), "error")
    return RedirectResponse(target, status_code=303)
