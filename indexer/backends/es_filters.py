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

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from indexer.base import Filters, IndexedDoc

Clause = dict[str, Any]

TITLE_BOOST = 2  # a term in the title counts twice a term in the body, as in the embedded mode
HNSW = {"type": "hnsw", "m": 16, "ef_construction": 100}
# The token characters of FTS5's unicode61 (Unicode letters, numbers, private use, and the
# combining diacritics SQLite counts as part of a word): the indexer's jieba tokens are split
# exactly as the embedded index splits them (c++ -> c, 3.5 -> 3 5), so both backends count the
# same terms. (SQLite's Unicode tables are older than Java's: symbols assigned since, such as
# newer currency signs, are word characters to FTS5 and separators here.)
DIACRITICS = (  # as regex escapes: U+0300-0304, 0306-030C, 030F, 0311, 031B, 0323-0328, ...
    r"\u0300-\u0304\u0306-\u030c\u030f\u0311\u031b\u0323-\u0328\u032d\u032e\u0330\u0331"
)
TOKEN_SEPARATORS = r"[^\p{L}\p{N}\p{Co}" + DIACRITICS + "]+"  # a java.util.regex pattern
ANALYSIS = {
    "tokenizer": {"techmatch_unicode61": {"type": "pattern", "pattern": TOKEN_SEPARATORS}},
    "analyzer": {
        "techmatch": {
            "type": "custom",
            "tokenizer": "techmatch_unicode61",
            "filter": ["lowercase"],
        }
    },
}
# Distinct query tokens sent: each costs two clauses (title, body) against Elasticsearch's
# clause limit (at least 1,024 on any heap); a 5,000-character listing has more.
MAX_QUERY_TOKENS = 400


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
    return {"type": "text", "analyzer": "techmatch"}  # default similarity: BM25, k1 1.2, b 0.75


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
        "indexed_at": {"type": "long"},  # ns, set on first indexing; browse(): newest first
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
            "analysis": ANALYSIS,
        }
    }


def serving_settings(replicas: int) -> dict[str, Any]:
    """The dynamic settings restored once loaded (a null refresh_interval resets to 1s)."""
    return {"index": {"refresh_interval": None, "number_of_replicas": replicas}}


def to_source(doc: IndexedDoc, indexed_at: int) -> dict[str, Any]:
    """The stored document; ``indexed_at`` is kept from the first indexing (stable browse)."""
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
        "indexed_at": indexed_at,
    }
    if doc.vector is not None:
        source["vector"] = [float(x) for x in np.asarray(doc.vector, dtype=np.float32)]
    return source


def query_tokens(tokens: Sequence[str]) -> list[tuple[str, int]]:
    """(token, count) of the distinct tokens, most repeated first, capped at MAX_QUERY_TOKENS."""
    counts = Counter(tokens)
    ranked = sorted(counts.items(), key=lambda tc: -tc[1])  # stable: first seen first on ties
    return ranked[:MAX_QUERY_TOKENS]


def lexical_query(tokens: Sequence[str], filters: Filters) -> dict[str, Any]:
    """One BM25F ``combined_fields`` clause over ``title^2`` and ``body`` per distinct token.

    As FTS5's ``bm25(title 2, body 1)`` does, a term's frequency is ``2·tf_title + tf_body``
    over one length per document; a token repeated in the query weighs its count (``boost``);
    a token the analyzer splits (``3.5``) needs all its pieces (``operator: and``), as FTS5's
    phrase does. ``bench/es_parity.py`` measures how close the two rankings are.
    """
    should = [
        {
            "combined_fields": {
                "query": token,
                "fields": [f"title^{TITLE_BOOST}", "body"],
                "operator": "and",
                "boost": count,
            }
        }
        for token, count in query_tokens(tokens)
    ]
    return {"bool": {"should": should, "minimum_should_match": 1, "filter": es_filters(filters)}}


def doc_freq_request(terms: Sequence[str]) -> dict[str, Any]:
    """One search whose ``filters`` aggregation counts, per term, the documents holding it in
    title or body (the embedded index reads the same from its FTS5 vocabulary)."""
    either = [{"terms": {"title": list(terms)}}, {"terms": {"body": list(terms)}}]
    buckets = [{"bool": {"should": [{"term": {"title": t}}, {"term": {"body": t}}]}} for t in terms]
    return {
        "size": 0,
        "track_total_hits": False,
        "query": {"bool": {"should": either}},
        "aggs": {"df": {"filters": {"filters": buckets}}},
    }


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
    actions: list[Clause] = [
        {"remove": {"index": i, "alias": a, "must_exist": True}} for a, i in old
    ]
    actions += [{"add": {"index": i, "alias": a, "is_write_index": True}} for a, i in new]
    return actions
