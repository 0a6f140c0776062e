"""The landing page and the search page; every page's data also comes from the JSON API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from service.http.deps import AnalyzerDep, CatalogDep, SearcherDep, StatsDep, TaxonomyDep
from service.listings.schemas import Kind
from service.matching.search import QUERY_MAX, Sort
from web import api_docs, programmes
from web.accounts import admin, audit, forgot, inbox, signin
from web.desk import router as desk_router
from web.listings import form_data, forms, mine, page
from web.listings.search_filters import search_filters
from web.security import SecurityHeaders
from web.stats.pages import router as stats_router
from web.templating import HERE, render

router = APIRouter(include_in_schema=False)
NEWEST = 6  # listings of each kind on the home page


@router.get("/", response_class=HTMLResponse)
def home(request: Request, catalog: CatalogDep, statistics: StatsDep) -> Response:
    """What the market is, live counts by field and county, the newest listings, a search box."""
    counts = statistics.listing_counts()
    newest = {kind: catalog.list(kind, limit=NEWEST)[0] for kind in Kind}
    dazhou = [r for r in counts.by_region if r.tier == "dazhou"]
    return render(request, "index.html", {"counts": counts, "dazhou": dazhou, "newest": newest})


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    searcher: SearcherDep,
    analyzer: AnalyzerDep,
    taxonomy: TaxonomyDep,
    q: Annotated[str, Query(max_length=QUERY_MAX)] = "",
    kind_name: Annotated[str | None, Query(alias="kind", max_length=20)] = None,
    field: Annotated[str | None, Query(max_length=64)] = None,
    maturity: Annotated[str | None, Query(max_length=20)] = None,
    mode: Annotated[str | None, Query(max_length=20)] = None,
    region: Annotated[str | None, Query(max_length=40)] = None,
    money_min: Annotated[str | None, Query(max_length=12)] = None,
    money_max: Annotated[str | None, Query(max_length=12)] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    sort_name: Annotated[str | None, Query(alias="sort", max_length=20)] = None,
) -> Response:
    """Search with filters; unknown filter values are ignored and said so, not a 422 page."""
    kind = Kind(kind_name) if kind_name in {k.value for k in Kind} else None
    sort = Sort(sort_name) if sort_name in {s.value for s in Sort} else Sort.relevance
    params = {
        "q": q,
        "kind": kind.value if kind else "",
        "field": field or "",
        "maturity": maturity or "",
        "mode": mode or "",
        "region": region or "",
        "money_min": money_min or "",
        "money_max": money_max or "",
        "sort": sort.value if sort is not Sort.relevance else "",
    }
    filters, problems = search_filters(params, taxonomy)
    results = searcher.search(q, kind=kind, filters=filters, page=page, page_size=20, sort=sort)
    words = [w for w in q.split() + analyzer.tokens(q) if len(w) > 1]
    context = {
        "results": results,
        "marks": list(dict.fromkeys(words)),
        "q": q,
        "kind": kind,
        "field": field or "",
        "params": params,
        "problems": problems,
        "sort": sort,
        "sorts": list(Sort),
        "pages": max(1, -(-results.total // results.page_size)),
        "options": {
            "field": form_data.field_options(taxonomy),
            "region": form_data.region_options(taxonomy),
            "maturity": form_data.maturity_options(),
            "modes": form_data.mode_options(),
        },
    }
    return render(request, "search.html", context)


@router.get("/favicon.ico")
def favicon() -> Response:
    return FileResponse(HERE / "static" / "favicon.ico", media_type="image/x-icon")


def mount_web(app: FastAPI) -> None:
    """Attach the pages, the static files and the security headers to ``app``."""
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(forms.router)  # before the pages: /needs/new is not an id
    app.include_router(inbox.router)
    app.include_router(mine.router)
    app.include_router(router)
    app.include_router(page.router)
    for pages in (signin, admin, forgot, audit):
        app.include_router(pages.router)
    app.include_router(api_docs.router)
    app.include_router(stats_router)
    app.include_router(desk_router)
    programmes.register(app)
