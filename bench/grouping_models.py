"""The fitted alternatives of ``bench/grouping_signals.py``: a pair classifier, mutual nearest
neighbours, and choosing the blend itself on the training folds. Each is cross-validated by
``grouping_folds`` like the service's cut."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from service.programmes.common_needs.grouping import cluster
from service.programmes.common_needs.grouping_eval import SWEEP
from service.programmes.common_needs.grouping_folds import (
    SHUFFLES,
    HeldOut,
    Labels,
    cross_validate_fitted,
)

MATCHED_TOP = 10  # a need's best achievements kept in its profile


def matched_profile(parts: Any, needs: Sequence[Any]) -> np.ndarray:
    """Needs alike when the matcher gives the same achievements a high match probability: the
    cosine of each need's probabilities over its ``MATCHED_TOP`` best achievements (the needs
    must be in the catalog and the index: a seeded, indexed ``TECHMATCH_HOME``)."""
    from service.listings.schemas import Kind

    rows = []
    for need in needs:
        _, _, scored = parts.matcher.candidates(Kind.need, parts.catalog.get(Kind.need, need.id))
        rows.append({c.id: c.probability or 0.0 for c in scored[:MATCHED_TOP]})
    columns = {a: j for j, a in enumerate(sorted({a for r in rows for a in r}))}
    profile = np.zeros((len(needs), max(len(columns), 1)))
    for i, row in enumerate(rows):
        for achievement, probability in row.items():
            profile[i, columns[achievement]] = probability
    norms = np.linalg.norm(profile, axis=1, keepdims=True)
    profile = profile / np.where(norms == 0, 1, norms)
    sim: np.ndarray = profile @ profile.T
    np.fill_diagonal(sim, 1.0)
    return sim


PROBABILITY_CUTS = [round(float(c), 5) for c in np.geomspace(0.0005, 0.2, 40)]


def neighbour_rank(sim: np.ndarray) -> np.ndarray:
    """−log(1 + r), r the better of the two needs' ranks of each other (0: nearest)."""
    others = sim.copy()
    np.fill_diagonal(others, -np.inf)
    ranks = np.argsort(np.argsort(-others, axis=1), axis=1)
    out: np.ndarray = -np.log1p(np.minimum(ranks, ranks.T))
    return out


def mutual_knn_labels(sim: np.ndarray, threshold: float, k: int) -> np.ndarray:
    """Connected components of the pairs that are among each other's ``k`` nearest and closer
    than ``threshold`` (distance 1 − similarity)."""
    from scipy.sparse.csgraph import connected_components

    edges = neighbour_rank(sim) > -np.log1p(k)  # both ranks below k
    edges &= sim >= 1.0 - threshold
    np.fill_diagonal(edges, False)
    labels: np.ndarray = connected_components(edges, directed=False)[1]
    return labels


def cv_pair_classifier(
    needs: Sequence[Any],
    reference: Mapping[str, str],
    signals: Mapping[str, np.ndarray],
    features: Sequence[str],
    folds: int,
    c: float = 1.0,
    shuffles: int = SHUFFLES,
) -> HeldOut:
    """Logistic regression on the pairs' signals (``rank:<name>``: the nearest-neighbour rank of
    a signal), fitted on the pairs of training needs; its probability is the similarity the
    tree is cut on (rank-scaled, so one grid of cuts serves every fold)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    n = len(needs)
    upper = np.triu_indices(n, 1)
    columns = [
        neighbour_rank(signals[f[5:]]) if f.startswith("rank:") else signals[f] for f in features
    ]
    x = np.column_stack([m[upper] for m in columns])
    group = np.array([reference.get(need.id, "") for need in needs])
    y = ((group[:, None] == group[None, :]) & (group[:, None] != ""))[upper]

    def fit(training: np.ndarray) -> Labels:
        rows = training[upper[0]] & training[upper[1]]
        scaler = StandardScaler().fit(x[rows])
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
        model.fit(scaler.transform(x[rows]), y[rows])
        score = model.decision_function(scaler.transform(x))
        sim = np.zeros((n, n))
        sim[upper] = np.argsort(np.argsort(score)) / (len(score) - 1)
        sim = sim + sim.T
        np.fill_diagonal(sim, 1.0)
        return lambda t: cluster(sim, t)

    return cross_validate_fitted(needs, reference, PROBABILITY_CUTS, fit, folds, shuffles)


def nested_choice(
    needs: Sequence[Any],
    reference: Mapping[str, str],
    blends: Mapping[str, np.ndarray],
    folds: int,
    shuffles: int = SHUFFLES,
) -> HeldOut:
    """The blend and its cut both chosen on the training folds: what picking the best row of
    the blend table promises, the choice itself held out."""
    labels = {(name, t): cluster(sim, t) for name, sim in blends.items() for t in SWEEP}
    # encode (blend, cut) as one number so the cross-validation's grid search picks both
    keys = sorted(labels)
    grid = [float(i) for i in range(len(keys))]
    held = cross_validate_fitted(
        needs, reference, grid, lambda _: lambda i: labels[keys[int(i)]], folds, shuffles
    )
    return replace(held, threshold=float("nan"), cuts=[])  # no single cut to show
