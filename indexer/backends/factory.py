"""Pick the search index backend named by configuration."""

from __future__ import annotations

from pathlib import Path

from indexer.backends.embedded import EmbeddedIndex
from indexer.base import SearchIndex

BACKENDS = ("embedded", "elasticsearch")


def create_index(
    backend: str,
    *,
    root: Path,
    es_url: str = "http://127.0.0.1:9200",
    es_prefix: str = "techmatch",
    es_timeout: float = 10.0,
    es_retries: int = 2,
    es_replicas: int = 1,
) -> SearchIndex:
    """The index for ``backend``; constructing one opens no file and makes no connection."""
    if backend == "embedded":
        return EmbeddedIndex(root)
    if backend == "elasticsearch":
        from indexer.backends.elasticsearch import ElasticsearchIndex

        return ElasticsearchIndex(es_url, es_prefix, es_timeout, es_retries, replicas=es_replicas)
    raise ValueError(f"unknown search backend {backend!r} (known: {', '.join(BACKENDS)})")
