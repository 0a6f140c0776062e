"""The Elasticsearch backend: BM25 over the indexer's tokens, HNSW kNN, alias-swapped rebuilds.

Layout for ``prefix`` P: one alias per kind, ``P-achievement`` and ``P-need``, each pointing at
one concrete index ``P-{kind}-v{timestamp}``. The manifest is kept in the ``_meta`` of both
concrete indices, so swapping the aliases swaps index and manifest together. Text fields use
the ``whitespace`` analyzer over the space-joined jieba tokens (analysis stays in Python, so
both backends rank alike); one shard, so BM25 statistics are global as in the embedded index.
Constructing the backend makes no network call; the client is created on first use.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from elasticsearch import ConnectionError as EsConnectionError
from elasticsearch import ConnectionTimeout, Elasticsearch, NotFoundError, helpers

from indexer.backends import es_filters as bodies
from indexer.base import (
    KINDS,
    BackendUnavailableError,
    Filters,
    Hit,
    IndexedDoc,
    IndexError_,
    IndexMissingError,
    Manifest,
)

log = logging.getLogger(__name__)

MISSING = "no search index yet: run `techmatch index` to build it"
MANIFEST_KEY = "techmatch_manifest"


class IndexWriteError(IndexError_):
    """Elasticsearch rejected documents of an upsert or delete."""


class RebuildFailedError(IndexError_):
    """A rebuild loaded incompletely; the new indices were dropped and the old ones serve."""


def _summarise(failures: list[dict[str, Any]], limit: int = 5) -> str:
    parts = []
    for item in failures[:limit]:
        info = next(iter(item.values())) if item else {}
        error = info.get("error", info.get("status", "?"))
        reason = error.get("reason", error.get("type")) if isinstance(error, dict) else error
        parts.append(f"{info.get('_id', '?')}: {reason}")
    more = f"; and {len(failures) - limit} more" if len(failures) > limit else ""
    return f"{len(failures)} document(s) rejected ({'; '.join(parts)}{more})"


class ElasticsearchIndex:
    """SearchIndex over Elasticsearch 8; safe to share between threads (the client is)."""

    backend = "elasticsearch"

    def __init__(
        self,
        url: str,
        prefix: str,
        timeout: float,
        retries: int,
        client: Elasticsearch | None = None,
        *,
        replicas: int = 1,
        chunk_size: int = 500,
    ) -> None:
        self.url, self.prefix, self.timeout, self.retries = url, prefix, timeout, retries
        self.replicas, self.chunk_size = replicas, chunk_size
        self._client, self._owns_client = client, client is None
        self._lock = threading.Lock()

    # ---- plumbing ------------------------------------------------------------------------
    def _es(self) -> Elasticsearch:
        with self._lock:
            if self._client is None:
                self._client = Elasticsearch(
                    self.url,
                    request_timeout=self.timeout,
                    max_retries=self.retries,
                    retry_on_timeout=self.retries > 0,
                )
            return self._client

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except (EsConnectionError, ConnectionTimeout) as exc:
            raise BackendUnavailableError(
                f"Elasticsearch at {self.url} is not reachable: {exc.message}"
            ) from exc
        except NotFoundError as exc:
            if exc.error == "index_not_found_exception":
                raise IndexMissingError(MISSING) from exc
            raise

    def alias(self, kind: str) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        return f"{self.prefix}-{kind}"

    def _aliases(self) -> str:
        return ",".join(self.alias(k) for k in KINDS)

    def _current_indices(self) -> list[tuple[str, str]]:
        """(alias, concrete index) pairs serving now; none before the first build."""
        pairs: list[tuple[str, str]] = []
        for alias in map(self.alias, KINDS):
            resp = self._es().options(ignore_status=404).indices.get_alias(name=alias)
            if resp.meta.status == 200:
                pairs.extend((alias, name) for name in resp.body)
        return pairs

    def close(self) -> None:
        with self._lock:
            if self._client is not None and self._owns_client:
                self._client.close()
                self._client = None

    # ---- manifest ------------------------------------------------------------------------
    def exists(self) -> bool:
        with self._guard():
            return all(bool(self._es().indices.exists_alias(name=self.alias(k))) for k in KINDS)

    def manifest(self) -> Manifest:
        with self._guard():
            resp = self._es().indices.get_mapping(index=self.alias("achievement"))
        for body in resp.body.values():
            data = body.get("mappings", {}).get("_meta", {}).get(MANIFEST_KEY)
            if data:
                return Manifest.from_dict(data)
        raise IndexMissingError("the search index has no manifest: run `techmatch index --rebuild`")

    def set_manifest(self, manifest: Manifest) -> None:
        with self._guard():
            self._es().indices.put_mapping(
                index=self._aliases(), meta={MANIFEST_KEY: manifest.to_dict()}
            )

    # ---- writes --------------------------------------------------------------------------
    def _bulk(self, operations: list[dict[str, Any]]) -> None:
        if not operations:
            return
        with self._guard():
            resp = self._es().bulk(operations=operations, refresh="wait_for", require_alias=True)
        if not resp.body.get("errors"):
            return
        failed = [item for item in resp.body["items"] if "error" in next(iter(item.values()))]
        types = {next(iter(i.values()))["error"].get("type") for i in failed}
        if "index_not_found_exception" in types:
            raise IndexMissingError(MISSING)
        raise IndexWriteError("Elasticsearch " + _summarise(failed))

    def upsert(self, docs: Sequence[IndexedDoc]) -> None:
        operations: list[dict[str, Any]] = []
        for doc in docs:
            operations += [
                {"index": {"_index": self.alias(doc.kind), "_id": doc.id}},
                bodies.to_source(doc),
            ]
        self._bulk(operations)

    def delete(self, kind: str, ids: Sequence[str]) -> None:
        self._bulk([{"delete": {"_index": self.alias(kind), "_id": i}} for i in ids])

    def rebuild(self, batches: Iterable[Sequence[IndexedDoc]], manifest: Manifest) -> None:
        """Load new versioned indices, check them, then swap both aliases in one request."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
        new = {kind: f"{self.alias(kind)}-v{stamp}" for kind in KINDS}
        targets = ",".join(new.values())
        with self._guard():
            es = self._es()
            old = self._current_indices()
            try:
                for name in new.values():
                    es.indices.create(
                        index=name,
                        settings=bodies.index_settings(),
                        mappings=bodies.index_mappings(manifest.dimension),
                    )
                sent: dict[str, set[str]] = {kind: set() for kind in KINDS}

                def actions() -> Iterator[dict[str, Any]]:
                    for batch in batches:
                        for doc in batch:
                            sent[doc.kind].add(doc.id)
                            yield {
                                "_index": new[doc.kind],
                                "_id": doc.id,
                                "_source": bodies.to_source(doc),
                            }

                failures = [
                    info
                    for ok, info in helpers.streaming_bulk(
                        es, actions(), chunk_size=self.chunk_size, raise_on_error=False
                    )
                    if not ok
                ]
                if failures:
                    raise RebuildFailedError(
                        "rebuild refused, the old index keeps serving: Elasticsearch "
                        + _summarise(failures)
                    )
                es.indices.refresh(index=targets)
                counts = {k: int(es.count(index=new[k]).body["count"]) for k in KINDS}
                expected = {k: len(ids) for k, ids in sent.items()}
                if counts != expected:
                    raise RebuildFailedError(
                        f"rebuild refused, the old index keeps serving: sent {expected},"
                        f" Elasticsearch holds {counts}"
                    )
                es.indices.put_settings(
                    index=targets, settings=bodies.serving_settings(self.replicas)
                )
                manifest.generation, manifest.counts = f"v{stamp}", counts
                es.indices.put_mapping(index=targets, meta={MANIFEST_KEY: manifest.to_dict()})
                es.indices.refresh(index=targets)
                adds = [(self.alias(kind), name) for kind, name in new.items()]
                es.indices.update_aliases(actions=bodies.alias_swap(old, adds))
            except BaseException:
                try:
                    es.indices.delete(index=targets, ignore_unavailable=True)
                except Exception:
                    log.exception("could not delete the unfinished indices %s", targets)
                raise
            if old:
                es.indices.delete(index=",".join(i for _, i in old), ignore_unavailable=True)

    # ---- reads ---------------------------------------------------------------------------
    def _search(self, kind: str, **body: Any) -> list[dict[str, Any]]:
        with self._guard():
            resp = self._es().search(index=self.alias(kind), source=False, **body)
        return list(resp.body["hits"]["hits"])

    def lexical(self, kind: str, tokens: Sequence[str], filters: Filters, limit: int) -> list[Hit]:
        self.alias(kind)
        if not tokens:
            return []
        hits = self._search(kind, query=bodies.lexical_query(tokens, filters), size=limit)
        return [Hit(h["_id"], float(h["_score"])) for h in hits]

    def vector(self, kind: str, vector: np.ndarray, filters: Filters, limit: int) -> list[Hit]:
        hits = self._search(kind, knn=bodies.knn_request(vector, filters, limit), size=limit)
        # ES scores cosine as (1 + cos) / 2; report the cosine itself, as the embedded mode does
        return [Hit(h["_id"], 2.0 * float(h["_score"]) - 1.0) for h in hits]

    def browse(self, kind: str, filters: Filters, limit: int) -> list[str]:
        sort = [{"indexed_at": "desc"}, {"id": "desc"}]
        return [
            h["_id"]
            for h in self._search(kind, query=bodies.es_query(filters), sort=sort, size=limit)
        ]

    def count(self, kind: str, filters: Filters | None = None) -> int:
        with self._guard():
            resp = self._es().count(index=self.alias(kind), query=bodies.es_query(filters))
        return int(resp.body["count"])

    def _scan(self, kind: str, query: dict[str, Any], source: list[str] | bool) -> Iterator[Any]:
        with self._guard():
            body = {"query": query, "_source": source}
            yield from helpers.scan(self._es(), index=self.alias(kind), query=body, size=1000)

    def content_hashes(self, kind: str) -> dict[str, str]:
        hits = self._scan(kind, {"match_all": {}}, ["content_hash"])
        return {h["_id"]: h["_source"].get("content_hash", "") for h in hits}

    def has_vector(self, kind: str) -> set[str]:
        return {h["_id"] for h in self._scan(kind, {"exists": {"field": "vector"}}, False)}

    def doc_freq(self, kind: str, terms: Sequence[str]) -> dict[str, int]:
        """Documents holding each term in title or body: one count-only search per term."""
        unique = list(dict.fromkeys(terms))
        if not unique:
            return {}
        searches: list[dict[str, Any]] = []
        for term in unique:
            either = [{"term": {"title": term}}, {"term": {"body": term}}]
            query = {"bool": {"should": either}}
            searches += [{}, {"size": 0, "track_total_hits": True, "query": query}]
        with self._guard():
            resp = self._es().msearch(index=self.alias(kind), searches=searches)
        freq: dict[str, int] = {}
        for term, result in zip(unique, resp.body["responses"], strict=True):
            if "error" in result:
                raise IndexError_(f"Elasticsearch doc_freq failed: {result['error']}")
            if total := int(result["hits"]["total"]["value"]):
                freq[term] = total
        return freq
