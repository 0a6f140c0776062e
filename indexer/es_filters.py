"""Backend-neutral ``Filters`` translated to Elasticsearch query clauses, in one place.

The semantics are those of ``indexer.embedded.where_clause``:

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

from typing import Any

from indexer.base import Filters

Clause = dict[str, Any]


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
