"""How alike two needs are, for grouping: words, and with a model loaded, meaning.

Three signals, each a matrix over all pairs of the needs:

- *words*: cosine of tf-idf vectors over ``Analyzer.words`` (title counted twice, description,
  keywords; words in 2 to 30 % of the needs);
- *whole need*: cosine of the encoder's vectors of each need's full text, both in the query role
  (a need is compared as what it is, a question, on the same footing as the other need);
- *sentence alignment*: each sentence of one need (the title and each sentence of the
  description, the passages the index already embeds) takes its best cosine in the other need;
  the mean over one need's sentences, averaged both ways. A need written as symptoms in its own
  words ("收割机下田就陷") lines up with the sentence of another need that states the same
  problem, whatever else either need says.

With a model the three are brought onto the distribution of the word cosine (rank for rank) and
averaged; without one the word cosine alone is the similarity. Which signals, and the role of
the vectors, were chosen by cross-validation over folds of the reference groups
(``bench/grouping_signals.py``; docs/quality.md "Common needs").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from indexer.analysis import Analyzer
from indexer.documents import full_text, passages
from indexer.embedding import SemanticEncoder

ALIGN_CHUNK = 256  # needs per block when aligning sentences (memory ∝ chunk × all sentences)


@dataclass(frozen=True)
class Signals:
    """The pairwise signals of a list of needs (``whole`` and ``aligned`` are None lexical)."""

    words: np.ndarray
    vocabulary: list[str]
    matrix: np.ndarray  # tf-idf rows, L2-normalised (the groups' key terms come from it)
    whole: np.ndarray | None = None
    aligned: np.ndarray | None = None

    def blended(self) -> np.ndarray:
        """The similarity the clustering cuts: the word cosine alone, or with a model the mean
        of the three signals on the word cosine's scale."""
        sim = self.words.copy()
        semantic = [s for s in (self.whole, self.aligned) if s is not None]
        if semantic and len(sim) > 2:
            mixed = (sim + sum(on_scale(s, self.words) for s in semantic)) / (1 + len(semantic))
            sim = on_scale(mixed, self.words)  # where the cut was measured
        np.fill_diagonal(sim, 1.0)
        return sim


class NeedSimilarity:
    """Computes :class:`Signals` for needs with the analyzer and, when loaded, the encoder."""

    def __init__(self, analyzer: Analyzer, encoder: SemanticEncoder) -> None:
        self.analyzer = analyzer
        self.encoder = encoder

    def words(self, need: Any) -> list[str]:
        keywords = " ".join(need.keywords)
        return self.analyzer.words(f"{need.title} {need.title} {need.description} {keywords}")

    def signals(self, needs: Sequence[Any], semantic: bool = True) -> Signals:
        """All signals of ``needs``; ``semantic=False`` leaves the encoder out."""
        words, vocabulary, matrix = self.lexical(needs)
        if not (semantic and self.encoder.available) or len(needs) < 2:
            return Signals(words, vocabulary, matrix)
        whole = self.encoder.encode([full_text(n) for n in needs], query=True)
        pieces = [passages(n) for n in needs]
        flat = self.encoder.encode([p for ps in pieces for p in ps])
        if whole is None or flat is None:
            return Signals(words, vocabulary, matrix)
        return Signals(
            words, vocabulary, matrix, cosine(whole), aligned(flat, [len(p) for p in pieces])
        )

    def lexical(self, needs: Sequence[Any]) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Word cosine, the vocabulary and the tf-idf matrix (rows L2-normalised)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(
            analyzer=lambda words: words,
            sublinear_tf=True,
            min_df=2 if len(needs) >= 20 else 1,
            max_df=0.3 if len(needs) >= 20 else 1.0,
        )
        matrix = vectorizer.fit_transform([self.words(n) for n in needs]).toarray()
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = matrix / np.where(norms == 0, 1, norms)
        sim = matrix @ matrix.T
        np.fill_diagonal(sim, 1.0)
        return sim, list(vectorizer.get_feature_names_out()), matrix


def cosine(vectors: np.ndarray) -> np.ndarray:
    unit = _unit(vectors)
    sim: np.ndarray = unit @ unit.T
    np.fill_diagonal(sim, 1.0)
    return sim


def aligned(vectors: np.ndarray, counts: Sequence[int]) -> np.ndarray:
    """Sentence alignment of needs whose sentence vectors are ``vectors``, ``counts[i]`` of them
    for need i in order: ``A[i, j]`` is the mean over i's sentences of the best cosine with a
    sentence of j; the result is ``(A + Aᵀ) / 2``."""
    unit = _unit(vectors)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)
    sizes = np.asarray(counts, dtype=float)
    n = len(counts)
    best_mean = np.zeros((n, n))
    for first in range(0, n, ALIGN_CHUNK):
        last = min(first + ALIGN_CHUNK, n)
        rows = slice(starts[first], starts[last] if last < n else len(unit))
        block = unit[rows] @ unit.T  # this chunk's sentences against every sentence
        best = np.maximum.reduceat(block, starts, axis=1)  # best match in each need
        local = starts[first:last] - starts[first]
        best_mean[first:last] = np.add.reduceat(best, local, axis=0) / sizes[first:last, None]
    sim: np.ndarray = (best_mean + best_mean.T) / 2
    np.fill_diagonal(sim, 1.0)
    return sim


def on_scale(other: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``other`` mapped onto the distribution of ``reference`` (off-diagonal), rank for rank:
    quantile normalisation, so a model's narrow cosine band needs no calibration and the cut
    keeps the meaning it was measured with."""
    mask = ~np.eye(len(other), dtype=bool)
    ranks = np.argsort(np.argsort(other[mask], kind="stable"), kind="stable")
    out = other.copy()
    out[mask] = np.sort(reference[mask])[ranks]
    symmetric: np.ndarray = (out + out.T) / 2  # ties may rank (i, j) and (j, i) apart
    return symmetric


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    out: np.ndarray = vectors / np.where(norms == 0, 1, norms)
    return out
