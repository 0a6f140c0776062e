"""The contract every search index backend fulfils, and the value objects it exchanges.

Exceptions::

    IndexError_ (base)
    ├── IndexMissingError      no index has been built yet
    ├── IndexMismatchError     the index was built with other settings (model, analyzer)
    └── BackendUnavailableError the backend cannot be reached (Elasticsearch down)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any, Protocol

import numpy as np

KINDS = ("achievement", "need")
Progress = Callable[[str, int], None]  # reports (phase description, items just done)


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
    passages: list[str] = dc_field(default_factory=list)  # title and sentences (documents.py)
    passage_vectors: np.ndarray | None = None  # one row per passage, when embedded


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


@dataclass(frozen=True)
class PassageHit:
    """A document's passage closest to a query vector."""

    text: str
    score: float  # cosine similarity


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
    passages: bool = False  # passage vectors stored beside the listings' vectors
    created_at: str = dc_field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())
    # when the last sync began (UTC, ISO): the catalog's writes before it are indexed
    synced_through: str = ""

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
    """The contract of a search index backend (``tests/index_contract.py`` checks every point).

    ``kind`` is ``"achievement"`` or ``"need"``; each kind is a separate collection. Ids are
    the catalog's. Constructing a backend opens no file and makes no connection; a backend that
    cannot be reached raises ``BackendUnavailableError`` from any call.
    """

    backend: str  # "embedded" or "elasticsearch", recorded in the manifest
    stores_passages: bool  # whether ``vector`` and ``best_passages`` use passage vectors

    def exists(self) -> bool:
        """True when a complete index has been built (a manifest is present)."""

    def manifest(self) -> Manifest:
        """What the serving index was built with; ``IndexMissingError`` before the first build."""

    def upsert(self, docs: Sequence[IndexedDoc]) -> None:
        """Insert or replace documents by (kind, id); visible to the next search on return."""

    def delete(self, kind: str, ids: Sequence[str]) -> None:
        """Remove documents; unknown ids are ignored."""

    def lexical(self, kind: str, tokens: Sequence[str], filters: Filters, limit: int) -> list[Hit]:
        """BM25 over title and body tokens: at most ``limit`` hits, best first, ties by id.

        A token repeated in ``tokens`` weighs more. Scores are positive and only comparable
        within one call. Tokens the index does not know are ignored; no known token, no hits.
        """

    def vector(
        self, kind: str, vector: np.ndarray, filters: Filters, limit: int, passages: bool = True
    ) -> list[Hit]:
        """Nearest documents by cosine similarity (score in [-1, 1], best first, ties by id);
        documents without a vector are never returned. A backend that ``stores_passages``
        scores a document with passage vectors by the mean of its own cosine and its best
        passage's (measured better on the development set than either alone), unless
        ``passages`` is false (the ablation's whole-listing row)."""

    def best_passages(
        self, kind: str, vector: np.ndarray, ids: Sequence[str]
    ) -> dict[str, PassageHit]:
        """Each listed document's passage closest to ``vector`` (documents without passage
        vectors, or a backend that does not store them, are left out)."""

    def browse(self, kind: str, filters: Filters, limit: int) -> list[str]:
        """Ids passing the filters in a stable order (newest indexed first), for empty queries."""

    def count(self, kind: str, filters: Filters | None = None) -> int:
        """Documents of the kind (passing the filters when given)."""

    def content_hashes(self, kind: str) -> dict[str, str]:
        """id -> content hash of every document, for incremental sync."""

    def has_vector(self, kind: str) -> set[str]:
        """Ids of the documents that carry a vector."""

    def doc_freq(self, kind: str, terms: Sequence[str]) -> dict[str, int]:
        """Documents containing each term (in title or body); unknown terms count 0."""

    def rebuild(self, batches: Iterable[Sequence[IndexedDoc]], manifest: Manifest) -> None:
        """Build a new generation from ``batches`` and switch to it atomically when complete.

        Until the switch, the previous index keeps serving; a failure leaves it serving.
        """

    def set_manifest(self, manifest: Manifest) -> None:
        """Replace the manifest of the serving index (after an incremental sync)."""

    def close(self) -> None:
        """Release files and connections; the object is not used afterwards."""


@dataclass
class SyncReport:
    """What a rebuild or an incremental sync did."""

    mode: str  # "rebuild" or "incremental"
    reason: str = ""
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: int = 0
    vectors: bool = False
    seconds: float = 0.0
    counts: dict[str, int] = dc_field(default_factory=dict)


@dataclass
class WriteFailure:
    """The last single write the index could not take (the catalog kept it)."""

    kind: str
    listing_id: str
    error: str
    at: float
