"""The SQLite side of the embedded index: schema, filters as SQL, writing rows and building a
generation's file with its segments.

The ``docs`` table holds each listing's tokens (space-separated), attributes, vector and ``seg``
(1 while the row is as the generation's segment holds it, 0 once written since); ``passages``
holds the vectors of each listing's title and sentences, read for the few candidates a dense
search rescores. SQLite answers the filters; ``segments.py`` scores the text and the vectors.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexer.backends.segments import read_segment
from indexer.base import KINDS, Filters, IndexedDoc, Manifest

DB_NAME = "index.sqlite3"
TITLE_WEIGHT = 2.0  # a term in the title counts twice a term in the body (as FTS5 bm25 weights)

SCHEMA = [
    "CREATE TABLE docs (rowid INTEGER PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL,"
    " field TEXT, field_top TEXT, maturity TEXT, modes TEXT, region TEXT, money REAL,"
    " content_hash TEXT, vector BLOB, title TEXT, body TEXT, seg INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (kind, id))",
    "CREATE INDEX docs_delta ON docs (kind, seg)",
    # covering indexes: filters and sync read these instead of rows carrying vectors and text
    "CREATE INDEX docs_filters ON docs"
    " (kind, field_top, field, maturity, region, money, modes, id)",
    "CREATE INDEX docs_hashes ON docs (kind, id, content_hash)",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
]
# the passage vectors of each document (also made when a generation built before them is opened)
PASSAGES_TABLE = (
    "CREATE TABLE IF NOT EXISTS passages (doc INTEGER NOT NULL, position INTEGER NOT NULL,"
    " text TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (doc, position))"
)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return kind


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


def open_db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.isolation_level = "DEFERRED"
    return conn


def build(
    file: Path,
    batches: Iterable[Sequence[IndexedDoc]],
    manifest: Manifest,
    generation: str,
    ann_threshold: int,
) -> None:
    """Write every row, then each kind's segment (postings, vectors, HNSW graph when large)."""
    db = open_db(file)
    try:
        with db:
            for statement in (*SCHEMA, PASSAGES_TABLE):
                db.execute(statement)
            for batch in batches:
                for doc in batch:
                    write_doc(db, doc)
            manifest.generation = generation
            manifest.counts = {
                k: db.execute("SELECT count(*) FROM docs WHERE kind = ?", (k,)).fetchone()[0]
                for k in KINDS
            }
            for kind in KINDS:
                segment = read_segment(db, kind, TITLE_WEIGHT)
                segment.vectors.build_ann(ann_threshold)
                segment.save(file.parent, kind)
                del segment
            db.execute("UPDATE docs SET seg = 1")
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
    """Insert or replace one row (it leaves the segment: ``seg = 0``); returns its rowid."""
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
        " ".join(doc.title_tokens),
        " ".join(doc.body_tokens),
    )
    row = db.execute("SELECT rowid FROM docs WHERE kind = ? AND id = ?", (kind, doc.id)).fetchone()
    if row is None:
        cur = db.execute(
            "INSERT INTO docs (kind, id, field, field_top, maturity, modes, region, money,"
            " content_hash, vector, title, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, doc.id, *values),
        )
        rowid = int(cur.lastrowid or 0)
    else:
        rowid = int(row[0])
        db.execute(
            "UPDATE docs SET field = ?, field_top = ?, maturity = ?, modes = ?, region = ?,"
            " money = ?, content_hash = ?, vector = ?, title = ?, body = ?, seg = 0"
            " WHERE rowid = ?",
            (*values, rowid),
        )
    db.execute("DELETE FROM passages WHERE doc = ?", (rowid,))
    if doc.passage_vectors is not None:
        db.executemany(
            "INSERT INTO passages (doc, position, text, vector) VALUES (?, ?, ?, ?)",
            [
                (rowid, i, text, np.asarray(v, dtype=np.float32).tobytes())
                for i, (text, v) in enumerate(zip(doc.passages, doc.passage_vectors, strict=True))
            ],
        )
    return rowid


def read_passages(
    db: sqlite3.Connection, kind: str, ids: Sequence[str]
) -> dict[str, tuple[list[str], np.ndarray]]:
    """The passages (texts and a matrix of their vectors) of the listed documents."""
    found: dict[str, tuple[list[str], list[np.ndarray]]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        rows = db.execute(
            "SELECT d.id, p.text, p.vector FROM passages p JOIN docs d ON d.rowid = p.doc"
            f" WHERE d.kind = ? AND d.id IN ({','.join('?' * len(chunk))})"
            " ORDER BY p.doc, p.position",
            [kind, *chunk],
        )
        for listing_id, text, blob in rows:
            texts, vectors = found.setdefault(listing_id, ([], []))
            texts.append(text)
            vectors.append(np.frombuffer(blob, dtype=np.float32))
    return {i: (texts, np.stack(vectors)) for i, (texts, vectors) in found.items()}
