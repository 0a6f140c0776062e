"""GET /api/search and GET /api/health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from indexer.base import Filters
from service.http.deps import CatalogDep, IndexingDep, MatcherDep, SearcherDep
from service.http.responses import responses
from service.listings.schemas import Kind, Maturity, TransferMode
from service.matching.matcher import Matcher
from service.matching.results import SearchPage
from service.matching.search import PAGE_SIZE_MAX, QUERY_MAX, Sort

router = APIRouter(prefix="/api", tags=["search"])


@router.get("/search", response_model=SearchPage, responses=responses(422, 503))
def search(
    searcher: SearcherDep,
    q: Annotated[str, Query(max_length=QUERY_MAX, description="free text")] = "",
    kind: Kind | None = None,
    field: Annotated[str | None, Query(max_length=64)] = None,
    maturity: Maturity | None = None,
    mode: TransferMode | None = None,
    region: Annotated[str | None, Query(max_length=40)] = None,
    money_min: Annotated[float | None, Query(ge=0)] = None,
    money_max: Annotated[float | None, Query(ge=0)] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = 20,
    sort: Sort = Sort.relevance,
) -> SearchPage:
    filters = Filters(
        field=field,
        maturity=maturity.value if maturity else None,
        mode=mode.value if mode else None,
        region=region,
        money_min=money_min,
        money_max=money_max,
    )
    return searcher.search(q, kind=kind, filters=filters, page=page, page_size=page_size, sort=sort)


@router.get("/health")
def health(indexing: IndexingDep, catalog: CatalogDep, matcher: MatcherDep) -> dict[str, Any]:
    """Whether search works, whether semantic matching is on (and why not), what is indexed,
    which match calibration applies."""
    semantic = indexing.encoder.status
    problem = indexing.problem()
    queue = indexing.vectors.status()  # a bulk import's vectors still being made
    counts = {} if problem else indexing.index.manifest().counts  # problem covers "unreachable"
    dense = indexing.vectors_usable()
    failure = indexing.last_failure
    return {
        "status": "ok" if problem is None and failure is None else "degraded",
        "semantic": semantic.available and dense,
        "semantic_reason": semantic.reason
        or (None if dense else "the index holds no vectors of this model"),
        "model": semantic.model,
        "backend": indexing.index.backend,
        "index": {
            "ok": problem is None,
            "problem": problem,
            "counts": counts,
            "last_write_failure": None
            if failure is None
            else {"kind": failure.kind, "id": failure.listing_id, "error": failure.error},
            "vectors_queue": {"pending": queue.pending, "done": queue.done, "total": queue.total},
        },
        "catalog": {kind.value: catalog.count(kind) for kind in Kind},
        "calibration": _calibration(matcher, semantic.available and dense),
    }


def _calibration(matcher: Matcher, semantic: bool) -> dict[str, Any]:
    """The match calibration the lists use now, or why there is none / it is a fallback."""
    chosen, notice = matcher.calibrations.choose(semantic, matcher.encoder.model_name)
    return {
        "variant": chosen.name if chosen else None,
        "model": chosen.model if chosen else None,
        "fitted_at": matcher.calibrations.meta.get("fitted_at"),
        "notice": notice,
    }
