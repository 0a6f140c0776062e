"""The landing page and the search page; every page's data also comes from the JSON API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from indexer.base import Filters
from service.api.deps import EngineDep
from service.catalog import NotFoundError
from service.documents import body_text
from service.matching.matcher import Matcher
from service.schemas import Kind, Status
from service.search import QUERY_MAX
from service.search import search as run_search
from service.taxonomy import get_taxonomy
from web.accounts import router as accounts_router
from web.templating import HERE, render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, engine: EngineDep) -> Response:
    taxonomy = get_taxonomy()
    by_field = []
    for top in taxonomy.top_fields():
        counts = {kind: engine.index.count(kind.value, Filters(field=top.code)) for kind in Kind}
        by_field.append((top, counts[Kind.achievement], counts[Kind.need]))
    newest = run_search(engine, "", kind=Kind.need, page_size=6).items
    return render(
        request,
        "index.html",
        {
            "by_field": by_field,
            "totals": {k.value: engine.index.count(k.value) for k in Kind},
            "newest": newest,
        },
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    engine: EngineDep,
    q: Annotated[str, Query(max_length=QUERY_MAX)] = "",
    kind: Kind | None = None,
    field: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    filters = Filters(field=field or None)
    results = run_search(engine, q, kind=kind, filters=filters, page=page, page_size=20)
    return render(
        request,
        "search.html",
        {"results": results, "q": q, "kind": kind, "field": field or ""},
    )


@router.get("/achievements/{listing_id}", response_class=HTMLResponse)
def achievement_page(request: Request, listing_id: str, engine: EngineDep) -> Response:
    return _listing_page(request, engine, Kind.achievement, listing_id)


@router.get("/needs/{listing_id}", response_class=HTMLResponse)
def need_page(request: Request, listing_id: str, engine: EngineDep) -> Response:
    return _listing_page(request, engine, Kind.need, listing_id)


def _listing_page(request: Request, engine: EngineDep, kind: Kind, listing_id: str) -> Response:
    """A published listing with its ranked counterparts and why each one fits (or not)."""
    try:
        listing = engine.catalog.get(kind, listing_id)
        if listing.status != Status.published:
            raise NotFoundError(kind, listing_id)
    except NotFoundError:
        return render(
            request, "not_found.html", {"kind": kind, "listing_id": listing_id}, status_code=404
        )
    result = Matcher(engine).match(kind, listing_id, limit=10)
    return render(
        request,
        "listing.html",
        {"kind": kind, "listing": listing, "body": body_text(kind, listing), "result": result},
    )


def mount_web(app: FastAPI) -> None:
    """Attach the pages and the static files to ``app``."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)
    app.include_router(accounts_router)
