"""Dense retrieval over one segment's vectors: an exact float32 scan, or an HNSW graph (faiss)
once a kind holds at least ``ann_threshold`` vectors.

The matrix is saved as ``.npy`` and memory-mapped (worker processes share it through the page
cache). The HNSW graph is built with the segment and saved beside it; it is searched with a
bitmap of the positions still allowed (alive, carrying a vector, passing the filters), so a
document changed since the build is never answered from its old vector. When the filters leave
few positions, scanning those exactly is cheaper than the graph and is what is done.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

# Graph degree and beam widths. Recall depends on the vectors: on clustered ones (as text
# embeddings are; tests/test_index_segments.py) recall@10 is ≥ 0.98, on near-random ones (the
# scale benchmark's synthetic vectors) far lower: docs/performance.md.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 100
HNSW_EF_SEARCH = 256  # at least the number of neighbours asked for
EXACT_BELOW_FRACTION = 0.05  # filters leaving fewer positions than this: exact scan of them


class VectorSegment:
    """The vectors of a segment's positions (``present`` says which carry one)."""

    def __init__(self, matrix: np.ndarray, present: np.ndarray, ann: Any = None) -> None:
        self.matrix = matrix
        self.present = present
        self.ann = ann

    @classmethod
    def build(cls, rows: list[bytes | None]) -> VectorSegment:
        """From float32 blobs (None: no vector)."""
        collected = VectorRows(len(rows))
        for i, blob in enumerate(rows):
            collected.put(i, blob)
        return collected.segment()

    def build_ann(self, threshold: int) -> None:
        """Build the HNSW graph when at least ``threshold`` positions carry a vector."""
        if int(self.present.sum()) < max(threshold, 1) or not self.matrix.shape[1]:
            return
        import faiss  # imported when a large segment is built or loaded

        ann = faiss.IndexHNSWFlat(self.matrix.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        ann.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        positions = np.flatnonzero(self.present).astype(np.int64)
        idmap = faiss.IndexIDMap(ann)
        idmap.add_with_ids(np.ascontiguousarray(self.matrix[positions]), positions)
        self.ann = idmap

    def save(self, directory: Path, prefix: str) -> None:
        np.save(directory / f"{prefix}.vectors.npy", self.matrix)
        np.save(directory / f"{prefix}.present.npy", self.present)
        if self.ann is not None:
            import faiss

            faiss.write_index(self.ann, str(directory / f"{prefix}.hnsw.faiss"))

    @classmethod
    def load(cls, directory: Path, prefix: str) -> VectorSegment:
        matrix = np.load(directory / f"{prefix}.vectors.npy", mmap_mode="r")
        present = np.load(directory / f"{prefix}.present.npy")
        graph = directory / f"{prefix}.hnsw.faiss"
        ann = None
        if graph.exists():
            import faiss

            ann = faiss.read_index(str(graph))
        return cls(matrix, present, ann)

    def search(
        self, query: np.ndarray, allowed: np.ndarray, limit: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(positions, cosines) of the best ``limit`` allowed positions, best first."""
        allowed = allowed & self.present
        n_allowed = int(allowed.sum())
        if not n_allowed or limit <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self.ann is not None and n_allowed >= EXACT_BELOW_FRACTION * len(allowed):
            return self._graph(query, allowed, min(limit, n_allowed))
        if n_allowed * 4 >= len(allowed):  # most allowed: scan all, drop the others' scores
            scores = np.asarray(self.matrix @ query)
            if n_allowed < len(allowed):
                scores = np.where(allowed, scores, -np.inf)
            positions = np.arange(len(allowed))
            return top_k(scores, positions, min(limit, n_allowed))
        positions = np.flatnonzero(allowed)  # a few: gather those rows only
        return top_k(np.asarray(self.matrix[positions] @ query), positions, limit)

    def _graph(
        self, query: np.ndarray, allowed: np.ndarray, limit: int
    ) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
        params.efSearch = max(HNSW_EF_SEARCH, limit)
        if not allowed.all():
            bitmap = np.packbits(allowed, bitorder="little")
            params.sel = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
        scores, labels = self.ann.search(query[None, :], limit, params=params)
        keep = labels[0] >= 0
        return labels[0][keep], scores[0][keep]


class VectorRows:
    """Float32 blobs collected row by row into one matrix (sized at the first vector; a row of
    another dimension counts as none)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.matrix: np.ndarray | None = None
        self.present = np.zeros(n, dtype=bool)

    def put(self, i: int, blob: bytes | None) -> None:
        if blob is None:
            return
        row = np.frombuffer(blob, dtype=np.float32)
        if self.matrix is None:
            self.matrix = np.zeros((self.n, len(row)), dtype=np.float32)
        if len(row) == self.matrix.shape[1]:
            self.matrix[i] = row
            self.present[i] = True

    def segment(self) -> VectorSegment:
        matrix = self.matrix if self.matrix is not None else np.zeros((self.n, 0), np.float32)
        return VectorSegment(matrix, self.present)


def top_k(scores: np.ndarray, positions: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best (positions, scores), best first."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=scores.dtype)
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return positions[top], scores[top]
