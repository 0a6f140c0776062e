"""Fitting the match probability (``service.matching.calibration``) with cross-validation.

On the development set's needs, the same folds as the weights: in each fold the weights are
fitted on the other folds, every need's candidates are scored with them, an isotonic
regression (scikit-learn) maps the training needs' scores to "judged relevant" (grade ≥ 2),
and the held-back needs get their probabilities from it. The tier cuts and every figure of the
report (Brier score, reliability table, each tier's precision and recall) come from these
held-out probabilities; the stored map is then fitted on every need with the final weights.

Pairs the pooled judgments never saw count as not relevant (the usual assumption for pooled
sets; the pool holds every need's top 15 of three rankers, so it covers nearly all of the
ranker's top 10, and the share it does not cover is reported).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from service.matching.calibration import VARIANTS, Calibration, variant_coefficients
from service.matching.weights import Weights
from service.quality.ascent import Pool
from service.quality.evaluation import Qrels

RELEVANT = 2  # the grade from which a pair counts as relevant
TOP = 20  # the candidates of each need the map is fitted on
SHOWN = 10  # the candidates the figures are measured on (what a match list shows)
PRECISION = 0.85  # the strong tier's target precision (held-out) ...
RECALL = 0.6  # ... with at least this share of the relevant shown pairs
KEEP = 0.8  # the share of relevant shown pairs kept in "possible" or better
PRIOR = 2.0  # pseudo-pairs at the base rate added to each block of the isotonic map
BINS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 1.0001)
Fitter = Callable[[Pool, Qrels, Mapping[str, float], Sequence[str]], dict[str, float]]


@dataclass
class HeldOut:
    """Held-out probabilities of the shown pairs, with their labels."""

    probability: np.ndarray
    relevant: np.ndarray
    unjudged: int


def ranked(items: list[tuple[str, dict[str, float]]], coef: Mapping[str, float], name: str):
    """A need's candidates this way of matching retrieves, best first, with their scores."""
    usable = [(a, v) for a, v in items if name != "lexical" or "lexical" in v]
    scored = [(sum(c * v.get(k, 0.0) for k, c in coef.items()), a) for a, v in usable]
    return sorted(scored, key=lambda s: (-s[0], s[1]))


def _rows(pool: Pool, needs: Sequence[str], qrels: Qrels, coef: Mapping[str, float], name: str):
    scores, labels, shown, unjudged = [], [], [], 0
    for need in needs:
        judged = qrels.get(need, {})
        for position, (score, a) in enumerate(ranked(pool[need], coef, name)[:TOP], start=1):
            scores.append(score)
            labels.append(judged.get(a, 0) >= RELEVANT)
            shown.append(position <= SHOWN)
            unjudged += position <= SHOWN and a not in judged
    return np.array(scores), np.array(labels, dtype=bool), np.array(shown, dtype=bool), unjudged


def isotonic(scores: np.ndarray, labels: np.ndarray) -> tuple[list[float], list[float]]:
    """The isotonic map, each of its blocks shrunk towards the base rate by PRIOR pseudo-pairs
    (a block of 3 relevant pairs out of 3 does not mean 100 %), pooled again to stay monotone."""
    from sklearn.isotonic import IsotonicRegression  # heavy: imported when used

    y = labels.astype(float)
    first = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(scores, y)
    fitted = first.predict(scores)
    base = float(y.mean()) if len(y) else 0.0
    smoothed = np.empty_like(fitted)
    for value in np.unique(fitted):
        inside = fitted == value
        smoothed[inside] = (y[inside].sum() + PRIOR * base) / (inside.sum() + PRIOR)
    model = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(scores, smoothed)
    return [float(v) for v in model.X_thresholds_], [float(v) for v in model.y_thresholds_]


def held_out(
    pool: Pool,
    dev: Qrels,
    folds: Sequence[Sequence[str]],
    fit_weights: Callable[[set[str]], Weights],
    name: str,
) -> HeldOut:
    """Each dev need's shown pairs, with the probability of a map fitted without its fold."""
    probs, labels, unjudged = [], [], 0
    for fold in folds:
        held = set(fold)
        coef = variant_coefficients(fit_weights(held), name)
        train = [n for n in dev if n in pool and n not in held]
        scores, y, _, _ = _rows(pool, train, dev, coef, name)
        x_fit, y_fit = isotonic(scores, y)
        cal = Calibration(name, "", coef, tuple(x_fit), tuple(y_fit), 1.0, 0.0)
        test = [n for n in dev if n in held and n in pool]
        scores, y, shown, missing = _rows(pool, test, dev, coef, name)
        probs += [cal.probability_of(s) for s in scores[shown]]
        labels += list(y[shown])
        unjudged += missing
    return HeldOut(np.array(probs), np.array(labels, dtype=bool), unjudged)


def choose_cuts(h: HeldOut) -> tuple[float, float, bool]:
    """The strong cut and the possible cut, and whether the strong target was met.

    Strong: the lowest cut whose held-out precision is at least PRECISION with recall at least
    RECALL; when no cut reaches both, the cut with the best F0.5 (precision weighed twice as
    much as recall), and the report says the target was missed. Possible: the highest cut
    that keeps KEEP of the relevant pairs in "possible" or better.
    """
    total = int(h.relevant.sum()) or 1
    best: tuple[float, float] | None = None  # (F0.5, cut)
    strong = None
    for cut in sorted(set(h.probability.tolist()), reverse=True):
        above = h.probability >= cut
        precision = float(h.relevant[above].mean())
        recall = float(h.relevant[above].sum()) / total
        if precision >= PRECISION and recall >= RECALL:
            strong = float(cut)
        f = 1.25 * precision * recall / (0.25 * precision + recall) if precision + recall else 0
        if best is None or f > best[0]:
            best = (f, float(cut))
    met = strong is not None
    if strong is None:
        strong = best[1] if best else 1.0
    possible = 0.0
    for cut in sorted(set(h.probability.tolist()), reverse=True):
        if float(h.relevant[h.probability >= cut].sum()) / total >= KEEP:
            possible = float(cut)
            break
    return _floor(strong), _floor(min(possible, strong)), met


def _floor(cut: float) -> float:
    """A cut stored with 4 decimals, never above the probability it was chosen at."""
    return math.floor(cut * 10_000) / 10_000


def figures(h: HeldOut, strong: float, possible: float, met: bool) -> dict[str, object]:
    """Brier score, reliability table and tier precision/recall of the held-out pairs."""
    p, y = h.probability, h.relevant
    total = int(y.sum())
    table = []
    for lo, hi in itertools.pairwise(BINS):
        inside = (p >= lo) & (p < hi)
        if inside.any():
            table.append({"from": lo, "to": min(hi, 1.0), "pairs": int(inside.sum()),
                          "predicted": round(float(p[inside].mean()), 4),
                          "observed": round(float(y[inside].mean()), 4)})  # fmt: skip
    tiers = {}
    bands = {
        "strong": p >= strong,
        "possible": (p >= possible) & (p < strong),
        "weak": p < possible,
    }
    for tier, inside in bands.items():
        hit = int(y[inside].sum())
        tiers[tier] = {"pairs": int(inside.sum()), "relevant": hit,
                       "precision": round(hit / inside.sum(), 4) if inside.any() else 0.0,
                       "recall": round(hit / total, 4) if total else 0.0}  # fmt: skip
    return {
        "pairs": len(p),
        "relevant": total,
        "unjudged": h.unjudged,
        "brier": round(float(((p - y) ** 2).mean()), 4) if len(p) else 0.0,
        "base_rate": round(float(y.mean()), 4) if len(p) else 0.0,
        "reliability": table,
        "tiers": tiers,
        "strong_target_met": met,
    }


def fit_variant(
    pool: Pool,
    dev: Qrels,
    folds: Sequence[Sequence[str]],
    fit_weights: Callable[[set[str]], Weights],
    final: Weights,
    name: str,
    model: str,
) -> Calibration:
    """One calibration: cuts and figures held-out, the map fitted on every dev need."""
    h = held_out(pool, dev, folds, fit_weights, name)
    strong, possible, met = choose_cuts(h)
    coef = variant_coefficients(final, name)
    scores, y, _, _ = _rows(pool, [n for n in dev if n in pool], dev, coef, name)
    x_fit, y_fit = isotonic(scores, y)
    held = figures(h, strong, possible, met)
    return Calibration(name, model, coef, tuple(x_fit), tuple(y_fit), strong, possible, held)


def calibrate(
    pool: Pool,
    dev: Qrels,
    folds: Sequence[Sequence[str]],
    fit_weights: Callable[[set[str]], Weights],
    final: Weights,
    model: str,
) -> dict[str, Calibration]:
    """The calibrations of every way of matching the pool allows (dense needs a model)."""
    present = {
        r for _, items in pool.items() for _, v in items for r in ("lexical", "dense") if r in v
    }
    names = [n for n in VARIANTS if set(VARIANTS[n]) <= present]
    return {
        name: fit_variant(
            pool, dev, folds, fit_weights, final, name, model if name == "dense" else ""
        )
        for name in names
    }
