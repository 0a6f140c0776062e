"""Learned ranking: a pairwise logistic model (scikit-learn) over the match components.

For every judged need, each relevant candidate is paired with up to ``NEGATIVES`` candidates
judged not relevant; a logistic regression learns which component differences predict the
better of the pair (a RankSVM-style linear model, weighted by the relevant candidate's grade).
Its coefficients, clipped at zero and scaled to sum to one, become the matcher's weights, so the
explanation bars show exactly the model that ranked the list. ``ascent.fit`` (coordinate ascent
on nDCG@10) is the alternative the report compares it with.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

import numpy as np

from service.quality.ascent import COMPONENTS, Pool
from service.quality.evaluation import Qrels

NEGATIVES = 30  # negatives sampled per relevant candidate
C = 0.1  # inverse regularisation strength: measured on the dev set (0.1 ≈ 1.0 held-out)


def fit(
    pool: Pool,
    qrels: Qrels,
    start: Mapping[str, float],
    components: Sequence[str] = COMPONENTS,
) -> dict[str, float]:
    """Coefficients learned from the pool's judged pairs (``start`` fills what is not fitted)."""
    from sklearn.linear_model import LogisticRegression  # heavy: imported when used

    names = list(components)
    rng = random.Random(7)
    rows: list[np.ndarray] = []
    weights: list[float] = []
    for need, items in sorted(pool.items()):
        judged = qrels.get(need, {})
        vectors = {a: np.array([v.get(c, 0.0) for c in names]) for a, v in items}
        positives = [a for a in sorted(vectors) if judged.get(a, 0) > 0]
        negatives = [a for a in sorted(vectors) if judged.get(a, 0) <= 0]
        for good in positives:
            for bad in rng.sample(negatives, min(len(negatives), NEGATIVES)):
                rows.append(vectors[good] - vectors[bad])
                weights.append(float(judged[good]))
    if not rows:
        return dict(start)
    x = np.vstack([np.array(rows), -np.array(rows)])
    y = np.array([1] * len(rows) + [0] * len(rows))
    model = LogisticRegression(C=C, fit_intercept=False, max_iter=5000)
    model.fit(x, y, sample_weight=np.array(weights + weights))
    coef = np.clip(model.coef_[0], 0.0, None)
    scale = float(coef.sum()) or 1.0
    return {**start, **{c: float(v) / scale for c, v in zip(names, coef, strict=True)}}
