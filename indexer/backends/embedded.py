"""The embedded backend: SQLite FTS5 (BM25) for lexical search, numpy for vector search.

One SQLite file per index generation under ``TECHMATCH_HOME/index/``; vectors live in it as
float32 blobs and are held in memory as one matrix per kind for cosine search, beside one
matrix of passage vectors (title and sentences) per kind: a document's dense score is the mean
of its own cosine and its best passage's.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexer.backends.embedded_store import (
    PASSAGES_TABLE,
    PassageTable,
    VectorTable,
    build_generation,
    check_kind,
    open_db,
    write_doc,
    write_manifest,
)
from indexer.backends.generations import Generations
from indexer.base import (
    Filters,
    Hit,
    IndexedDoc,
    IndexMissingError,
    Manifest,
    PassageHit,
)

DB_NAME = "index.sqlite3"
TITLE_WEIGHT = 2.0  # a term in the title counts twice a term in the body (FTS5 bm25 weights)


def match_expression(tokens: Sequence[str]) -> str:
    """An FTS5 query that ORs the tokens; a repeated token weighs more in BM25."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)


def where_clause(filters: Filters) -> tuple[str, list[Any]]:
    """Translate backend-neutral filters into SQL over the ``docs`` table aliased ``d``."""
    parts: list[str] = []
    params: list[Any] = []
    if filters.field:
        parts.append("d.field = ?" if "." in filters.field else "d.field_top = ?")
        params.append(filters.field)
    for column, value in (("maturity", filters.maturity), ("region", filters.region)):
        if value:
            parts.append(f"d.{column} = ?")
            params.append(value)
    if filters.mode:
        parts.append("d.modes LIKE ?")
        params.append(f"% {filters.mode} %")
    if filters.money_min is not None:
        parts.append("d.money >= ?")
        params.append(filters.money_min)
    if filters.money_max is not None:
        parts.append("d.money <= ?")
        params.append(filters.money_max)
    if filters.exclude_ids:
        parts.append(f"d.id NOT IN ({','.join('?' * len(filters.exclude_ids))})")
        params.extend(filters.exclude_ids)
    return ("".join(f" AND {p}" for p in parts), params)


class EmbeddedIndex:
    """SQLite FTS5 + numpy. Safe to share between threads; readers follow rebuilds by others."""

    backend = "embedded"
    stores_passages = True

    def __init__(self, root: Path) -> None:
        self.generations = Generations(root)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._path: Path | None = None
        self._data_version = -1
        self._vectors: dict[str, VectorTable] = {}
        self._passages: dict[str, PassageTable] = {}

    # ---- connection and generation following ---------------------------------------------
    def exists(self) -> bool:
        return self.generations.current() is not None

    def _db(self) -> sqlite3.Connection:
        current = self.generations.current()
        if current is None:
            raise IndexMissingError("no search index yet: run `techmatch index` to build it")
        if self._conn is None or current != self._path:
            self.close()
            self._conn = open_db(current / DB_NAME)
            self._conn.execute(PASSAGES_TABLE)
            self._path = current
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:  # another process committed: reload vectors lazily
            self._vectors.clear()
            self._passages.clear()
            self._data_version = version
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = None
            self._path = None
            self._vectors.clear()
            self._passages.clear()

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
                    rowid = write_doc(db, doc)
                    self._update_vector(doc, rowid)
                    self._passages.pop(doc.kind, None)  # reloaded on the next search

    def delete(self, kind: str, ids: Sequence[str]) -> None:
        kind = check_kind(kind)
        with self._lock:
            db = self._db()
            with db:
                for listing_id in ids:
                    row = db.execute(
                        "SELECT rowid FROM docs WHERE kind = ? AND id = ?", (kind, listing_id)
                    ).fetchone()
                    if row is None:
                        continue
                    db.execute(f"DELETE FROM fts_{kind} WHERE rowid = ?", row)
                    db.execute("DELETE FROM passages WHERE doc = ?", row)
                    db.execute("DELETE FROM docs WHERE rowid = ?", row)
            self._vectors.pop(kind, None)
            self._passages.pop(kind, None)

    def rebuild(self, batches: Iterable[Sequence[IndexedDoc]], manifest: Manifest) -> None:
        """Write a complete new generation, then switch to it; on any error keep the old one.

        Holds the rebuild lock throughout (another rebuild, in any process, waits), so the
        switch never deletes a generation that another run is writing. A document repeated in
        ``batches`` replaces the earlier one (the sync re-sends listings changed meanwhile).
        """
        with self.generations.rebuilding():
            path = self.generations.new()
            try:
                build_generation(path / DB_NAME, batches, manifest, path.name)
            except BaseException:
                self.generations.discard(path)
                raise
            with self._lock:
                self.generations.switch(path)
                self.close()

    # ---- reads --------------------------------------------------------------------------
    def lexical(self, kind: str, tokens: Sequence[str], filters: Filters, limit: int) -> list[Hit]:
        kind = check_kind(kind)
        if not tokens:
            return []
        where, params = where_clause(filters)
        sql = (
            f"SELECT d.id, bm25(fts_{kind}, {TITLE_WEIGHT}, 1.0) AS s FROM fts_{kind}"
            f" JOIN docs d ON d.rowid = fts_{kind}.rowid WHERE fts_{kind} MATCH ?{where}"
            " ORDER BY s LIMIT ?"
        )
        with self._lock:
            rows = self._db().execute(sql, [match_expression(tokens), *params, limit])
            return [Hit(listing_id, -score) for listing_id, score in rows]

    def vector(
        self, kind: str, vector: np.ndarray, filters: Filters, limit: int, passages: bool = True
    ) -> list[Hit]:
        kind = check_kind(kind)
        with self._lock:
            table = self._load_vectors(kind)
            if not table.ids:
                return []
            scores = table.matrix @ vector.astype(np.float32)
            if passages:
                best, _ = self._load_passages(kind, table).best(vector, len(table.ids))
                scores = np.where(np.isnan(best), scores, (scores + best) / 2)
            if not filters.is_empty():
                where, params = where_clause(filters)
                allowed = self._db().execute(
                    f"SELECT rowid FROM docs d WHERE kind = ?{where}", [kind, *params]
                )
                mask = np.zeros(len(table.ids), dtype=bool)
                for (rowid,) in allowed:
                    pos = table.position.get(rowid)
                    if pos is not None:
                        mask[pos] = True
                scores = np.where(mask, scores, -np.inf)
            k = min(limit, len(table.ids))
            top = np.argpartition(-scores, k - 1)[:k]
            top = top[np.argsort(-scores[top])]
            return [Hit(table.ids[i], float(scores[i])) for i in top if np.isfinite(scores[i])]

    def best_passages(
        self, kind: str, vector: np.ndarray, ids: Sequence[str]
    ) -> dict[str, PassageHit]:
        kind = check_kind(kind)
        with self._lock:
            table = self._load_vectors(kind)
            passages = self._load_passages(kind, table)
            best, which = passages.best(vector, len(table.ids))
            rows = {listing_id: i for i, listing_id in enumerate(table.ids)}
            out = {}
            for listing_id in ids:
                i = rows.get(listing_id)
                if i is not None and which[i] >= 0:
                    out[listing_id] = PassageHit(passages.texts[which[i]], float(best[i]))
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
        where, params = where_clause(filters or Filters())
        with self._lock:
            row = (
                self._db()
                .execute(
                    f"SELECT count(*) FROM docs d WHERE kind = ?{where}",
                    [check_kind(kind), *params],
                )
                .fetchone()
            )
            return int(row[0])

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
        unique = list(dict.fromkeys(terms))
        if not unique:
            return {}
        marks = ",".join("?" * len(unique))
        with self._lock:
            rows = self._db().execute(
                f"SELECT term, doc FROM vocab_{kind} WHERE term IN ({marks})", unique
            )
            return dict(rows.fetchall())

    # ---- vectors in memory --------------------------------------------------------------
    def _load_vectors(self, kind: str) -> VectorTable:
        db = self._db()
        if kind not in self._vectors:
            rowids, ids, rows = [], [], []
            for rowid, listing_id, blob in db.execute(
                "SELECT rowid, id, vector FROM docs WHERE kind = ? AND vector IS NOT NULL",
                (kind,),
            ):
                rowids.append(rowid)
                ids.append(listing_id)
                rows.append(np.frombuffer(blob, dtype=np.float32))
            matrix = np.stack(rows) if rows else np.zeros((0, 0), dtype=np.float32)
            self._vectors[kind] = VectorTable(rowids, ids, matrix)
        return self._vectors[kind]

    def _load_passages(self, kind: str, table: VectorTable) -> PassageTable:
        """The kind's passage vectors, each row owned by a row of ``table`` (loaded with it)."""
        if kind not in self._passages:
            owners, texts, rows = [], [], []
            for doc, text, blob in self._db().execute(
                "SELECT p.doc, p.text, p.vector FROM passages p JOIN docs d ON d.rowid = p.doc"
                " WHERE d.kind = ? ORDER BY p.doc, p.position",
                (kind,),
            ):
                owner = table.position.get(doc)
                if owner is None:
                    continue
                owners.append(owner)
                texts.append(text)
                rows.append(np.frombuffer(blob, dtype=np.float32))
            matrix = np.stack(rows) if rows else np.zeros((0, 0), dtype=np.float32)
            self._passages[kind] = PassageTable(owners, texts, matrix)
        return self._passages[kind]

    def _update_vector(self, doc: IndexedDoc, rowid: int) -> None:
        table = self._vectors.get(doc.kind)
        if table is None:
            return  # loaded lazily on the next search
        pos = table.position.get(rowid)
        if doc.vector is None or (table.ids and doc.vector.shape[0] != table.matrix.shape[1]):
            self._vectors.pop(doc.kind, None)
        elif pos is not None:
            table.matrix[pos] = doc.vector
        elif not table.ids:
            self._vectors.pop(doc.kind, None)
        else:
            table.matrix = np.vstack([table.matrix, doc.vector[None, :]])
            table.ids.append(doc.id)
            table.rowids = np.append(table.rowids, rowid)
            table.position[rowid] = len(table.ids) - 1
