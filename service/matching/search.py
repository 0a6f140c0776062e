"""Free-text search over achievements and needs, with filters, facets and paging."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum

from indexer.analysis import Analyzer
from indexer.base import Filters, Hit, SearchIndex
from indexer.documents import top_field
from indexer.embedding import SemanticEncoder
from indexer.sync import vectors_usable
from indexer.terms import TermExtractor
from service.catalog import Catalog
from service.catalog.feeds import ListingFacts
from service.listings.schemas import Kind, Listing
from service.listings.taxonomy import Taxonomy
from service.matching.cache import ResultCache
from service.matching.fusion import reciprocal_rank_fusion
from service.matching.matcher import brief
from service.matching.results import SearchItem, SearchPage

MAX_RESULTS = 1000  # results ranked and faceted per query
CACHE_SIZE = 2048  # result pages kept per process (keyed by the catalog's version)
DENSE_RESULTS = 20  # semantic neighbours added to the lexical matches
QUERY_MAX = 500
PAGE_SIZE_MAX = 100
# Single-character function words that find everything when searched alone (a query-side
# addition to the analyzer's stop words, so the index need not be rebuilt).
QUERY_STOPWORDS = frozenset("不没很也都就还又才再被把让从对向于与及或而且但则")
DENSE_FLOOR = 0.92
"""Dense score (mean of the whole-text and best-passage cosines of e5) from which a result of
a multi-word query counts as matching it in meaning without sharing a word that is not general
language: the lowest score from which at least half of the hits are relevant, with the 160
development-set titles as queries (``bench/search_floor.py``: 70 % relevant from 0.92, 48 %
from 0.91, 3 % over all hits)."""


class Sort(StrEnum):
    """Result order: relevance (or newest first without a query), newest, lowest price."""

    relevance = "relevance"
    newest = "newest"
    price = "price"

    @property
    def label(self) -> str:
        return {"relevance": "相关度", "newest": "最新发布", "price": "价格/预算从低到高"}[
            self.value
        ]


class Searcher:
    """Free-text search: lexical hits fused with a few semantic neighbours."""

    def __init__(
        self,
        index: SearchIndex,
        catalog: Catalog,
        analyzer: Analyzer,
        encoder: SemanticEncoder,
        taxonomy: Taxonomy,
        rrf_k: int = 10,
        terms: TermExtractor | None = None,
        dense_floor: float = DENSE_FLOOR,
    ) -> None:
        self.index = index
        self.catalog = catalog
        self.analyzer = analyzer
        self.terms = terms or TermExtractor.for_analyzer(analyzer)
        self.dense_floor = dense_floor
        self.encoder = encoder
        self.taxonomy = taxonomy
        self.rrf_k = rrf_k
        self._pages: ResultCache[SearchPage] = ResultCache(catalog, index, CACHE_SIZE)

    def search(
        self,
        query: str,
        *,
        kind: Kind | None = None,
        filters: Filters | None = None,
        page: int = 1,
        page_size: int = 20,
        sort: Sort = Sort.relevance,
    ) -> SearchPage:
        """One page of results; an empty query lists the newest listings passing the filters,
        a query made only of stop words (的, 不 …) finds nothing. Pages are cached until a
        listing changes or the index is rebuilt."""
        filters = filters or Filters()
        return self._pages.get(
            (query, kind, filters, page, page_size, sort),
            lambda: _search(self, query, kind, filters, page, page_size, sort),
        )


def _search(
    searcher: Searcher,
    query: str,
    kind: Kind | None,
    filters: Filters,
    page: int,
    page_size: int,
    sort: Sort = Sort.relevance,
) -> SearchPage:
    if len(query) > QUERY_MAX:
        raise ValueError(f"query: at most {QUERY_MAX} characters (got {len(query)})")
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise ValueError(f"page_size: between 1 and {PAGE_SIZE_MAX}")
    if page < 1:
        raise ValueError("page: must be 1 or more")
    kinds = [kind] if kind else list(Kind)
    tokens = searcher.analyzer.tokens(query) if query.strip() else []
    tokens = [t for t in tokens if t not in QUERY_STOPWORDS]
    specific = [t for t in dict.fromkeys(tokens) if searcher.terms.specific(t)]
    dense_on = vectors_usable(searcher.index, searcher.encoder)
    ranked = _ranked(searcher, query, tokens, specific, kinds, filters, dense_on)
    facts: dict[tuple[Kind, str], ListingFacts] = {}
    for k in kinds:
        of_kind = searcher.catalog.facts(k, [i for _, kk, i in ranked if kk is k])
        facts.update({(k, i): v for i, v in of_kind.items()})
    ranked = [r for r in ranked if (r[1], r[2]) in facts]
    if sort is Sort.newest:
        ranked.sort(key=lambda r: facts[(r[1], r[2])].created_at, reverse=True)
    elif sort is Sort.price:  # 面议 (no figure) last
        ranked.sort(
            key=lambda r: (facts[(r[1], r[2])].money is None, facts[(r[1], r[2])].money or 0)
        )
    start = (page - 1) * page_size
    return SearchPage(
        query=query,
        kind=kind,
        page=page,
        page_size=page_size,
        total=len(ranked),
        semantic=dense_on,
        items=_items(searcher, ranked[start : start + page_size], kinds, specific),
        facets=_facets([facts[(k, i)] for _, k, i in ranked]),
    )


Ranked = list[tuple[float, Kind, str]]


def _ranked(
    searcher: Searcher, query: str, tokens: list[str], specific: list[str], kinds: list[Kind],
    filters: Filters, dense_on: bool,
) -> Ranked:  # fmt: skip
    """Every result (score, kind, id), best first: browsing when the query is empty."""
    ranked: Ranked = []
    vector = searcher.encoder.encode_query(query) if dense_on and tokens else None  # once
    for k in kinds if tokens or not query.strip() else []:  # stop words only: nothing
        if not tokens:
            ids = searcher.index.browse(k.value, filters, MAX_RESULTS)
            ranked.extend((-i, k, listing_id) for i, listing_id in enumerate(ids))
            continue
        lists = {"lexical": searcher.index.lexical(k.value, tokens, filters, MAX_RESULTS)}
        if vector is not None:
            lists["dense"] = searcher.index.vector(k.value, vector, filters, DENSE_RESULTS)
        if len(tokens) > 1 and specific:  # a multi-word query: no match on a general word
            lists = _sharing(searcher, k, specific, filters, lists)
        for fused in reciprocal_rank_fusion(lists, {}, searcher.rrf_k):
            ranked.append((fused.score, k, fused.id))
    ranked.sort(key=lambda r: (-r[0], r[2]))
    return ranked[:MAX_RESULTS]


def _items(
    searcher: Searcher, shown: Ranked, kinds: list[Kind], specific: list[str]
) -> list[SearchItem]:
    """The shown page's results, each with its snippet and the query's terms it contains."""
    listings: dict[tuple[Kind, str], Listing] = {}
    for k in kinds:
        found = searcher.catalog.get_many(k, [i for _, kk, i in shown if kk is k])
        listings.update({(k, i): v for i, v in found.items()})
    items = []
    for score, k, listing_id in shown:
        listing = listings.get((k, listing_id))
        if listing is None:  # removed between the two reads
            continue
        text = listing.body
        words = set(searcher.analyzer.words(listing.title + text))  # remembered per text
        items.append(
            SearchItem(
                **brief(listing, searcher.taxonomy).model_dump(),
                score=round(max(score, 0.0), 6),
                snippet=text[:140] + ("…" if len(text) > 140 else ""),
                matched_terms=[t for t in specific if t in words][:10],
                date=listing.created_at.date(),
            )
        )
    return items


def _sharing(
    searcher: Searcher,
    kind: Kind,
    specific: list[str],
    filters: Filters,
    lists: dict[str, list[Hit]],
) -> dict[str, list[Hit]]:
    """``lists`` without the results that share no word with the query but general ones
    (容易, 产品): a result must contain one of the query's ``specific`` words, or be a semantic
    neighbour at least ``dense_floor`` close."""
    sharing = {h.id for h in searcher.index.lexical(kind.value, specific, filters, MAX_RESULTS)}
    out = {"lexical": [h for h in lists["lexical"] if h.id in sharing]}
    if "dense" in lists:
        floor = searcher.dense_floor
        out["dense"] = [h for h in lists["dense"] if h.id in sharing or h.score >= floor]
    return out


def _facets(results: list[ListingFacts]) -> dict[str, dict[str, int]]:
    counters: dict[str, Counter[str]] = {
        n: Counter() for n in ("kind", "field", "maturity", "region")
    }
    for listing in results:
        counters["kind"][listing.kind.value] += 1
        counters["field"][top_field(listing.field)] += 1
        if listing.maturity:
            counters["maturity"][listing.maturity] += 1
        if listing.region:
            counters["region"][listing.region] += 1
    return {name: dict(c.most_common()) for name, c in counters.items()}
