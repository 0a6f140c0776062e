"""Free-text search over achievements and needs, with filters, facets and paging."""

from __future__ import annotations

from collections import Counter
from typing import Any

from indexer.base import Filters
from service.documents import body_text
from service.engine import Engine
from service.matching.fusion import reciprocal_rank_fusion
from service.matching.matcher import brief
from service.matching.results import SearchItem, SearchPage
from service.schemas import Kind
from service.taxonomy import get_taxonomy

MAX_RESULTS = 1000  # results ranked and faceted per query
DENSE_RESULTS = 20  # semantic neighbours added to the lexical matches
QUERY_MAX = 500
PAGE_SIZE_MAX = 100


def search(
    engine: Engine,
    query: str,
    *,
    kind: Kind | None = None,
    filters: Filters | None = None,
    page: int = 1,
    page_size: int = 20,
) -> SearchPage:
    """One page of results; an empty query lists the newest listings that pass the filters."""
    if len(query) > QUERY_MAX:
        raise ValueError(f"query: at most {QUERY_MAX} characters (got {len(query)})")
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise ValueError(f"page_size: between 1 and {PAGE_SIZE_MAX}")
    if page < 1:
        raise ValueError("page: must be 1 or more")
    filters = filters or Filters()
    kinds = [kind] if kind else list(Kind)
    tokens = engine.analyzer.tokens(query) if query.strip() else []
    ranked: list[tuple[float, Kind, str]] = []
    dense_on = engine.vectors_usable()
    vector = engine.encode_query(query) if dense_on and tokens else None  # once for all kinds
    for k in kinds:
        if not tokens:
            ids = engine.index.browse(k.value, filters, MAX_RESULTS)
            ranked.extend((-i, k, listing_id) for i, listing_id in enumerate(ids))
            continue
        lists = {"lexical": engine.index.lexical(k.value, tokens, filters, MAX_RESULTS)}
        if vector is not None:
            lists["dense"] = engine.index.vector(k.value, vector, filters, DENSE_RESULTS)
        for fused in reciprocal_rank_fusion(lists, {}, engine.settings.rrf_k):
            ranked.append((fused.score, k, fused.id))
    ranked.sort(key=lambda r: (-r[0], r[2]))
    ranked = ranked[:MAX_RESULTS]

    listings: dict[tuple[Kind, str], Any] = {}
    for k in kinds:
        found = engine.catalog.get_many(k, [i for _, kk, i in ranked if kk is k])
        listings.update({(k, i): v for i, v in found.items()})
    ranked = [r for r in ranked if (r[1], r[2]) in listings]

    start = (page - 1) * page_size
    query_words = set(tokens)
    items = []
    for score, k, listing_id in ranked[start : start + page_size]:
        listing = listings[(k, listing_id)]
        text = body_text(k, listing)
        terms = [t for t in dict.fromkeys(engine.analyzer.words(listing.title + text))]
        items.append(
            SearchItem(
                **brief(k, listing).model_dump(),
                score=round(max(score, 0.0), 6),
                snippet=text[:140] + ("…" if len(text) > 140 else ""),
                matched_terms=[t for t in terms if t in query_words][:10],
            )
        )
    return SearchPage(
        query=query,
        kind=kind,
        page=page,
        page_size=page_size,
        total=len(ranked),
        semantic=dense_on,
        items=items,
        facets=_facets([(k, listings[(k, i)]) for _, k, i in ranked]),
    )


def _facets(results: list[tuple[Kind, Any]]) -> dict[str, dict[str, int]]:
    taxonomy = get_taxonomy()
    counters: dict[str, Counter[str]] = {
        n: Counter() for n in ("kind", "field", "maturity", "region")
    }
    for kind, listing in results:
        counters["kind"][kind.value] += 1
        info = taxonomy.field(listing.field)
        counters["field"][info.top if info else listing.field] += 1
        item = brief(kind, listing)
        if item.maturity:
            counters["maturity"][item.maturity] += 1
        if listing.region:
            counters["region"][listing.region] += 1
    return {name: dict(c.most_common()) for name, c in counters.items()}
