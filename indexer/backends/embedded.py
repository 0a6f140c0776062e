"""The embedded backend: SQLite for the rows and filters, numpy (and faiss) for retrieval.

One directory per index generation under ``TECHMATCH_HOME/index/``: its SQLite file (the rows:
tokens, attributes, vectors) and one segment per kind (postings, vectors, an HNSW graph for
large kinds; ``segments.py``). BM25 is scored as FTS5 scores it (``postings.py``) without
scanning every row; vectors are scanned exactly, or through the HNSW graph from
``ann_threshold`` vectors on (``vectors.py``). Rows written after the build form a small delta
that is scored beside the segment until the next rebuild.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from indexer.backends.embedded_store import (
    DB_NAME,
    PASSAGES_TABLE,
    TITLE_WEIGHT,
    build,
    check_kind,
    open_db,
    read_passages,
    where_clause,
    write_doc,
    write_manifest,
)
from indexer.backends.generations import Generations
from indexer.backends.passage_stack import STACK_DOCS, PassageStack
from indexer.backends.segments import Segment, View
from indexer.base import (
    KINDS,
    Filters,
    Hit,
    IndexedDoc,
    IndexMismatchError,
    IndexMissingError,
    Manifest,
    PassageHit,
)

# Vectors of a kind from which dense search goes through the HNSW graph: below it the exact
# float32 scan is fast enough (about 10 ms at 100,000 × 384 on one core) and never misses.
ANN_THRESHOLD = 200_000
# A dense search rescores with passage vectors the best documents by their whole vector: this
# many times the asked number, at least PASSAGE_POOL_MIN (at the seed's size, every document).
PASSAGE_POOL_FACTOR = 3
PASSAGE_POOL_MIN = 600
PASSAGE_CACHE_DOCS = 5_000  # documents whose passages are kept in memory (an LRU per process)

__all__ = ["ANN_THRESHOLD", "DB_NAME", "TITLE_WEIGHT", "EmbeddedIndex", "where_clause"]


class EmbeddedIndex:
    """Safe to share between threads; readers follow rebuilds and writes by other processes."""

    backend = "embedded"
    stores_passages = True

    def __init__(self, root: Path, ann_threshold: int = ANN_THRESHOLD) -> None:
        self.generations = Generations(root)
        self.ann_threshold = ann_threshold
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._path: Path | None = None
        self._data_version = -1
        self._segments: dict[str, Segment] = {}
        self._views: dict[str, View] = {}
        self._passages: OrderedDict[tuple[str, str], tuple[list[str], np.ndarray]] = OrderedDict()
        self._stacks: dict[str, PassageStack] = {}  # small kinds: every passage in one matrix

    # ---- connection and generation following ---------------------------------------------
    def exists(self) -> bool:
        return self.generations.current() is not None

    def _db(self) -> sqlite3.Connection:
        current = self.generations.current()
        if current is None:
            raise IndexMissingError("no search index yet: run `techmatch index` to build it")
        if self._conn is None or current != self._path:
            if not all(Segment.files_present(current, kind) for kind in KINDS):
                raise IndexMismatchError(
                    "the search index was built by an older TechMatch (no segments); run "
                    "`techmatch index --rebuild` to rebuild it from the catalog"
                )
            self.close()
            self._conn = open_db(current / DB_NAME)
            self._conn.execute(PASSAGES_TABLE)
            self._path = current
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:  # another process committed: reload the deltas
            self._views.clear()
            self._forget_passages()
            self._data_version = version
        return self._conn

    def _forget_passages(self) -> None:
        self._passages.clear()
        self._stacks.clear()

    def _stack(self, kind: str, dimension: int) -> PassageStack | None:
        """The kind's passages stacked, when the kind is small (``STACK_DOCS``)."""
        if self._view(kind).count > STACK_DOCS:
            return None
        stack = self._stacks.get(kind)
        if stack is None or stack.matrix.shape[1] != dimension:
            db = self._db()
            ids = [r[0] for r in db.execute("SELECT id FROM docs WHERE kind = ?", [kind])]
            stack = self._stacks[kind] = PassageStack.build(read_passages(db, kind, ids), dimension)
        return stack

    def _view(self, kind: str) -> View:
        db = self._db()
        view = self._views.get(kind)
        if view is None:
            assert self._path is not None
            segment = self._segments.get(kind)
            if segment is None:
                segment = self._segments[kind] = Segment.load(self._path, kind)
            view = self._views[kind] = View(db, segment, kind, TITLE_WEIGHT)
        return view

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = None
            self._path = None
            self._segments.clear()
            self._views.clear()
            self._forget_passages()

    # ---- manifest -----------------------------------------------------------------------
    def manifest(self) -> Manifest:
        with self._lock:
            row = self._db().execute("SELECT value FROM meta WHERE key = 'manifest'").fetchone()
            if row is None:
                raise IndexMissingError("the search index has no manifest: rebuild it")
            return Manifest.from_dict(json.loads(row[0]))

    def set_manifest(self, manifest: Manifest) -> None:
        with self._lock:
            db = self._db()
            with db:
                write_manifest(db, manifest)

    # ---- writes -------------------------------------------------------------------------
    def upsert(self, docs: Sequence[IndexedDoc]) -> None:
        with self._lock:
            db = self._db()
            with db:
                for doc in docs:
                    write_doc(db, doc)
            for kind in {doc.kind for doc in docs}:
                self._views.pop(kind, None)  # our own commits do not change data_version
            self._forget_passages()

    def delete(self, kind: str, ids: Sequence[str]) -> None:
        kind = check_kind(kind)
        with self._lock:
            db = self._db()
            with db:
                for start in range(0, len(ids), 500):
                    chunk = list(ids[start : start + 500])
                    marks = ",".join("?" * len(chunk))
                    db.execute(
                        "DELETE FROM passages WHERE doc IN (SELECT rowid FROM docs"
                        f" WHERE kind = ? AND id IN ({marks}))",
                        [kind, *chunk],
                    )
                    db.execute(
                        f"DELETE FROM docs WHERE kind = ? AND id IN ({marks})", [kind, *chunk]
                    )
            self._views.pop(kind, None)
            self._forget_passages()

    def rebuild(self, batches: Iterable[Sequence[IndexedDoc]], manifest: Manifest) -> None:
        """Write a complete new generation, then switch to it; on any error keep the old one.

        Holds the rebuild lock throughout (another rebuild, in any process, waits), so the
        switch never deletes a generation that another run is writing. A document repeated in
        ``batches`` replaces the earlier one (the sync re-sends listings changed meanwhile).
        """
        with self.generations.rebuilding():
            path = self.generations.new()
            try:
                build(path / DB_NAME, batches, manifest, path.name, self.ann_threshold)
            except BaseException:
                self.generations.discard(path)
                raise
            with self._lock:
                self.generations.switch(path)
                self.close()

    # ---- reads --------------------------------------------------------------------------
    def _filters(self, kind: str, filters: Filters) -> np.ndarray | None:
        """Rowids passing the filters, None when nothing is filtered."""
        if filters.is_empty():
            return None
        where, params = where_clause(filters)
        rows = self._db().execute(
            f"SELECT rowid FROM docs d WHERE kind = ?{where}", [kind, *params]
        )
        return np.fromiter((r for (r,) in rows), dtype=np.int64)

    def _excluded(self, kind: str, filters: Filters) -> tuple[Filters, np.ndarray]:
        """The filters without ``exclude_ids``, and the rowids of those ids (a few: cheaper
        than listing every other row)."""
        if not filters.exclude_ids:
            return filters, np.zeros(0, dtype=np.int64)
        marks = ",".join("?" * len(filters.exclude_ids))
        rows = self._db().execute(
            f"SELECT rowid FROM docs WHERE kind = ? AND id IN ({marks})",
            [kind, *filters.exclude_ids],
        )
        excluded = np.fromiter((r for (r,) in rows), dtype=np.int64)
        return dataclasses.replace(filters, exclude_ids=()), excluded

    def lexical(self, kind: str, tokens: Sequence[str], filters: Filters, limit: int) -> list[Hit]:
        kind = check_kind(kind)
        if not tokens:
            return []
        with self._lock:
            rest, excluded = self._excluded(kind, filters)
            view = self._view(kind)
            found = view.lexical(tokens, self._filters(kind, rest), excluded, limit)
            return [Hit(listing_id, score) for listing_id, score in found]

    def vector(
        self, kind: str, vector: np.ndarray, filters: Filters, limit: int, passages: bool = True
    ) -> list[Hit]:
        """Nearest by the whole vector; with ``passages``, the best of them (a pool several
        times ``limit``) rescored by the mean of their whole and their best passage's cosine."""
        kind = check_kind(kind)
        with self._lock:
            rest, excluded = self._excluded(kind, filters)
            view = self._view(kind)
            query = np.ascontiguousarray(vector, dtype=np.float32)
            if view.dimension and query.shape[0] != view.dimension:
                return []
            pool = max(limit * PASSAGE_POOL_FACTOR, PASSAGE_POOL_MIN) if passages else limit
            found = view.vector(query, self._filters(kind, rest), excluded, pool)
            if not passages:
                return [Hit(listing_id, score) for listing_id, score in found]
            best = self._passage_scores(kind, query, [i for i, _ in found])
            scored = [Hit(i, (score + best[i]) / 2 if i in best else score) for i, score in found]
            scored.sort(key=lambda h: (-h.score, h.id))
            return scored[:limit]

    def best_passages(
        self, kind: str, vector: np.ndarray, ids: Sequence[str]
    ) -> dict[str, PassageHit]:
        kind = check_kind(kind)
        with self._lock:
            return self._best_passages(kind, np.asarray(vector, dtype=np.float32), ids)

    def _best_passages(
        self, kind: str, query: np.ndarray, ids: Sequence[str]
    ) -> dict[str, PassageHit]:
        """Each document's best passage: one product over their passages stacked."""
        stack = self._stack(kind, len(query))
        if stack is not None:
            return {
                i: PassageHit(text, score) for i, (text, score) in stack.best(query, ids).items()
            }
        found = [(i, p) for i, p in self._passages_of(kind, ids) if p[1].shape[1] == len(query)]
        if not found:
            return {}
        cosines = np.concatenate([matrix for _, (_, matrix) in found]) @ query
        out, start = {}, 0
        for listing_id, (texts, _) in found:
            part = cosines[start : start + len(texts)]
            best = int(np.argmax(part))
            out[listing_id] = PassageHit(texts[best], float(part[best]))
            start += len(texts)
        return out

    def _passage_scores(self, kind: str, query: np.ndarray, ids: Sequence[str]) -> dict[str, float]:
        """Each document's best passage cosine (no texts): one product over their passages
        stacked and one maximum per document's run of rows."""
        stack = self._stack(kind, len(query))
        if stack is not None:
            return stack.scores(query, ids)
        found = [(i, p) for i, p in self._passages_of(kind, ids) if p[1].shape[1] == len(query)]
        if not found:
            return {}
        cosines = np.concatenate([matrix for _, (_, matrix) in found]) @ query
        starts = np.cumsum([0] + [len(texts) for _, (texts, _) in found[:-1]])
        best = np.maximum.reduceat(cosines, starts)
        return dict(zip((i for i, _ in found), best.tolist(), strict=True))

    def _passages_of(
        self, kind: str, ids: Sequence[str]
    ) -> list[tuple[str, tuple[list[str], np.ndarray]]]:
        """The passages of the listed documents that have some, from memory or SQLite."""
        missing = [i for i in ids if (kind, i) not in self._passages]
        if missing:
            read = read_passages(self._db(), kind, missing)
            for listing_id in missing:  # none: remembered as empty, not asked again
                empty: tuple[list[str], np.ndarray] = ([], np.zeros((0, 0), np.float32))
                self._passages[(kind, listing_id)] = read.get(listing_id, empty)
            while len(self._passages) > PASSAGE_CACHE_DOCS:
                self._passages.popitem(last=False)
        out = []
        for listing_id in ids:
            entry = self._passages.get((kind, listing_id))
            if entry is not None and entry[0]:
                self._passages.move_to_end((kind, listing_id))
                out.append((listing_id, entry))
        return out

    def browse(self, kind: str, filters: Filters, limit: int) -> list[str]:
        kind = check_kind(kind)
        where, params = where_clause(filters)
        with self._lock:
            rows = self._db().execute(
                f"SELECT id FROM docs d WHERE kind = ?{where} ORDER BY rowid DESC LIMIT ?",
                [kind, *params, limit],
            )
            return [r[0] for r in rows]

    def count(self, kind: str, filters: Filters | None = None) -> int:
        kind = check_kind(kind)
        with self._lock:
            if filters is None or filters.is_empty():
                return self._view(kind).count
            where, params = where_clause(filters)
            sql = f"SELECT count(*) FROM docs d WHERE kind = ?{where}"
            return int(self._db().execute(sql, [kind, *params]).fetchone()[0])

    def content_hashes(self, kind: str) -> dict[str, str]:
        with self._lock:
            rows = self._db().execute(
                "SELECT id, content_hash FROM docs WHERE kind = ?", (check_kind(kind),)
            )
            return dict(rows.fetchall())

    def has_vector(self, kind: str) -> set[str]:
        with self._lock:
            rows = self._db().execute(
                "SELECT id FROM docs WHERE kind = ? AND vector IS NOT NULL", (check_kind(kind),)
            )
            return {r[0] for r in rows}

    def doc_freq(self, kind: str, terms: Sequence[str]) -> dict[str, int]:
        kind = check_kind(kind)
        if not terms:
            return {}
        with self._lock:
            return self._view(kind).doc_freq(terms)
