"""Per-process caches of derived results (match lists, search pages).

A result stays valid while no listing changes and the index keeps its generation, so every key
carries the catalog's version (``Catalog.version``: two indexed lookups) and the index
generation (read once per generation file change by the backend). Several worker processes each
keep their own cache; a write in one is seen by the others through the catalog's version.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from pydantic import BaseModel

from indexer.base import IndexError_, SearchIndex
from service.catalog import Catalog

Result = TypeVar("Result", bound=BaseModel)


class ResultCache(Generic[Result]):
    """A thread-safe LRU of results; callers get copies they may change (parsed again from
    the kept JSON: four times cheaper than pydantic's deep copy of a match list)."""

    def __init__(self, catalog: Catalog, index: SearchIndex, size: int) -> None:
        self.catalog = catalog
        self.index = index
        self.size = size
        self._entries: OrderedDict[tuple[Hashable, ...], tuple[type[Result], str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self,
        key: tuple[Hashable, ...],
        compute: Callable[[], Result],
        stamp: tuple[Hashable, ...] | None = None,
    ) -> Result:
        """The cached result for ``key`` in the current catalog and index (``stamp``, when the
        caller has read it already), else ``compute()``."""
        full = (*key, *(stamp if stamp is not None else market_stamp(self.catalog, self.index)))
        with self._lock:
            hit = self._entries.get(full)
            if hit is not None:
                self._entries.move_to_end(full)
        if hit is not None:
            kind, body = hit
            return kind.model_validate_json(body)
        result = compute()
        with self._lock:
            self._entries[full] = (type(result), result.model_dump_json())
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return result


def market_stamp(catalog: Catalog, index: SearchIndex) -> tuple[Hashable, ...]:
    """What derived results depend on: the catalog's version and the index generation."""
    return (*catalog.version(), index_generation(index))


def index_generation(index: SearchIndex) -> str:
    try:
        return str(index.manifest().generation)
    except IndexError_:
        return ""  # no usable index: the result itself says so
