"""The contract every search index backend fulfils, and the value objects it exchanges.

Exceptions::

    IndexError_ (base)
    ├── IndexMissingError      no index has been built yet
    ├── IndexMismatchError     the index was built with other settings (model, analyzer)
    └── BackendUnavailableError the backend cannot be reached (Elasticsearch down)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any, Protocol

import numpy as np

KINDS = ("achievement", "need")


class IndexError_(RuntimeError):
    """Base of the index errors."""


class IndexMissingError(IndexError_):
    pass


class IndexMismatchError(IndexError_):
    pass


class BackendUnavailableError(IndexError_):
    pass


@dataclass
class IndexedDoc:
    """A listing as the index sees it: tokens, filterable attributes and an optional vector."""

    kind: str
    id: str
    title_tokens: list[str]
    body_tokens: list[str]
    field: str
    field_top: str
    maturity: str | None = None
    modes: list[str] = dc_field(default_factory=list)
    region: str | None = None
    money: float | None = None
    content_hash: str = ""
    vector: np.ndarray | None = None


@dataclass(frozen=True)
class Filters:
    """Backend-neutral filters; every backend translates them in one place."""

    field: str | None = None  # a sub-field code, or a top-level code matching its sub-fields
    maturity: str | None = None
    mode: str | None = None
    region: str | None = None
    money_min: float | None = None
    money_max: float | None = None
    exclude_ids: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return self == Filters()


@dataclass(frozen=True)
class Hit:
    id: str
    score: float


@dataclass
class Manifest:
    """What an index was built with; compared with the settings when the index is opened."""

    backend: str
    generation: str
    model: str
    dimension: int | None
    analyzer: str
    counts: dict[str, int] = dc_field(default_factory=dict)
    vectors: bool = False
    created_at: str = dc_field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def check(self, *, model: str, analyzer: str) -> None:
        """Raise IndexMismatchError when this index was built for other settings."""
        problems = []
        if self.model != model:
            problems.append(f"embedding model {self.model!r} (settings say {model!r})")
        if self.analyzer != analyzer:
            problems.append(f"analyzer {self.analyzer} (this code uses {analyzer})")
        if problems:
            raise IndexMismatchError(
                "the search index was built with "
                + " and ".join(problems)
                + "; run `techmatch index --rebuild` to rebuild it from the catalog"
            )


class SearchIndex(Protocol):
    """Upsert, delete, lexical and vector search with filters, counts, and a safe rebuild."""

    backend: str

    def exists(self) -> bool: ...

    def manifest(self) -> Manifest: ...

    def upsert(self, docs: Sequence[IndexedDoc]) -> None: ...

    def delete(self, kind: str, ids: Sequence[str]) -> None: ...

    def lexical(
        self, kind: str, tokens: Sequence[str], filters: Filters, limit: int
    ) -> list[Hit]: ...

    def vector(self, kind: str, vector: np.ndarray, filters: Filters, limit: int) -> list[Hit]: ...

    def browse(self, kind: str, filters: Filters, limit: int) -> list[str]: ...

    def count(self, kind: str, filters: Filters | None = None) -> int: ...

    def content_hashes(self, kind: str) -> dict[str, str]: ...

    def has_vector(self, kind: str) -> set[str]: ...

    def doc_freq(self, kind: str, terms: Sequence[str]) -> dict[str, int]: ...

    def rebuild(self, batches: Iterable[Sequence[IndexedDoc]], manifest: Manifest) -> None: ...

    def set_manifest(self, manifest: Manifest) -> None: ...

    def close(self) -> None: ...
