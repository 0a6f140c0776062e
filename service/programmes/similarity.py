"""A small in-memory tf-idf over the analyzer's tokens: cosine similarity of texts to a pool.

Enough for the expert pool (a few thousand records) and for proposing achievements to an
event; scikit-learn (already a dependency) does the sparse algebra, imported on first use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from indexer.analysis import Analyzer
from indexer.terms import TermExtractor


class TfIdfPool:
    """Documents tokenised once; ``similarities`` of a query to each of them in [0, 1]."""

    def __init__(self, analyzer: Analyzer, texts: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.analyzer = analyzer
        self.size = len(texts)
        self._vectorizer: Any = TfidfVectorizer(analyzer=self._tokens, sublinear_tf=True, norm="l2")
        self._matrix: Any = self._vectorizer.fit_transform(texts) if texts else None

    def _tokens(self, text: str) -> list[str]:
        return [t for t in self.analyzer.tokens(text) if self.analyzer.is_key_term(t)]

    def similarities(self, text: str) -> np.ndarray:
        if self._matrix is None:
            return np.zeros(0)
        query = self._vectorizer.transform([text])
        return np.asarray((self._matrix @ query.T).todense()).ravel()

    def matrix_similarities(self, texts: Sequence[str]) -> np.ndarray:
        """(pool documents × texts) cosine similarities."""
        if self._matrix is None or not texts:
            return np.zeros((self.size, len(texts)))
        other = self._vectorizer.transform(list(texts))
        return np.asarray((self._matrix @ other.T).todense())

    def idf(self, term: str) -> float:
        vocabulary = self._vectorizer.vocabulary_ if self._matrix is not None else {}
        index = vocabulary.get(term)
        return float(self._vectorizer.idf_[index]) if index is not None else 0.0


COMMON_SHARE = 0.15  # a word in more of the pool's documents than this tells nothing


def shared_words(
    analyzer: Analyzer,
    source: str,
    other: str,
    pool: TfIdfPool,
    terms: TermExtractor | None = None,
) -> list[str]:
    """Technical terms both texts use that are rare in the pool, rarest first (for
    explanations; ``TermExtractor``: no generic word, no fragment)."""
    extractor = terms or TermExtractor.for_analyzer(analyzer)
    n = pool.size
    floor = math.log((1 + n) / (1 + COMMON_SHARE * n)) + 1  # sklearn's smoothed idf
    common = set(extractor.shared(source, other))
    telling = [w for w in common if pool.idf(w) >= floor]
    return sorted(telling, key=lambda w: (-pool.idf(w), w))[:6]
