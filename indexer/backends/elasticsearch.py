"""The Elasticsearch backend: BM25F over the indexer's tokens, HNSW kNN, alias-swapped rebuilds.

Layout for ``prefix`` P: one alias per kind, ``P-achievement`` and ``P-need``, each pointing at
one concrete index ``P-{kind}-v{timestamp}``. The manifest is kept in the ``_meta`` of both
concrete indices, so swapping the aliases swaps index and manifest together. Text fields are
analysed by the ``techmatch`` analyzer (the indexer's jieba tokens split on the characters
FTS5's ``unicode61`` splits on) and queried with ``combined_fields`` over ``title^2`` and
``body``: one BM25 per document as in the embedded index; one shard, so statistics are global.
Rebuilds take a cluster-wide lock and swap aliases as ``es_admin`` describes; every failure is
translated by ``es_errors``. Constructing the backend makes no network call.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
from elasticsearch import ApiError, Elasticsearch, helpers

from indexer.backends import es_admin
from indexer.backends import es_filters as bodies
from indexer.backends.es_admin import RebuildFailedError, RebuildLock, RebuildLockedError
from indexer.backends.es_errors import MISSING, BackendRequestError, guard
from indexer.base import (
    KINDS,
    BackendUnavailableError,
    Filters,
    Hit,
    IndexedDoc,
    IndexError_,
    IndexMissingError,
    Manifest,
    PassageHit,
)

__all__ = [
    "BackendRequestError",
    "ElasticsearchIndex",
    "IndexWriteError",
    "RebuildFailedError",
    "RebuildLockedError",
]

log = logging.getLogger(__name__)

MANIFEST_KEY = "techmatch_manifest"
SCROLL = "2m"  # how long a scan's scroll context lives between pages
BULK_RETRIES = 5  # a rebuild's bulk chunk rejected with 429 is retried with backoff ...
BULK_BACKOFF = (2.0, 60.0)  # ... from 2 s, doubling, at most 60 s
OVERLOADED = {429, 503}


class IndexWriteError(IndexError_):
    """Elasticsearch rejected documents of an upsert or delete."""


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
    # One vector per listing: passage vectors would need nested dense vectors (or a second
    # index) and a nested kNN query; the embedded backend has them, this one ranks by the
    # whole listing's vector and shows no best passage.
    stores_passages = False

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
        ca_certs: str | None = None,
        api_key: str | None = None,
        username: str | None = None,
        password: str | None = None,
        lock_wait: float = 600.0,
    ) -> None:
        self.url, self.prefix, self.timeout, self.retries = url, prefix, timeout, retries
        self.replicas, self.chunk_size, self.lock_wait = replicas, chunk_size, lock_wait
        self.ca_certs, self.api_key = ca_certs or None, api_key or None
        self.username, self.password = username or None, password or None
        self._client, self._owns_client = client, client is None
        self._lock = threading.Lock()

    # ---- plumbing ------------------------------------------------------------------------
    def client_options(self) -> dict[str, Any]:
        """The keywords the client is created with (credentials and CA included)."""
        options: dict[str, Any] = {
            "request_timeout": self.timeout,
            "max_retries": self.retries,
            "retry_on_timeout": self.retries > 0,
        }
        if self.ca_certs:
            options["ca_certs"] = self.ca_certs
        if self.api_key:
            options["api_key"] = self.api_key
        elif self.username:
            options["basic_auth"] = (self.username, self.password or "")
        return options

    def _es(self) -> Elasticsearch:
        with self._lock:
            if self._client is None:
                self._client = Elasticsearch(self.url, **self.client_options())
            return self._client

    def _guard(self) -> AbstractContextManager[None]:
        return guard(self.url)

    def alias(self, kind: str) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        return f"{self.prefix}-{kind}"

    def _aliases(self) -> str:
        return ",".join(self.alias(k) for k in KINDS)

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
        if all(next(iter(i.values())).get("status") in OVERLOADED for i in failed):
            raise BackendUnavailableError(
                f"Elasticsearch at {self.url} is overloaded: " + _summarise(failed)
            )
        raise IndexWriteError("Elasticsearch " + _summarise(failed))

    def _first_indexed(self, kind: str, ids: list[str]) -> dict[str, int]:
        """id -> ``indexed_at`` of the documents already indexed (kept on re-indexing)."""
        with self._guard():
            resp = self._es().mget(index=self.alias(kind), ids=ids, source=["indexed_at"])
        return {
            d["_id"]: int(d["_source"]["indexed_at"])
            for d in resp.body["docs"]
            if d.get("found") and "indexed_at" in d.get("_source", {})
        }

    def upsert(self, docs: Sequence[IndexedDoc]) -> None:
        operations: list[dict[str, Any]] = []
        for kind in KINDS:
            mine = [d for d in docs if d.kind == kind]
            if not mine:
                continue
            kept = self._first_indexed(kind, [d.id for d in mine])
            now = time.time_ns()
            for position, doc in enumerate(mine):
                stamp = kept.get(doc.id) or now + position  # strictly increasing, as rowids
                operations += [
                    {"index": {"_index": self.alias(kind), "_id": doc.id}},
                    bodies.to_source(doc, stamp),
                ]
        self._bulk(operations)

    def delete(self, kind: str, ids: Sequence[str]) -> None:
        self._bulk([{"delete": {"_index": self.alias(kind), "_id": i}} for i in ids])

    def rebuild(self, batches: Iterable[Sequence[IndexedDoc]], manifest: Manifest) -> None:
        """Under the cluster lock: drop unserved generations, load new indices, check them,
        swap both aliases in one verified request; the previous generation stays until the
        next rebuild."""
        with self._guard():
            es = self._es()
            with RebuildLock(es, f"{self.prefix}-rebuild-lock", self.lock_wait) as lock:
                live = es_admin.read_aliases(es, [self.alias(k) for k in KINDS])
                es_admin.collect_orphans(es, self.prefix, live)
                new = self._load(es, lock, batches, manifest)
                try:
                    es_admin.swap(es, live, {self.alias(k): name for k, name in new.items()})
                except RebuildFailedError:
                    self._drop(es, list(new.values()))
                    raise

    def _load(
        self,
        es: Elasticsearch,
        lock: RebuildLock,
        batches: Iterable[Sequence[IndexedDoc]],
        manifest: Manifest,
    ) -> dict[str, str]:
        """Create and fill the new indices; drop them and re-raise on any failure."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
        new = {kind: f"{self.alias(kind)}-v{stamp}" for kind in KINDS}
        targets = ",".join(new.values())
        try:
            for name in new.values():
                self._create(es, name, manifest.dimension)
            sent: dict[str, set[str]] = {kind: set() for kind in KINDS}

            start = time.time_ns()

            def actions() -> Iterator[dict[str, Any]]:
                position = 0
                for batch in batches:
                    lock.renew()
                    for doc in batch:
                        sent[doc.kind].add(doc.id)
                        position += 1  # the catalog's order, as the embedded rowids
                        source = bodies.to_source(doc, start + position)
                        yield {"_index": new[doc.kind], "_id": doc.id, "_source": source}

            failures = [
                info
                for ok, info in helpers.streaming_bulk(
                    es,
                    actions(),
                    chunk_size=self.chunk_size,
                    raise_on_error=False,
                    max_retries=BULK_RETRIES,
                    initial_backoff=BULK_BACKOFF[0],
                    max_backoff=BULK_BACKOFF[1],
                )
                if not ok
            ]
            if failures:
                raise RebuildFailedError(
                    "rebuild refused, the old index keeps serving: Elasticsearch "
                    + _summarise(failures)
                )
            lock.renew(force=True)
            es.indices.refresh(index=targets)
            counts = {k: int(es.count(index=new[k]).body["count"]) for k in KINDS}
            expected = {k: len(ids) for k, ids in sent.items()}
            if counts != expected:
                raise RebuildFailedError(
                    f"rebuild refused, the old index keeps serving: sent {expected},"
                    f" Elasticsearch holds {counts}"
                )
            es.indices.put_settings(index=targets, settings=bodies.serving_settings(self.replicas))
            manifest.generation, manifest.counts = f"v{stamp}", counts
            es.indices.put_mapping(index=targets, meta={MANIFEST_KEY: manifest.to_dict()})
            es.indices.refresh(index=targets)
        except BaseException:
            self._drop(es, list(new.values()))
            raise
        return new

    def _create(self, es: Elasticsearch, name: str, dimension: int | None) -> None:
        """Create a new index; one a timed-out earlier attempt already created is accepted."""
        try:
            # retried by the client on a timeout: the retry may find it already created
            es.options(request_timeout=es_admin.ADMIN_REQUEST_TIMEOUT).indices.create(
                index=name,
                settings=bodies.index_settings(),
                mappings=bodies.index_mappings(dimension),
                master_timeout=es_admin.MASTER_TIMEOUT,
                timeout=es_admin.MASTER_TIMEOUT,
            )
        except ApiError as exc:
            if exc.error != "resource_already_exists_exception":
                raise

    def _drop(self, es: Elasticsearch, names: list[str]) -> None:
        try:
            es_admin.admin(es).indices.delete(index=",".join(names), ignore_unavailable=True)
        except Exception:  # the next rebuild collects them
            log.exception("could not delete the unfinished indices %s", names)

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

    def vector(
        self, kind: str, vector: np.ndarray, filters: Filters, limit: int, passages: bool = True
    ) -> list[Hit]:
        hits = self._search(kind, knn=bodies.knn_request(vector, filters, limit), size=limit)
        # ES scores cosine as (1 + cos) / 2; report the cosine itself, as the embedded mode does
        return [Hit(h["_id"], 2.0 * float(h["_score"]) - 1.0) for h in hits]

    def best_passages(
        self, kind: str, vector: np.ndarray, ids: Sequence[str]
    ) -> dict[str, PassageHit]:
        return {}  # no passage vectors here (``stores_passages``)

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

    def _scan(self, kind: str, query: dict[str, Any], source: list[str] | bool) -> list[Any]:
        with self._guard():
            body = {"query": query, "_source": source}
            return list(
                helpers.scan(
                    self._es(),
                    index=self.alias(kind),
                    query=body,
                    size=1000,
                    scroll=SCROLL,
                    request_timeout=self.timeout,
                )
            )

    def content_hashes(self, kind: str) -> dict[str, str]:
        hits = self._scan(kind, {"match_all": {}}, ["content_hash"])
        return {h["_id"]: h["_source"].get("content_hash", "") for h in hits}

    def has_vector(self, kind: str) -> set[str]:
        return {h["_id"] for h in self._scan(kind, {"exists": {"field": "vector"}}, False)}

    def doc_freq(self, kind: str, terms: Sequence[str]) -> dict[str, int]:
        """Documents holding each term in title or body: one search, one aggregation."""
        unique = list(dict.fromkeys(terms))
        if not unique:
            return {}
        with self._guard():
            resp = self._es().search(index=self.alias(kind), **bodies.doc_freq_request(unique))
        buckets = resp.body["aggregations"]["df"]["buckets"]
        return {
            term: int(b["doc_count"])
            for term, b in zip(unique, buckets, strict=True)
            if b["doc_count"]
        }
