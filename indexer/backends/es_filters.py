"""Elasticsearch request bodies built from backend-neutral values; no client, no I/O.

``es_filters`` is the one place where ``Filters`` become query clauses. The other builders
(index settings and mappings, the document source, the lexical query and the kNN request) are
kept here too, as pure functions, so the backend module only sends them and unit tests can
check them without a transport.

Filter semantics are those of ``indexer.backends.embedded.where_clause``:

- ``field``: a sub-field code (it contains ".") matches ``field`` exactly; a top-level code
  matches ``field_top``, so every sub-field of it;
- ``maturity``, ``region``: exact ``term``;
- ``mode``: ``term`` on the keyword array ``modes`` (matches when any mode equals it);
- ``money_min`` / ``money_max``: one ``range`` on ``money`` (a listing without a price, 面议,
  has no ``money`` and so is excluded by either bound, as SQL ``NULL >= x`` is);
- ``exclude_ids``: ``must_not`` ``ids``.

Shape: ``es_filters`` returns ONE list of clauses for a bool query's ``filter`` context. The
exclusion is wrapped as ``{"bool": {"must_not": [{"ids": ...}]}}`` inside that list, so the same
list serves a ``bool.filter`` and a ``knn.filter`` (which accepts a list of queries) unchanged.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from indexer.base import Filters, IndexedDoc

Clause = dict[str, Any]

TITLE_BOOST = 2.0  # a term in the title counts twice a term in the body, as in the embedded mode
SIMILARITY = {"techmatch_bm25": {"type": "BM25", "k1": 1.2, "b": 0.75}}
HNSW = {"type": "hnsw", "m": 16, "ef_construction": 100}


def es_filters(filters: Filters) -> list[Clause]:
    """The clauses that every returned document must satisfy; empty when nothing filters."""
    clauses: list[Clause] = []
    if filters.field:
        column = "field" if "." in filters.field else "field_top"
        clauses.append({"term": {column: filters.field}})
    if filters.maturity:
        clauses.append({"term": {"maturity": filters.maturity}})
    if filters.region:
        clauses.append({"term": {"region": filters.region}})
    if filters.mode:
        clauses.append({"term": {"modes": filters.mode}})
    bounds: dict[str, float] = {}
    if filters.money_min is not None:
        bounds["gte"] = filters.money_min
    if filters.money_max is not None:
        bounds["lte"] = filters.money_max
    if bounds:
        clauses.append({"range": {"money": bounds}})
    if filters.exclude_ids:
        clauses.append({"bool": {"must_not": [{"ids": {"values": list(filters.exclude_ids)}}]}})
    return clauses


def es_query(filters: Filters | None) -> Clause:
    """A whole query selecting the documents that pass ``filters`` (``match_all`` when none)."""
    clauses = es_filters(filters or Filters())
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


def _text() -> dict[str, Any]:
    return {
        "type": "text",
        "analyzer": "whitespace",
        "similarity": "techmatch_bm25",
        "fields": {"cjk": {"type": "text", "analyzer": "cjk"}},
    }


def index_mappings(dimension: int | None) -> dict[str, Any]:
    """Explicit, strict mappings; ``vector`` only when the manifest has a dimension."""
    keyword = {"type": "keyword"}
    properties: dict[str, Any] = {
        **{
            name: keyword
            for name in ("id", "kind", "field", "field_top", "maturity", "modes", "region")
        },
        "money": {"type": "float"},
        "content_hash": keyword,
        "indexed_at": {"type": "long"},  # nanoseconds; browse() lists the newest first
        "title": _text(),
        "body": _text(),
    }
    if dimension:
        properties["vector"] = {
            "type": "dense_vector",
            "dims": dimension,
            "index": True,
            "similarity": "cosine",
            "index_options": HNSW,
        }
    return {"dynamic": "strict", "properties": properties}


def index_settings() -> dict[str, Any]:
    """Settings of a new index while it is bulk-loaded: no refreshes, no replicas."""
    return {
        "index": {
            "number_of_shards": 1,  # global BM25 statistics, as in the embedded index
            "number_of_replicas": 0,
            "refresh_interval": "-1",
            "similarity": SIMILARITY,
        }
    }


def serving_settings(replicas: int) -> dict[str, Any]:
    """The dynamic settings restored once loaded (a null refresh_interval resets to 1s)."""
    return {"index": {"refresh_interval": None, "number_of_replicas": replicas}}


def to_source(doc: IndexedDoc) -> dict[str, Any]:
    source: dict[str, Any] = {
        "id": doc.id,
        "kind": doc.kind,
        "title": " ".join(doc.title_tokens),
        "body": " ".join(doc.body_tokens),
        "field": doc.field,
        "field_top": doc.field_top,
        "maturity": doc.maturity,
        "modes": list(doc.modes),
        "region": doc.region,
        "money": doc.money,
        "content_hash": doc.content_hash,
        "indexed_at": time.time_ns(),
    }
    if doc.vector is not None:
        source["vector"] = [float(x) for x in np.asarray(doc.vector, dtype=np.float32)]
    return source


def lexical_query(tokens: Sequence[str], filters: Filters) -> dict[str, Any]:
    """One ``match`` per unique token and field, boosted by the token's count in the query."""
    should = [
        {"match": {column: {"query": token, "boost": boost * count}}}
        for token, count in Counter(tokens).items()
        for column, boost in (("title", TITLE_BOOST), ("body", 1.0))
    ]
    return {"bool": {"should": should, "minimum_should_match": 1, "filter": es_filters(filters)}}


def knn_request(vector: np.ndarray, filters: Filters, k: int) -> dict[str, Any]:
    """A top-level ``knn`` search over ``vector``; the filters apply during the HNSW walk."""
    knn: dict[str, Any] = {
        "field": "vector",
        "query_vector": [float(x) for x in np.asarray(vector, dtype=np.float32)],
        "k": k,
        "num_candidates": min(10_000, max(100, 2 * k)),
    }
    if clauses := es_filters(filters):
        knn["filter"] = clauses
    return knn


def alias_swap(old: Sequence[tuple[str, str]], new: Sequence[tuple[str, str]]) -> list[Clause]:
    """``update_aliases`` actions moving each alias from its old index to its new one at once."""
    actions: list[Clause] = [{"remove": {"index": i, "alias": a}} for a, i in old]
    actions += [{"add": {"index": i, "alias": a, "is_write_index": True}} for a, i in new]
    return actions
