"""Sentence alignment between a need and an achievement, measured as one more learned
component on the development set (``techmatch report``'s row; ``bench/alignment_ablation.py``
has the variants).

The need's title and each sentence are embedded on their own with the query role; each
achievement's passages (title and each sentence: ``indexer.documents.passages``; the index
stores the first three) with the passage role. A pair's ``alignment`` is the mean over the need's
sentences of each one's best cosine in the achievement: how much of what the need says some
sentence of the achievement answers. It is scaled by ``SCALE`` so that the regularised pairwise
fit can weigh it beside components that spread over [0, 1] (raw cosines differ by hundredths).

It is not part of the matcher: on held-out folds it helps technical needs and not problem-worded
ones (docs/quality.md), so it ships nowhere and costs nothing per match.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from indexer.documents import passages
from indexer.embedding import SemanticEncoder
from service.catalog import Catalog
from service.listings.schemas import Kind, Listing
from service.quality.ascent import Pool

NAME = "alignment"
SCALE = 20.0


def with_alignment(
    pool: Pool, needs: Mapping[str, Listing], catalog: Catalog, encoder: SemanticEncoder
) -> Pool:
    """``pool`` with each candidate's ``alignment`` added (0 without a model or a text)."""
    if not encoder.available:
        return {n: [(a, {**v, NAME: 0.0}) for a, v in items] for n, items in pool.items()}
    ids = sorted({a for items in pool.values() for a, _ in items})
    found = catalog.get_many(Kind.achievement, ids)
    texts = {a: passages(found[a]) for a in ids if a in found}
    flat = [t for a in texts for t in texts[a]]
    owner = np.array([i for i, a in enumerate(texts) for _ in texts[a]])
    position = {a: i for i, a in enumerate(texts)}
    vectors = encoder.encode(flat)
    out: Pool = {}
    for need_id, items in pool.items():
        need = needs.get(need_id) or catalog.get(Kind.need, need_id)
        query = encoder.encode(passages(need), query=True)
        score = _mean_best(query, vectors, owner, len(texts))
        out[need_id] = [
            (a, {**v, NAME: SCALE * float(score[position[a]]) if a in position else 0.0})
            for a, v in items
        ]
    return out


def _mean_best(
    query: np.ndarray | None, vectors: np.ndarray | None, owner: np.ndarray, docs: int
) -> np.ndarray:
    """Per document: the mean over the query's sentences of each one's best passage cosine."""
    if query is None or vectors is None or not len(query) or not len(vectors):
        return np.zeros(docs)
    sims = query @ vectors.T  # sentences x passages
    best = np.full((len(query), docs), -1.0)
    for row in range(len(query)):
        np.maximum.at(best[row], owner, sims[row])
    return np.asarray(best.mean(axis=0))
