"""Keeping the search index in step with the catalog: full rebuilds, incremental syncs, and
single writes applied as they happen.

``IndexSync`` receives the index, a source of listings (the catalog, through the small
``ListingSource`` protocol), the analyzer and the encoder. It knows nothing of the service.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from indexer.analysis import Analyzer
from indexer.base import (
    KINDS,
    BackendUnavailableError,
    IndexedDoc,
    IndexMismatchError,
    IndexMissingError,
    Manifest,
    Progress,
    SearchIndex,
    SyncReport,
    WriteFailure,
)
from indexer.documents import IndexableListing, content_hash, full_text, to_document
from indexer.embedding import SemanticEncoder
from indexer.vector_queue import VectorQueue

BATCH = 256
# An incremental sync looks at the listings written (``updated_at``) since the last sync began,
# less this margin: for a transaction that set ``updated_at`` before the last sync began but
# committed after it, and for the clocks of several hosts writing one catalog. A write left out
# all the same is caught by the next full pass (`techmatch index --rebuild`, or any sync once
# the index misses a listing).
SINCE_MARGIN = dt.timedelta(minutes=2)
KIND_LABELS = {"achievement": "科技成果", "need": "技术需求"}
PENDING = "+vectors-pending"  # marks the content hash of a row whose vectors are queued

log = logging.getLogger(__name__)


class ListingSource(Protocol):
    """Where the listings come from (the catalog)."""

    def iter_published(self, kind: str) -> Iterator[IndexableListing]: ...

    def count_published(self, kind: str) -> int: ...

    def published_ids(self, kind: str) -> set[str]: ...

    def iter_published_since(self, kind: str, since: dt.datetime) -> Iterator[IndexableListing]:
        """Published listings written at or after ``since``."""


def vectors_usable(index: SearchIndex, encoder: SemanticEncoder) -> bool:
    """Dense search needs a loaded model and an index that holds its vectors."""
    if not encoder.available:
        return False
    try:
        manifest = index.manifest()
    except (IndexMissingError, BackendUnavailableError):
        return False
    return manifest.vectors and manifest.dimension == encoder.dimension


def _chunks(items: Iterator[IndexableListing], size: int) -> Iterator[list[IndexableListing]]:
    chunk: list[IndexableListing] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class IndexSync:
    """Rebuild, sync and write-through for one index."""

    def __init__(
        self,
        index: SearchIndex,
        source: ListingSource,
        analyzer: Analyzer,
        encoder: SemanticEncoder,
    ) -> None:
        self.index = index
        self.source = source
        self.analyzer = analyzer
        self.encoder = encoder
        self.last_failure: WriteFailure | None = None
        self._lock = threading.Lock()
        self.vectors = VectorQueue(self._embed_later)  # bulk writes' vectors, in the background

    # ---- state -------------------------------------------------------------------------
    @property
    def model_name(self) -> str:
        return self.encoder.model_name

    def problem(self) -> str | None:
        """None when the index is present and matches the settings, else what is wrong."""
        try:
            self.index.manifest().check(model=self.model_name, analyzer=self.analyzer.version)
        except (IndexMissingError, IndexMismatchError, BackendUnavailableError) as exc:
            return str(exc)
        return None

    def vectors_usable(self) -> bool:
        return vectors_usable(self.index, self.encoder)

    def total_published(self) -> int:
        return sum(self.source.count_published(kind) for kind in KINDS)

    # ---- documents ---------------------------------------------------------------------
    def documents(
        self, kind: str, listings: Sequence[IndexableListing], with_vectors: bool
    ) -> list[IndexedDoc]:
        docs = [to_document(kind, item, self.analyzer, self.model_name) for item in listings]
        if with_vectors:
            texts = [full_text(item) for item in listings]
            vectors = self.encoder.encode(texts)
            if vectors is not None:
                for doc, vector in zip(docs, vectors, strict=True):
                    doc.vector = vector
                # the query role too (asymmetric models), so matching a listing never embeds
                # on the request path; a symmetric model's query vector is the passage's
                self.encoder.encode(texts, query=True)
                if self.index.stores_passages:
                    self._embed_passages(docs)
        return docs

    def _embed_passages(self, docs: Sequence[IndexedDoc]) -> None:
        flat = [text for doc in docs for text in doc.passages]
        vectors = self.encoder.encode(flat)
        if vectors is None:
            return
        start = 0
        for doc in docs:
            doc.passage_vectors = vectors[start : start + len(doc.passages)]
            start += len(doc.passages)

    # ---- single writes -----------------------------------------------------------------
    def apply(self, kind: str, listing: IndexableListing) -> None:
        """Make a just-written listing searchable (or unsearchable) at once.

        Raises what the index raises; ``apply_after_commit`` is the policy for callers whose
        catalog write has already landed.
        """
        problem = self.problem()
        if problem is not None:
            raise IndexMissingError(problem)
        if not listing.is_published:
            self.index.delete(kind, [listing.id])
            return
        self.index.upsert(self.documents(kind, [listing], self.vectors_usable()))

    def apply_many_after_commit(self, kind: str, listings: Sequence[IndexableListing]) -> bool:
        """A bulk write (an import): its rows searchable at once by their words, their vectors
        following through ``vectors`` (a background queue). The policy after a committed
        write is ``apply_after_commit``'s; a single listing goes through it directly."""
        if len(listings) <= 1 or not self.vectors_usable():
            return self.apply_after_commit(kind, listings)
        try:
            problem = self.problem()
            if problem is not None:
                raise IndexMissingError(problem)
            published = [item for item in listings if item.is_published]
            gone = [item.id for item in listings if not item.is_published]
            if gone:
                self.index.delete(kind, gone)
            docs = [to_document(kind, item, self.analyzer, self.model_name + PENDING)
                    for item in published]  # fmt: skip
            if docs:
                self.index.upsert(docs)
        except Exception as exc:  # the catalog holds the truth; the index catches up later
            failed = listings[0].id
            log.warning("index not updated for %s %s: %s", kind, failed, exc)
            self.last_failure = WriteFailure(kind, failed, str(exc), time.time())
            return False
        self.vectors.add(kind, published)
        return True

    def _embed_later(self, kind: str, listings: Sequence[IndexableListing]) -> None:
        """The queue's work: vectors for listings still as the bulk write left them (a listing
        edited or rebuilt since already has its own)."""
        with self._lock:
            indexed = self.index.content_hashes(kind)
            waiting = [
                item for item in listings
                if indexed.get(item.id)
                == content_hash(item, self.analyzer.version, self.model_name + PENDING)
            ]  # fmt: skip
            if waiting:
                self.index.upsert(self.documents(kind, waiting, with_vectors=True))

    def apply_after_commit(self, kind: str, listings: Sequence[IndexableListing]) -> bool:
        """The policy after a committed catalog write: the write stands whatever happens here.

        A failure is logged and kept in ``last_failure`` (``/api/health`` shows it); the next
        ``techmatch index`` (or start-up reconciliation) repairs the index. True when indexed.
        """
        try:
            for listing in listings:
                self.apply(kind, listing)
        except Exception as exc:  # the catalog holds the truth; the index catches up later
            failed = listings[0].id if listings else "-"
            log.warning("index not updated for %s %s: %s", kind, failed, exc)
            self.last_failure = WriteFailure(kind, failed, str(exc), time.time())
            return False
        return True

    # ---- whole-catalog work ------------------------------------------------------------
    def rebuild(self, progress: Progress | None = None, reason: str = "") -> SyncReport:
        """Build a whole new index from the catalog; the old one serves until this one is done."""
        with self._lock:
            return self._rebuild(progress, reason)

    def _rebuild(self, progress: Progress | None, reason: str) -> SyncReport:
        started = time.perf_counter()
        with_vectors = self.encoder.available
        encoded_before = self.encoder.encoded
        report = SyncReport(mode="rebuild", reason=reason, vectors=with_vectors)
        loaded: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}

        def batches() -> Iterator[list[IndexedDoc]]:
            for kind in KINDS:
                for chunk in _chunks(self.source.iter_published(kind), BATCH):
                    docs = self.documents(kind, chunk, with_vectors)
                    loaded[kind].update((doc.id, doc.content_hash) for doc in docs)
                    report.added += len(docs)
                    if progress:
                        progress(f"索引{KIND_LABELS[kind]}", len(docs))
                    yield docs
            # Writes committed while the catalog was being read: into the new generation too,
            # before it is switched to.
            for kind in KINDS:
                for chunk in _chunks(self._changed_since(kind, loaded[kind]), BATCH):
                    docs = self.documents(kind, chunk, with_vectors)
                    report.updated += len(docs)
                    yield docs

        begun = _now()  # before reading: writes from here on are read by the next sync
        manifest = Manifest(
            backend=self.index.backend,
            generation="",
            model=self.model_name,
            dimension=self.encoder.dimension,
            analyzer=self.analyzer.version,
            vectors=with_vectors,
            passages=with_vectors and self.index.stores_passages,
            synced_through=begun.isoformat(),
        )
        self.index.rebuild(batches(), manifest)
        # Writes that landed in the old generation between that pass and the switch, and
        # withdrawals made during the rebuild: caught up on the serving index.
        after = self._incremental(self.index.manifest(), None)
        report.updated += after.added + after.updated
        report.removed += after.removed
        self.last_failure = None
        report.embedded = self.encoder.encoded - encoded_before
        report.counts = after.counts
        report.seconds = time.perf_counter() - started
        return report

    def _changed_since(self, kind: str, loaded: dict[str, str]) -> Iterator[IndexableListing]:
        """Published listings whose content differs from what was loaded (or was not loaded)."""
        for listing in self.source.iter_published(kind):
            current = content_hash(listing, self.analyzer.version, self.model_name)
            if loaded.get(listing.id) != current:
                loaded[listing.id] = current
                yield listing

    def sync(self, progress: Progress | None = None, force: bool = False) -> SyncReport:
        """Update only what changed; falls back to a rebuild when the index is missing or stale."""
        if force:
            return self.rebuild(progress, reason="--rebuild asked for")
        try:
            manifest = self.index.manifest()
            manifest.check(model=self.model_name, analyzer=self.analyzer.version)
        except (IndexMissingError, IndexMismatchError) as exc:
            return self.rebuild(progress, reason=str(exc))
        if self.encoder.available and not manifest.vectors:
            return self.rebuild(progress, reason="the embedding model is available now")
        if self.encoder.available and self.index.stores_passages and not manifest.passages:
            return self.rebuild(progress, reason="the index has no passage vectors yet")
        with self._lock:
            return self._incremental(manifest, progress)

    def _incremental(self, manifest: Manifest, progress: Progress | None) -> SyncReport:
        """Index what changed. Only the listings written since the last sync are read (and
        hashed) when the index holds every published listing; otherwise all of them."""
        started = time.perf_counter()
        with_vectors = manifest.vectors and self.encoder.available
        encoded_before = self.encoder.encoded
        report = SyncReport(mode="incremental", vectors=manifest.vectors)
        begun = _now()  # before reading: writes from here on are read by the next sync
        since = _since(manifest.synced_through)
        for kind in KINDS:
            indexed = self.index.content_hashes(kind)
            published = self.source.published_ids(kind)
            gone = indexed.keys() - published
            complete = since is not None and published <= indexed.keys()
            listings: Iterable[IndexableListing] = (
                self.source.iter_published_since(kind, since)
                if since is not None and complete
                else self.source.iter_published(kind)
            )
            stale: list[IndexableListing] = []
            checked = 0
            for listing in listings:
                checked += 1
                seen = indexed.get(listing.id)
                if seen != content_hash(listing, self.analyzer.version, self.model_name):
                    stale.append(listing)
                    report.added += seen is None
                    report.updated += seen is not None
                if progress:
                    progress(f"核对{KIND_LABELS[kind]}", 1)
            if progress and len(published) > checked:  # not written since: known unchanged
                progress(f"核对{KIND_LABELS[kind]}", len(published) - checked)
            report.unchanged += len(published) - len(stale)
            for chunk in _chunks(iter(stale), BATCH):
                self.index.upsert(self.documents(kind, chunk, with_vectors))
            if gone:
                self.index.delete(kind, sorted(gone))
                report.removed += len(gone)
        manifest.counts = {kind: self.index.count(kind) for kind in KINDS}
        manifest.synced_through = begun.isoformat()
        self.index.set_manifest(manifest)
        self.last_failure = None
        report.counts = manifest.counts
        report.embedded = self.encoder.encoded - encoded_before
        report.seconds = time.perf_counter() - started
        return report


def _now() -> dt.datetime:
    """The time as the catalog writes ``updated_at``: UTC, without a zone."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _since(synced_through: str) -> dt.datetime | None:
    """Where an incremental sync starts reading, None for a full pass."""
    if not synced_through:
        return None
    return dt.datetime.fromisoformat(synced_through) - SINCE_MARGIN
