"""Cross-validating a grouping over folds of the reference groups.

The reference groups are dealt into ``folds`` folds after a seeded shuffle, and the needs in no
group are dealt the same way. For each fold the cut (and, for a fitted model, the model) is
chosen on the pairs of needs outside the fold and scored on the pairs that touch the fold;
the clustering itself always runs on all the needs, so the held-out needs meet as many
neighbours as in the service. The counts of every fold of every shuffle are summed (micro
average), and the spread of the F1 over shuffles says how much the split alone moves it.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FOLDS = 3
SHUFFLES = 10

Labels = Callable[[float], np.ndarray]  # cluster labels of all needs at a cut
Fit = Callable[[np.ndarray], Labels]  # needs to fit on (a mask) -> labels at a cut


@dataclass(frozen=True)
class HeldOut:
    """Held-out pairwise figures summed over folds and shuffles, and the cuts chosen."""

    folds: int
    shuffles: int
    threshold: float  # median of the cuts fitted on the training folds
    precision: float
    recall: float
    f1: float
    f1_spread: float  # standard deviation of the F1 over shuffles
    cuts: list[float] = field(default_factory=list)
    per_shuffle: list[float] = field(default_factory=list)  # the F1 of each shuffle

    def wins_over(self, other: HeldOut) -> int:
        """Shuffles (the same folds) on which this F1 is above ``other``'s."""
        return sum(a > b for a, b in zip(self.per_shuffle, other.per_shuffle, strict=True))

    def described(self) -> str:
        return (
            f"{self.folds} folds of the groups × {self.shuffles} shuffles, cut fitted on the "
            f"other folds (median {self.threshold:.2f}): P {self.precision:.3f}, "
            f"R {self.recall:.3f}, F1 {self.f1:.3f} ± {self.f1_spread:.3f}"
        )


def grouped(labels: np.ndarray, needs: Sequence[Any]) -> list[list[int]]:
    """Clusters of ``labels`` with needs of at least two enterprises, as positions."""
    clusters: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        clusters.setdefault(int(label), []).append(i)
    return [m for m in clusters.values() if len({needs[i].organisation for i in m}) >= 2]


def fold_of(
    needs: Sequence[Any], reference: Mapping[str, str], folds: int, shuffle: int
) -> np.ndarray:
    """The fold of each need: its reference group's, or for a need in no group its own."""
    rng = np.random.default_rng(shuffle)
    groups = sorted(set(reference.values()))
    rng.shuffle(groups)
    of_group = {g: i % folds for i, g in enumerate(groups)}
    free = [i for i, n in enumerate(needs) if n.id not in reference]
    rng.shuffle(free)
    out = np.array([of_group.get(reference.get(n.id, ""), 0) for n in needs])
    for rank, i in enumerate(free):
        out[i] = rank % folds
    return out


def cross_validate(
    needs: Sequence[Any],
    reference: Mapping[str, str],
    thresholds: Sequence[float],
    labels: Labels,
    folds: int = FOLDS,
    shuffles: int = SHUFFLES,
) -> HeldOut:
    """Held-out figures of one similarity (only the cut is fitted)."""
    cache: dict[float, np.ndarray] = {}

    def cached(threshold: float) -> np.ndarray:
        if threshold not in cache:
            cache[threshold] = labels(threshold)
        return cache[threshold]

    return cross_validate_fitted(needs, reference, thresholds, lambda _: cached, folds, shuffles)


def cross_validate_fitted(
    needs: Sequence[Any],
    reference: Mapping[str, str],
    thresholds: Sequence[float],
    fit: Fit,
    folds: int = FOLDS,
    shuffles: int = SHUFFLES,
) -> HeldOut:
    """Held-out figures of a similarity fitted on the needs outside each fold (``fit``)."""
    upper = np.triu_indices(len(needs), 1)
    truth = _together_reference(needs, reference)[upper]
    totals, per_shuffle, cuts = np.zeros(3), [], []
    for shuffle in range(shuffles):
        assignment = fold_of(needs, reference, folds, shuffle)
        counts = np.zeros(3)
        for fold in range(folds):
            held = assignment == fold
            test = held[upper[0]] | held[upper[1]]
            labels = fit(~held)
            together = {t: _together(labels(t), needs)[upper] for t in thresholds}
            cut = max(thresholds, key=lambda t: (_f1(_counts(together[t], truth, ~test)), -t))
            cuts.append(cut)
            counts += _counts(together[cut], truth, test)
        totals += counts
        per_shuffle.append(_f1(counts))
    hits, found, wanted = totals
    return HeldOut(
        folds=folds,
        shuffles=shuffles,
        threshold=float(statistics.median_low(cuts)),
        precision=round(hits / found, 4) if found else 0.0,
        recall=round(hits / wanted, 4) if wanted else 0.0,
        f1=round(_f1(totals), 4),
        f1_spread=round(float(np.std(per_shuffle)), 4),
        cuts=cuts,
        per_shuffle=[round(f, 4) for f in per_shuffle],
    )


def _together(labels: np.ndarray, needs: Sequence[Any]) -> np.ndarray:
    out = np.zeros((len(needs), len(needs)), dtype=bool)
    for members in grouped(labels, needs):
        out[np.ix_(members, members)] = True
    np.fill_diagonal(out, False)
    return out


def _together_reference(needs: Sequence[Any], reference: Mapping[str, str]) -> np.ndarray:
    group = np.array([reference.get(n.id, "") for n in needs])
    out: np.ndarray = (group[:, None] == group[None, :]) & (group[:, None] != "")
    return out


def _counts(found: np.ndarray, truth: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Right pairs, found pairs and reference pairs among ``pairs`` (a mask)."""
    return np.array(
        [np.sum(found & truth & pairs), np.sum(found & pairs), np.sum(truth & pairs)], dtype=float
    )


def _f1(counts: np.ndarray) -> float:
    hits, found, wanted = counts
    return float(2 * hits / (found + wanted)) if hits else 0.0
