"""Pick the search index backend named by configuration."""

from __future__ import annotations

from pathlib import Path

from indexer.base import SearchIndex
from indexer.embedded import EmbeddedIndex


def create_index(backend: str, *, root: Path) -> SearchIndex:
    """The index for ``backend``; constructing one opens no file and makes no connection."""
    if backend == "embedded":
        return EmbeddedIndex(root)
    raise ValueError(f"unknown search backend {backend!r} (known: embedded)")
