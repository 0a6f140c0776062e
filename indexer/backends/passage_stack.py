"""Every passage of a small kind in one matrix, for rescoring a dense search by passages.

At the seed's size a dense search rescored the passages of every document of the kind (its
pool is at least ``PASSAGE_POOL_MIN`` documents): stacking hundreds of small per-document
matrices for each query cost more than the product itself. A kind with at most ``STACK_DOCS``
documents therefore keeps all its passages stacked once (until the next write), and a query
costs one product and one maximum per document's run of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

STACK_DOCS = 2_000  # kinds up to this many documents keep their passages stacked


@dataclass(frozen=True)
class PassageStack:
    ids: list[str]  # documents with passages, in row order
    texts: list[list[str]]  # each document's passages
    matrix: np.ndarray  # every passage vector, documents one after the other
    starts: np.ndarray  # first row of each document
    position: dict[str, int]  # document id -> its index in ``ids``

    @classmethod
    def build(
        cls, passages: dict[str, tuple[list[str], np.ndarray]], dimension: int
    ) -> PassageStack:
        kept = [(i, p) for i, p in passages.items() if p[0] and p[1].shape[1] == dimension]
        ids = [i for i, _ in kept]
        lengths = [len(p[0]) for _, p in kept]
        matrix = (np.concatenate([p[1] for _, p in kept]) if kept
                  else np.zeros((0, dimension), np.float32))  # fmt: skip
        starts = np.cumsum([0, *lengths[:-1]]) if kept else np.zeros(0, np.int64)
        return cls(ids, [p[0] for _, p in kept], matrix, starts,
                   {i: n for n, i in enumerate(ids)})  # fmt: skip

    def _best(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cosines = self.matrix @ query
        return cosines, np.maximum.reduceat(cosines, self.starts)

    def scores(self, query: np.ndarray, ids: Sequence[str]) -> dict[str, float]:
        """Each listed document's best passage cosine (documents without passages left out)."""
        if not self.ids:
            return {}
        _, best = self._best(query)
        return {i: float(best[self.position[i]]) for i in ids if i in self.position}

    def best(self, query: np.ndarray, ids: Sequence[str]) -> dict[str, tuple[str, float]]:
        """Each listed document's best passage: its text and cosine."""
        wanted = [i for i in ids if i in self.position]
        if not wanted:
            return {}
        out = {}
        for listing_id in wanted:
            n = self.position[listing_id]
            start = int(self.starts[n])
            part = self.matrix[start : start + len(self.texts[n])] @ query
            best = int(np.argmax(part))
            out[listing_id] = (self.texts[n][best], float(part[best]))
        return out
