"""The embedded backend's storage: the SQLite schema of a generation, document writes, and the
in-memory tables of vectors (one per kind) and passage vectors used for cosine search."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from indexer.base import KINDS, IndexedDoc, Manifest

# passage vectors of each document (added to generations built before them when opened)
PASSAGES_TABLE = (
    "CREATE TABLE IF NOT EXISTS passages (doc INTEGER NOT NULL, position INTEGER NOT NULL,"
    " text TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (doc, position))"
)
_SCHEMA = [
    "CREATE TABLE docs (rowid INTEGER PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL,"
    " field TEXT, field_top TEXT, maturity TEXT, modes TEXT, region TEXT, money REAL,"
    " content_hash TEXT, vector BLOB, UNIQUE (kind, id))",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
    PASSAGES_TABLE,
    *(
        f"CREATE VIRTUAL TABLE fts_{k} USING fts5(title, body,"
        " tokenize='unicode61 remove_diacritics 0')"
        for k in KINDS
    ),
    *(f"CREATE VIRTUAL TABLE vocab_{k} USING fts5vocab(fts_{k}, 'row')" for k in KINDS),
]


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return kind


class VectorTable:
    """The vectors of one kind, held in memory for brute-force cosine search."""

    def __init__(self, rowids: list[int], ids: list[str], matrix: np.ndarray) -> None:
        self.rowids = np.asarray(rowids, dtype=np.int64)
        self.ids = ids
        self.matrix = matrix
        self.position = {rowid: i for i, rowid in enumerate(rowids)}


class PassageTable:
    """The passage vectors of one kind: one matrix, each row's owner (a row of ``VectorTable``)."""

    def __init__(self, owners: list[int], texts: list[str], matrix: np.ndarray) -> None:
        self.owners = np.asarray(owners, dtype=np.int64)
        self.texts = texts
        self.matrix = matrix

    def best(self, vector: np.ndarray, documents: int) -> tuple[np.ndarray, np.ndarray]:
        """Per document row: the best passage's cosine (NaN without passages), and its row."""
        best = np.full(documents, -np.inf, dtype=np.float32)
        which = np.full(documents, -1, dtype=np.int64)
        if len(self.texts):
            scores = self.matrix @ vector.astype(np.float32)
            order = np.lexsort((-scores, self.owners))  # by owner, best passage first
            owners = self.owners[order]
            first = order[np.r_[True, owners[1:] != owners[:-1]]]  # each owner's best
            best[self.owners[first]] = scores[first]
            which[self.owners[first]] = first
        return np.where(np.isfinite(best), best, np.nan), which


def open_db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.isolation_level = "DEFERRED"
    return conn


def build_generation(
    file: Path, batches: Iterable[Sequence[IndexedDoc]], manifest: Manifest, generation: str
) -> None:
    db = open_db(file)
    try:
        with db:
            for statement in _SCHEMA:
                db.execute(statement)
            for batch in batches:
                for doc in batch:
                    write_doc(db, doc)
            manifest.generation = generation
            manifest.counts = {
                k: db.execute("SELECT count(*) FROM docs WHERE kind = ?", (k,)).fetchone()[0]
                for k in KINDS
            }
            write_manifest(db, manifest)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def write_manifest(db: sqlite3.Connection, manifest: Manifest) -> None:
    db.execute(
        "INSERT OR REPLACE INTO meta VALUES ('manifest', ?)",
        (json.dumps(manifest.to_dict(), ensure_ascii=False),),
    )


def write_doc(db: sqlite3.Connection, doc: IndexedDoc) -> int:
    kind = check_kind(doc.kind)
    values = (
        doc.field,
        doc.field_top,
        doc.maturity,
        " " + " ".join(doc.modes) + " ",
        doc.region,
        doc.money,
        doc.content_hash,
        None if doc.vector is None else doc.vector.astype(np.float32).tobytes(),
    )
    row = db.execute("SELECT rowid FROM docs WHERE kind = ? AND id = ?", (kind, doc.id)).fetchone()
    if row is None:
        cur = db.execute(
            "INSERT INTO docs (kind, id, field, field_top, maturity, modes, region, money,"
            " content_hash, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, doc.id, *values),
        )
        rowid = int(cur.lastrowid or 0)
    else:
        rowid = int(row[0])
        db.execute(
            "UPDATE docs SET field = ?, field_top = ?, maturity = ?, modes = ?, region = ?,"
            " money = ?, content_hash = ?, vector = ? WHERE rowid = ?",
            (*values, rowid),
        )
        db.execute(f"DELETE FROM fts_{kind} WHERE rowid = ?", (rowid,))
    db.execute(
        f"INSERT INTO fts_{kind} (rowid, title, body) VALUES (?, ?, ?)",
        (rowid, " ".join(doc.title_tokens), " ".join(doc.body_tokens)),
    )
    db.execute("DELETE FROM passages WHERE doc = ?", (rowid,))
    if doc.passage_vectors is not None:
        db.executemany(
            "INSERT INTO passages VALUES (?, ?, ?, ?)",
            [
                (rowid, i, text, vector.astype(np.float32).tobytes())
                for i, (text, vector) in enumerate(
                    zip(doc.passages, doc.passage_vectors, strict=True)
                )
            ],
        )
    return rowid
