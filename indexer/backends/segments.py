"""What the embedded index keeps in memory per kind: the generation's segment plus a delta.

A rebuild writes, beside the generation's SQLite file, one **segment** per kind: the postings
(``postings.py``), the vectors and, for large kinds, their HNSW graph (``vectors.py``), the rows'
SQLite rowids and listing ids. Rows written afterwards (single writes, incremental syncs) are
marked ``seg = 0`` in SQLite; they form the **delta**, read from SQLite and scored exactly
beside the segment, and their segment positions (if any) are dead. ``View`` is that state at
one SQLite data version; the index reloads it when another connection has committed.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.backends.postings import Postings, bm25, norms
from indexer.backends.vectors import VectorRows, VectorSegment, top_k


@dataclass
class Segment:
    """The rows of one kind as they were when the generation was built."""

    rowids: np.ndarray  # int64, ascending; position i is SQLite row rowids[i]
    ids: list[str]
    postings: Postings
    vectors: VectorSegment

    @staticmethod
    def files_present(directory: Path, kind: str) -> bool:
        return (directory / f"{kind}.ids.json").exists()

    def save(self, directory: Path, kind: str) -> None:
        self.postings.save(directory, kind)
        self.vectors.save(directory, kind)
        np.save(directory / f"{kind}.rowids.npy", self.rowids)
        (directory / f"{kind}.ids.json").write_text(json.dumps(self.ids), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, kind: str) -> Segment:
        ids = json.loads((directory / f"{kind}.ids.json").read_text(encoding="utf-8"))
        return cls(
            np.load(directory / f"{kind}.rowids.npy"),
            ids,
            Postings.load(directory, kind),
            VectorSegment.load(directory, kind),
        )


def read_segment(db: sqlite3.Connection, kind: str, title_weight: float) -> Segment:
    """The segment of every row of ``kind`` now in ``db`` (called at the end of a build),
    streamed: the tokens go straight into the postings, the vectors into one matrix."""
    n = db.execute("SELECT count(*) FROM docs WHERE kind = ?", (kind,)).fetchone()[0]
    rowids, ids, vectors = np.zeros(n, dtype=np.int64), [], VectorRows(n)

    def texts() -> Iterator[tuple[list[str], list[str]]]:
        rows = db.execute(
            "SELECT rowid, id, title, body, vector FROM docs WHERE kind = ? ORDER BY rowid",
            (kind,),
        )
        for i, (rowid, listing_id, title, body, blob) in enumerate(rows):
            rowids[i] = rowid
            ids.append(listing_id)
            vectors.put(i, blob)
            yield title.split(), body.split()

    postings = Postings.build(texts(), title_weight)
    return Segment(rowids, ids, postings, vectors.segment())


def _delta(
    db: sqlite3.Connection, kind: str
) -> tuple[list[int], list[str], list[tuple[list[str], list[str]]], list[bytes | None]]:
    """Rowids, ids, tokens and vector blobs of the rows written since the build."""
    rows = db.execute(
        "SELECT rowid, id, title, body, vector FROM docs WHERE kind = ? AND seg = 0 ORDER BY rowid",
        (kind,),
    ).fetchall()
    texts = [(title.split(), body.split()) for _, _, title, body, _ in rows]
    return [r[0] for r in rows], [r[1] for r in rows], texts, [r[4] for r in rows]


class View:
    """The segment and the delta of one kind at one data version, ready to be queried."""

    def __init__(
        self, db: sqlite3.Connection, segment: Segment, kind: str, title_weight: float
    ) -> None:
        self.segment = segment
        alive_rowids = np.fromiter(
            (
                r
                for (r,) in db.execute("SELECT rowid FROM docs WHERE kind = ? AND seg = 1", (kind,))
            ),
            dtype=np.int64,
        )
        self.alive = np.zeros(len(segment.ids), dtype=bool)
        self.alive[self.positions(alive_rowids)] = True
        self.dead = None if self.alive.all() else ~self.alive  # None: nothing to skip
        rowids, self.delta_ids, texts, blobs = _delta(db, kind)
        self.delta_rowids = np.asarray(rowids, dtype=np.int64)
        self.delta = Postings.build(texts, title_weight)
        self.delta_vectors = VectorSegment.build(blobs)
        self.count = int(self.alive.sum()) + len(self.delta_ids)
        tokens = float(segment.postings.lengths[self.alive].sum()) + float(self.delta.lengths.sum())
        avgdl = tokens / max(self.count, 1)
        self.norms = norms(segment.postings.lengths, avgdl), norms(self.delta.lengths, avgdl)

    def positions(self, rowids: np.ndarray) -> np.ndarray:
        """Segment positions of those ``rowids`` that are in the segment."""
        pos = np.searchsorted(self.segment.rowids, rowids)
        pos = np.clip(pos, 0, max(len(self.segment.rowids) - 1, 0))
        if not len(self.segment.rowids):
            return pos[:0]
        return pos[self.segment.rowids[pos] == rowids]

    @property
    def dimension(self) -> int:
        return int(self.segment.vectors.matrix.shape[1] or self.delta_vectors.matrix.shape[1])

    def masks(
        self, allowed: np.ndarray | None, excluded: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Segment and delta positions passing the filters: the live ones among ``allowed``
        rowids (all of them when None) less the ``excluded`` rowids."""
        if allowed is None:
            seg = self.alive.copy()
            delta = np.ones(len(self.delta_ids), dtype=bool)
        else:
            seg = np.zeros(len(self.alive), dtype=bool)
            seg[self.positions(allowed)] = True
            seg &= self.alive
            delta = np.isin(self.delta_rowids, allowed)
        if len(excluded):
            seg[self.positions(excluded)] = False
            delta &= ~np.isin(self.delta_rowids, excluded)
        return seg, delta

    def doc_freq(self, terms: Sequence[str]) -> dict[str, int]:
        seg, delta = self.segment.postings.counts(terms, self.dead), self.delta.counts(terms, None)
        out = {t: seg.get(t, 0) + delta.get(t, 0) for t in dict.fromkeys(terms)}
        return {t: n for t, n in out.items() if n}

    def lexical(
        self, tokens: Sequence[str], allowed: np.ndarray | None, excluded: np.ndarray, limit: int
    ) -> list[tuple[str, float]]:
        """(id, bm25) of the best ``limit`` documents holding a query token, best first."""
        query = Counter(tokens)
        seg_hits = self.segment.postings.postings(query, self.dead)
        delta_hits = self.delta.postings(query, None)
        df = {t: len(seg_hits[t][0]) if t in seg_hits else 0 for t in query}
        for term, (docs, _) in delta_hits.items():
            df[term] += len(docs)
        seg = bm25(seg_hits, query, df, self.norms[0], self.count)
        delta = bm25(delta_hits, query, df, self.norms[1], self.count)
        if allowed is not None or len(excluded):
            seg_mask, delta_mask = self.masks(allowed, excluded)
            seg[~seg_mask] = 0.0
            delta[~delta_mask] = 0.0
        return self._best(seg, delta, limit, positive=True)

    def vector(
        self, query: np.ndarray, allowed: np.ndarray | None, excluded: np.ndarray, limit: int
    ) -> list[tuple[str, float]]:
        """(id, cosine) of the nearest ``limit`` documents carrying a vector, best first."""
        seg_mask, delta_mask = self.masks(allowed, excluded)
        pos, scores = self.segment.vectors.search(query, seg_mask, limit)
        dpos, dscores = self.delta_vectors.search(query, delta_mask, limit)
        found = [(self.segment.ids[p], float(s)) for p, s in zip(pos, scores, strict=True)]
        found += [(self.delta_ids[p], float(s)) for p, s in zip(dpos, dscores, strict=True)]
        found.sort(key=lambda hit: (-hit[1], hit[0]))
        return found[:limit]

    def _best(
        self, seg: np.ndarray, delta: np.ndarray, limit: int, positive: bool
    ) -> list[tuple[str, float]]:
        found: list[tuple[str, float]] = []
        for scores, ids in ((seg, self.segment.ids), (delta, self.delta_ids)):
            candidates = np.flatnonzero(scores > 0) if positive else np.arange(len(scores))
            pos, best = top_k(scores[candidates], candidates, limit)
            found += [(ids[p], float(s)) for p, s in zip(pos, best, strict=True)]
        found.sort(key=lambda hit: (-hit[1], hit[0]))
        return found[:limit]
