"""Bring the search index up to date with the catalog: a full rebuild or an incremental sync."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from indexer.base import IndexedDoc, IndexMismatchError, IndexMissingError, Manifest
from service.documents import content_hash, full_text, to_document
from service.engine import Engine
from service.schemas import Kind

BATCH = 256
Progress = Callable[[str, int], None]  # (phase description, items just done)


@dataclass
class SyncReport:
    mode: str  # "rebuild" or "incremental"
    reason: str = ""
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: int = 0
    vectors: bool = False
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def _documents(
    engine: Engine, kind: Kind, listings: Sequence[Any], with_vectors: bool
) -> list[IndexedDoc]:
    docs = [to_document(kind, item, engine.analyzer, engine.model_name) for item in listings]
    if with_vectors and engine.encoder is not None:
        texts = [engine.embed_text(full_text(kind, item)) for item in listings]
        for doc, vector in zip(docs, engine.encoder.encode(texts), strict=True):
            doc.vector = vector
    return docs


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def total_published(engine: Engine) -> int:
    return sum(engine.catalog.count(kind) for kind in Kind)


def rebuild(engine: Engine, progress: Progress | None = None, reason: str = "") -> SyncReport:
    """Build a whole new index from the catalog; the old one serves until this one is done."""
    started = time.perf_counter()
    with_vectors = engine.semantic.available
    encoded_before = engine.encoder.encoded if engine.encoder else 0
    report = SyncReport(mode="rebuild", reason=reason, vectors=with_vectors)

    def batches() -> Iterator[list[IndexedDoc]]:
        for kind in Kind:
            listings = engine.catalog.iter_all(kind, published_only=True)
            for chunk in _chunks(listings, BATCH):
                docs = _documents(engine, kind, chunk, with_vectors)
                report.added += len(docs)
                if progress:
                    progress(f"indexing {kind.label}", len(docs))
                yield docs

    manifest = Manifest(
        backend=engine.index.backend,
        generation="",
        model=engine.model_name,
        dimension=engine.semantic.dimension,
        analyzer=engine.analyzer.version,
        vectors=with_vectors,
    )
    engine.index.rebuild(batches(), manifest)
    report.embedded = (engine.encoder.encoded if engine.encoder else 0) - encoded_before
    report.counts = engine.index.manifest().counts
    report.seconds = time.perf_counter() - started
    return report


def sync(engine: Engine, progress: Progress | None = None, force: bool = False) -> SyncReport:
    """Update only what changed; falls back to a rebuild when the index is missing or stale."""
    if force:
        return rebuild(engine, progress, reason="--rebuild asked for")
    try:
        manifest = engine.index.manifest()
        manifest.check(model=engine.model_name, analyzer=engine.analyzer.version)
    except (IndexMissingError, IndexMismatchError) as exc:
        return rebuild(engine, progress, reason=str(exc))
    if engine.semantic.available and not manifest.vectors:
        return rebuild(engine, progress, reason="the embedding model is available now")

    started = time.perf_counter()
    with_vectors = manifest.vectors and engine.encoder is not None
    encoded_before = engine.encoder.encoded if engine.encoder else 0
    report = SyncReport(mode="incremental", vectors=manifest.vectors)
    for kind in Kind:
        indexed = engine.index.content_hashes(kind.value)
        stale: list[Any] = []
        for listing in engine.catalog.iter_all(kind, published_only=True):
            seen = indexed.pop(listing.id, None)
            current = content_hash(kind, listing, engine.analyzer.version, engine.model_name)
            if seen == current:
                report.unchanged += 1
            else:
                stale.append(listing)
                report.added += seen is None
                report.updated += seen is not None
            if progress:
                progress(f"checking {kind.label}", 1)
        for chunk in _chunks(iter(stale), BATCH):
            engine.index.upsert(_documents(engine, kind, chunk, with_vectors))
        if indexed:
            engine.index.delete(kind.value, list(indexed))
            report.removed += len(indexed)
    manifest.counts = {kind.value: engine.index.count(kind.value) for kind in Kind}
    engine.index.set_manifest(manifest)
    report.counts = manifest.counts
    report.embedded = (engine.encoder.encoded if engine.encoder else 0) - encoded_before
    report.seconds = time.perf_counter() - started
    return report
