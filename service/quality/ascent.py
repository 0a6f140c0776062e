"""Fitting the fusion and feature weights on judgments: coordinate ascent on nDCG@10.

Each judged need's candidates are scored once with every component switched on; a candidate's
total under any weights is then the weighted sum of its component values (the retrievers'
rank scores (k+1)/(k+rank) and the structured features), so a search over weights needs no
further retrieval. The search moves one coefficient at a time over a fixed grid and keeps a
move only when the mean nDCG@10 of the training needs rises; ``lexical`` stays fixed as the
scale. ``cross_validate`` reports figures on needs held back from each fit only.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from indexer.base import Progress
from service.matching.weights import FEATURES, RETRIEVERS, Weights
from service.quality.evaluation import Qrels, score_run

GRID = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0)
ANCHOR = "lexical"
COMPONENTS = (*RETRIEVERS, *FEATURES)

Pool = dict[str, list[tuple[str, dict[str, float]]]]  # need -> [(achievement, values)]
Fitter = Callable[[Pool, Qrels, Mapping[str, float], Sequence[str]], dict[str, float]]


def coefficients(weights: Weights, present: Sequence[str] = RETRIEVERS) -> dict[str, float]:
    """One coefficient per component, as the matcher's weighted sum applies them.

    The matcher scales the text score by the retrievers that ran (``present``), so the text
    weight is shared among them; an absent retriever keeps its ratio to the others.
    """
    share = sum(weights.retrievers.get(r, 0.0) for r in present) or 1.0
    coef = {r: weights.text * weights.retrievers.get(r, 0.0) / share for r in RETRIEVERS}
    coef.update({f: weights.of(f) for f in FEATURES})
    return coef


def rank(pool: Pool, coef: Mapping[str, float]) -> dict[str, list[str]]:
    """Each need's candidates ordered by their weighted total (ties by id, as the matcher)."""
    run = {}
    for need, items in pool.items():
        scored = sorted(
            items, key=lambda it: (-sum(coef.get(c, 0.0) * v for c, v in it[1].items()), it[0])
        )
        run[need] = [a for a, _ in scored[:100]]
    return run


@dataclass
class _Need:
    matrix: np.ndarray  # candidates (sorted by id) x components
    gains: np.ndarray  # each candidate's grade
    ideal: float  # the ideal DCG@10


def _prepare(pool: Pool, qrels: Qrels, components: Sequence[str]) -> list[_Need]:
    prepared = []
    for need, items in pool.items():
        judged = qrels.get(need, {})
        grades = sorted((g for g in judged.values() if g > 0), reverse=True)[:10]
        if not grades:
            continue
        items = sorted(items, key=lambda it: it[0])
        matrix = np.array([[v.get(c, 0.0) for c in components] for _, v in items], dtype=float)
        gains = np.array([max(judged.get(a, 0), 0) for a, _ in items], dtype=float)
        ideal = float(sum(g / np.log2(i + 2) for i, g in enumerate(grades)))
        prepared.append(_Need(matrix.reshape(len(items), len(components)), gains, ideal))
    return prepared


_DISCOUNT = 1.0 / np.log2(np.arange(2, 12))


def _mean_ndcg(prepared: list[_Need], vector: np.ndarray) -> float:
    total = 0.0
    for need in prepared:
        order = np.argsort(-(need.matrix @ vector), kind="stable")[:10]
        total += float(need.gains[order] @ _DISCOUNT[: len(order)]) / need.ideal
    return total / len(prepared) if prepared else 0.0


def mean_ndcg(pool: Pool, qrels: Qrels, coef: Mapping[str, float]) -> float:
    """Mean nDCG@10 of the judged needs under the coefficients."""
    names = sorted(coef)
    return _mean_ndcg(_prepare(pool, qrels, names), np.array([coef[c] for c in names]))


def fit(
    pool: Pool,
    qrels: Qrels,
    start: Mapping[str, float],
    components: Sequence[str] = COMPONENTS,
    passes: int = 4,
) -> dict[str, float]:
    """Coordinate ascent from ``start``; returns the coefficients with the best training nDCG."""
    names = list(components)
    vector = np.array([float(start.get(c, 0.0)) for c in names])
    anchor = names.index(ANCHOR)
    vector[anchor] = vector[anchor] or 0.5
    scale = vector[anchor] / 0.5
    prepared = _prepare(pool, qrels, names)
    best = _mean_ndcg(prepared, vector)
    for _ in range(passes):
        moved = False
        for i in range(len(names)):
            if i == anchor:
                continue
            for value in GRID:
                trial = vector.copy()
                trial[i] = value * scale
                score = _mean_ndcg(prepared, trial)
                if score > best + 1e-6:
                    best, vector, moved = score, trial, True
        if not moved:
            break
    return {**start, **{c: float(v) for c, v in zip(names, vector, strict=True)}}


@dataclass
class CrossValidation:
    folds: int
    before: dict[str, float]  # the starting weights, scored on held-back needs
    after: dict[str, float]  # weights fitted on the other folds, scored on held-back needs
    before_runs: dict[str, list[str]]
    after_runs: dict[str, list[str]]


def folds_of(needs: Sequence[str], k: int, seed: int = 13) -> list[list[str]]:
    """A seeded shuffle of the judged needs cut into ``k`` folds."""
    order = sorted(needs)
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def cross_validate(
    pool: Pool,
    qrels: Qrels,
    start: Mapping[str, float],
    k: int = 5,
    components: Sequence[str] = COMPONENTS,
    progress: Progress | None = None,
    fitter: Fitter | None = None,
) -> CrossValidation:
    """k-fold: fit on k-1 folds, rank the held-back fold; every need is scored held-back once.

    ``fitter`` learns coefficients from a pool (default: this module's coordinate ascent).
    """
    fitter = fitter or fit
    judged = [n for n in pool if any(g > 0 for g in qrels.get(n, {}).values())]
    before: dict[str, list[str]] = {}
    after: dict[str, list[str]] = {}
    for fold in folds_of(judged, k):
        held = set(fold)
        train = {n: v for n, v in pool.items() if n not in held}
        coef = fitter(train, qrels, start, components)
        test = {n: pool[n] for n in fold}
        before.update(rank(test, start))
        after.update(rank(test, coef))
        if progress:
            progress("cross-validating weights", 1)
    scored = {n: qrels[n] for n in judged}
    return CrossValidation(k, score_run(before, scored), score_run(after, scored), before, after)
