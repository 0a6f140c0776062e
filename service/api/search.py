"""GET /api/search and GET /api/health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from indexer.base import Filters
from service.api.deps import EngineDep
from service.matching.results import SearchPage
from service.schemas import Kind, Maturity, TransferMode
from service.search import PAGE_SIZE_MAX, QUERY_MAX
from service.search import search as run_search

router = APIRouter(prefix="/api", tags=["search"])


@router.get("/search", response_model=SearchPage)
def search(
    engine: EngineDep,
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
) -> SearchPage:
    filters = Filters(
        field=field,
        maturity=maturity.value if maturity else None,
        mode=mode.value if mode else None,
        region=region,
        money_min=money_min,
        money_max=money_max,
    )
    return run_search(engine, q, kind=kind, filters=filters, page=page, page_size=page_size)


@router.get("/health")
def health(engine: EngineDep) -> dict[str, Any]:
    semantic = engine.semantic
    problem = engine.index_problem()
    counts = {} if problem else engine.index.manifest().counts  # problem covers "unreachable"
    return {
        "status": "ok" if problem is None else "degraded",
        "semantic": semantic.available and engine.vectors_usable(),
        "semantic_reason": semantic.reason
        or (None if engine.vectors_usable() else "the index holds no vectors of this model"),
        "model": semantic.model,
        "backend": engine.index.backend,
        "index": {"ok": problem is None, "problem": problem, "counts": counts},
        "catalog": {kind.value: engine.catalog.count(kind) for kind in Kind},
    }
