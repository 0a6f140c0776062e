"""BM25 over in-memory postings, scored exactly as SQLite FTS5's ``bm25()`` scores.

FTS5 has no top-k pruning: an OR query of a need's 50–150 terms scores every row that holds
any of them, one row and one phrase at a time, which at 100,000 listings is most of the table.
Here the postings of one kind are a compressed sparse column matrix (term → documents and their
weighted term frequencies) in numpy arrays, so a query costs the length of its terms' posting
lists in vectorised arithmetic, as bm25s does. Unlike bm25s the scores are not precomputed: the
statistics (documents, lengths, document frequencies) are read at query time, so a segment
built once and a few documents changed since (``segments.py``) score together exactly as one
FTS5 table would.

FTS5's formula: for each query phrase (a repeated token counts again) with ``n`` matching rows
of ``N``, ``idf = ln((N - n + 0.5) / (n + 0.5))`` (at least 1e-6) and ``score += idf · f ·
(k1 + 1) / (f + k1 · (1 - b + b · D / avgD))``, where ``f`` is the column-weighted frequency and
``D`` the row's tokens over all columns; k1 = 1.2, b = 0.75.
"""

from __future__ import annotations

import json
import math
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

K1, B = 1.2, 0.75
ARRAYS = ("indptr", "docs", "tf", "lengths")


@dataclass
class Postings:
    """Term → (document positions, weighted frequencies); one document length per position."""

    vocab: dict[str, int]
    indptr: np.ndarray  # int64, len(vocab) + 1
    docs: np.ndarray  # int32 document positions, grouped by term
    tf: np.ndarray  # float32 column-weighted term frequencies, parallel to ``docs``
    lengths: np.ndarray  # float32 tokens of each document (all columns, unweighted)

    @classmethod
    def build(
        cls, texts: Iterable[tuple[Sequence[str], Sequence[str]]], title_weight: float
    ) -> Postings:
        """Postings of (title tokens, body tokens) pairs, positions in the order given."""
        vocab: dict[str, int] = {}
        terms, docs, tfs, lengths = array("i"), array("i"), array("f"), array("f")
        for position, (title, body) in enumerate(texts):
            weighted: dict[str, float] = dict(Counter(body))
            for token in title:
                weighted[token] = weighted.get(token, 0.0) + title_weight
            for token, f in weighted.items():
                terms.append(vocab.setdefault(token, len(vocab)))
                docs.append(position)
                tfs.append(f)
            lengths.append(len(title) + len(body))
        term_ids = np.frombuffer(terms, dtype=np.int32)
        order = np.argsort(term_ids, kind="stable")
        counts = np.bincount(term_ids, minlength=len(vocab))
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return cls(
            vocab,
            indptr,
            np.frombuffer(docs, dtype=np.int32)[order].copy(),
            np.frombuffer(tfs, dtype=np.float32)[order].copy(),
            np.frombuffer(lengths, dtype=np.float32).copy(),
        )

    @property
    def size(self) -> int:
        return len(self.lengths)

    def save(self, directory: Path, prefix: str) -> None:
        (directory / f"{prefix}.vocab.json").write_text(
            json.dumps(list(self.vocab), ensure_ascii=False), encoding="utf-8"
        )
        for name in ARRAYS:
            np.save(directory / f"{prefix}.{name}.npy", getattr(self, name))

    @classmethod
    def load(cls, directory: Path, prefix: str) -> Postings:
        """The arrays are memory-mapped: worker processes share one copy in the page cache."""
        terms = json.loads((directory / f"{prefix}.vocab.json").read_text(encoding="utf-8"))
        arrays = [np.load(directory / f"{prefix}.{name}.npy", mmap_mode="r") for name in ARRAYS]
        return cls({t: i for i, t in enumerate(terms)}, *arrays)

    def postings(
        self, query: Iterable[str], dead: np.ndarray | None
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per known query term, its (positions, frequencies), ``dead`` positions left out."""
        out = {}
        for term in query:
            tid = self.vocab.get(term)
            if tid is None:
                continue
            start, end = self.indptr[tid], self.indptr[tid + 1]
            docs, tf = self.docs[start:end], self.tf[start:end]
            if dead is not None:
                keep = ~dead[docs]
                docs, tf = docs[keep], tf[keep]
            if len(docs):
                out[term] = (docs, tf)
        return out

    def counts(self, terms: Iterable[str], dead: np.ndarray | None) -> dict[str, int]:
        """Documents holding each known term, ``dead`` positions left out."""
        out = {}
        for term in terms:
            tid = self.vocab.get(term)
            if tid is None:
                continue
            start, end = int(self.indptr[tid]), int(self.indptr[tid + 1])
            out[term] = end - start
            if dead is not None and end > start:
                out[term] -= int(np.count_nonzero(dead[self.docs[start:end]]))
        return out


def norms(lengths: np.ndarray, avgdl: float) -> np.ndarray:
    """The length part of BM25's denominator per position: k1 · (1 - b + b · D / avgD)."""
    return (K1 * (1 - B + B * lengths / max(avgdl, 1e-9))).astype(np.float32)


def bm25(
    hits: dict[str, tuple[np.ndarray, np.ndarray]],
    query: Counter[str],
    df: dict[str, int],
    norm: np.ndarray,
    n_docs: int,
) -> np.ndarray:
    """FTS5's bm25 of every position of one posting set (0 where no query term occurs);
    ``df`` and ``n_docs`` are the statistics of all segments together, ``norm`` is ``norms``
    of the positions' lengths over the average length of all segments."""
    if not hits:
        return np.zeros(len(norm), dtype=np.float64)
    all_docs, all_weights = [], []
    for term, (docs, tf) in hits.items():
        n = df[term]
        idf = max(math.log((n_docs - n + 0.5) / (n + 0.5)), 1e-6) * query[term]
        all_docs.append(docs)
        all_weights.append(tf * np.float32(idf * (K1 + 1)) / (tf + norm[docs]))
    weights = np.concatenate(all_weights)
    return np.bincount(np.concatenate(all_docs), weights, minlength=len(norm))
