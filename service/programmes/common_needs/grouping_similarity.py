"""How alike two needs are, for grouping: words, and with a model loaded, meaning.

Four signals, each a matrix over all pairs of the needs:

- *words*: cosine of tf-idf vectors over ``Analyzer.words`` (title counted twice, description,
  keywords; words in 2 to 30 % of the needs);
- *whole need*: cosine of the encoder's vectors of each need's full text, in the query role
  (a need is compared as what it is, a question, on the same footing as the other need);
- *whole need without its product*: the same, with the words of the enterprise's own name taken
  out of the text (``without_name``): an enterprise is named for its line of business
  (秦巴魔芋开发, 麻源苎麻专业合作社, 石梯乌梅加工厂), so what remains is the problem stated
  — harvesting on slopes, drying, a rusting part — rather than the crop or material;
- *sentence alignment without the product*: each sentence of one need (the title and each
  sentence of the description, its enterprise's name words taken out, query role) takes its
  best cosine in the other need; the mean over one need's sentences, averaged both ways. A need
  written as symptoms in its own words ("收割机下田就陷") lines up with the sentence of another
  need that states the same problem, whatever else either need says.

With a model the four are brought onto the distribution of the word cosine (rank for rank) and
averaged; without one the word cosine alone is the similarity. Which signals, the masking and
the role of the vectors were chosen by cross-validation over folds of the reference groups
(``bench/grouping_signals.py``; docs/quality.md "Common needs"). Every text encoded here is
shipped precomputed for the seed needs (``query_texts``, ``bench/seed_vectors.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from indexer.analysis import Analyzer
from indexer.documents import full_text, passages
from indexer.embedding import SemanticEncoder

ALIGN_CHUNK = 256  # needs per block when aligning sentences (memory ∝ chunk × all sentences)


@dataclass(frozen=True)
class Signals:
    """The pairwise signals of a list of needs (``semantic`` is empty without a model)."""

    words: np.ndarray
    vocabulary: list[str]
    matrix: np.ndarray  # tf-idf rows, L2-normalised (the groups' key terms come from it)
    semantic: tuple[np.ndarray, ...] = ()  # whole need, and whole and sentences without product

    def blended(self) -> np.ndarray:
        """The similarity the clustering cuts: the word cosine alone, or with a model the mean
        of the signals on the word cosine's scale."""
        sim = self.words.copy()
        if self.semantic and len(sim) > 2:
            mixed = (sim + sum(on_scale(s, self.words) for s in self.semantic)) / (
                1 + len(self.semantic)
            )
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

    def without_product(self, need: Any) -> tuple[str, list[str]]:
        """The need's full text and its sentences with its enterprise's name words taken out."""
        name = self.analyzer.words(need.organisation)
        return without_name(full_text(need), name), [without_name(p, name) for p in passages(need)]

    def query_texts(self, needs: Sequence[Any]) -> list[str]:
        """Every text ``signals`` encodes (all in the query role), in order."""
        return self._texts(needs)[0]

    def _texts(self, needs: Sequence[Any]) -> tuple[list[str], list[int]]:
        """The texts to encode (whole needs, whole needs and their sentences without the
        product) and each need's number of sentences."""
        masked = [self.without_product(n) for n in needs]
        texts = [
            *(full_text(n) for n in needs),
            *(whole for whole, _ in masked),
            *(p for _, pieces in masked for p in pieces),
        ]
        return texts, [len(pieces) for _, pieces in masked]

    def signals(self, needs: Sequence[Any], semantic: bool = True) -> Signals:
        """All signals of ``needs``; ``semantic=False`` leaves the encoder out."""
        words, vocabulary, matrix = self.lexical(needs)
        if not (semantic and self.encoder.available) or len(needs) < 2:
            return Signals(words, vocabulary, matrix)
        texts, counts = self._texts(needs)
        vectors = self.encoder.encode(texts, query=True)
        if vectors is None:
            return Signals(words, vocabulary, matrix)
        n = len(needs)
        whole, masked, sentences = vectors[:n], vectors[n : 2 * n], vectors[2 * n :]
        found = (cosine(whole), cosine(masked), aligned(sentences, counts))
        return Signals(words, vocabulary, matrix, found)

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


def without_name(text: str, name_words: Iterable[str]) -> str:
    """``text`` without the words of an enterprise's name (``Analyzer.words`` of the name:
    its place, its line of business, its legal form), the longest first: "坡地魔芋机械化收获"
    of 秦巴魔芋开发有限公司 -> "坡地机械化收获". What is left states the problem, not the
    product. Words of one length go in character order, so the result never depends on the
    order of a set (脆李园 of 金李园脆李专业合作社 loses 脆李 or 李园, always the same)."""
    for word in sorted(set(name_words), key=lambda w: (-len(w), w)):
        text = text.replace(word, "")
    return text


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
