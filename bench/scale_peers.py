"""Peers of the scale benchmark, run in the same process on the same data as the index.

- **lexical**: bm25s (Lucene variant) over the very tokens the embedded index holds (title and
  body), queried with the very token lists the matcher sends (repeats included);
- **dense**: the exact numpy floor, one float32 matrix product and a top-k partition over the
  same vectors; the index's answers are checked against it (recall@10).

Also the synthetic encoder: text of 100,000 listings cannot be embedded with the real e5 model
on two cores in bench time, so vectors come from a cheap deterministic model instead.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from indexer.base import Filters, SearchIndex

DIMENSION = 384  # as multilingual-e5-small's


class BigramEncoder:
    """A cheap stand-in model: the sum of fixed random vectors of a text's character bigrams
    (hashed into 2^14 buckets), L2-normalised, 384 dimensions. Texts sharing characters get
    similar vectors; it is a model of cost and of vector geometry, not of meaning."""

    name = "bench/char-bigram-384"
    dimension = DIMENSION
    asymmetric = False

    def __init__(self, seed: int = 13) -> None:
        rng = np.random.default_rng(seed)
        self.table = rng.standard_normal((2**14, DIMENSION)).astype(np.float32)

    def encode(self, texts: Sequence[str], query: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for i, text in enumerate(texts):
            codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
            if len(codes) < 2:
                codes = np.concatenate([codes, [0, 0]])
            buckets = (codes[:-1] * 40503 + codes[1:]) % 2**14
            out[i] = self.table[buckets].sum(axis=0)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


def stored(index_file: Path, kind: str) -> tuple[list[str], list[list[str]], np.ndarray]:
    """Ids, tokens (title + body) and vectors of one kind, as the embedded index holds them."""
    db = sqlite3.connect(f"file:{index_file}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT id, title, body, vector FROM docs WHERE kind = ? ORDER BY rowid", (kind,)
        ).fetchall()
    finally:
        db.close()
    ids = [r[0] for r in rows]
    tokens = [f"{r[1]} {r[2]}".split() for r in rows]
    vectors = np.stack([np.frombuffer(r[3], dtype=np.float32) for r in rows])
    return ids, tokens, vectors


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return round(statistics.median(ordered) * 1000, 2), round(p95 * 1000, 2)


def lexical_peer(
    index: SearchIndex, kind: str, tokens: list[list[str]], queries: list[list[str]], pool: int
) -> dict[str, float]:
    """Median and p95 of our lexical retrieval and of bm25s on the same queries."""
    import bm25s

    model = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    model.index(tokens, show_progress=False)
    ours, peer = [], []
    for q in queries:  # interleaved, so that both see the same load on a shared machine
        ours.append(_timed(lambda q=q: index.lexical(kind, q, Filters(), pool)))
        peer.append(
            _timed(
                lambda q=q: model.retrieve(
                    [q], k=min(pool, len(tokens)), show_progress=False, n_threads=1
                )
            )
        )
    (o50, o95), (p50, p95) = _ms(ours), _ms(peer)
    return {"ours_p50": o50, "ours_p95": o95, "bm25s_p50": p50, "bm25s_p95": p95,
            "ratio": round(o50 / p50, 2)}  # fmt: skip


def dense_peer(
    index: SearchIndex, kind: str, ids: list[str], matrix: np.ndarray, queries: np.ndarray,
    pool: int,
) -> dict[str, float]:  # fmt: skip
    """Median and p95 of our dense retrieval (the whole-vector scan, before any passage
    rescoring) and of the exact numpy floor; recall@10."""
    k = min(pool, len(ids))

    def exact(q: np.ndarray) -> list[str]:
        scores = matrix @ q
        top = np.argpartition(-scores, k - 1)[:k]
        return [ids[i] for i in top[np.argsort(-scores[top])]]

    ours, floor = [], []
    for q in queries:  # interleaved, so that both see the same load on a shared machine
        ours.append(_timed(lambda q=q: index.vector(kind, q, Filters(), pool, passages=False)))
        floor.append(_timed(lambda q=q: exact(q)))
    recalls = []
    for q in queries:
        truth = set(exact(q)[:10])
        got = {h.id for h in index.vector(kind, q, Filters(), pool, passages=False)[:10]}
        recalls.append(len(truth & got) / max(len(truth), 1))
    (o50, o95), (f50, f95) = _ms(ours), _ms(floor)
    recall = round(statistics.mean(recalls), 4)
    return {"ours_p50": o50, "ours_p95": o95, "numpy_p50": f50, "numpy_p95": f95,
            "ratio": round(o50 / f50, 2), "recall10": recall}  # fmt: skip
