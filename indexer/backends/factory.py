"""Pick the search index backend named by configuration."""

from __future__ import annotations

from pathlib import Path

from indexer.backends.embedded import ANN_THRESHOLD, EmbeddedIndex
from indexer.base import SearchIndex

BACKENDS = ("embedded", "elasticsearch")


def create_index(
    backend: str,
    *,
    root: Path,
    ann_threshold: int = ANN_THRESHOLD,
    es_url: str = "http://127.0.0.1:9200",
    es_prefix: str = "techmatch",
    es_timeout: float = 10.0,
    es_retries: int = 2,
    es_replicas: int = 1,
    es_ca_certs: str | None = None,
    es_api_key: str | None = None,
    es_username: str | None = None,
    es_password: str | None = None,
) -> SearchIndex:
    """The index for ``backend``; constructing one opens no file and makes no connection.

    ``ann_threshold``: vectors of a kind from which the embedded backend searches them through
    an HNSW graph instead of scanning them all.

    Elasticsearch credentials: an API key, or else a username and password (basic auth);
    ``es_ca_certs`` is the CA bundle that signed the server's certificate (e.g. the
    ``http_ca.crt`` Elasticsearch generates), used instead of the system's.
    """
    if backend == "embedded":
        return EmbeddedIndex(root, ann_threshold)
    if backend == "elasticsearch":
        from indexer.backends.elasticsearch import ElasticsearchIndex

        return ElasticsearchIndex(
            es_url,
            es_prefix,
            es_timeout,
            es_retries,
            replicas=es_replicas,
            ca_certs=es_ca_certs,
            api_key=es_api_key,
            username=es_username,
            password=es_password,
        )
    raise ValueError(f"unknown search backend {backend!r} (known: {', '.join(BACKENDS)})")
