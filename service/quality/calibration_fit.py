"""Fitting the match probability (``service.matching.calibration``) with cross-validation.

On the development set's needs, the same folds as the weights: in each fold the weights are
fitted on the other folds, every need's candidates are ranked with them, and two models of
"judged relevant" (grade ≥ 2) are fitted on the training needs' candidates (scikit-learn): an
isotonic map of the ranker's score, and a logistic regression on the pair's text evidence,
its output mapped by an isotonic fit in turn
(``EVIDENCE``: the retrievers' rank values, the BM25 ratio, the cosine; the structured features
are left out: a need posted under a neighbouring field is still solved, and they made the
held-out ranking of pairs worse). The held-back needs get their probabilities from each; the
model with the better held-out average precision is kept (both are reported). The tier cuts and
every figure of the report (Brier score, reliability table, each tier's precision and recall)
come from the kept model's held-out probabilities; it is then fitted on every need with the
final weights.

Pairs the pooled judgments never saw count as not relevant (the usual assumption for pooled
sets; the pool holds every need's top 15 of three rankers, so it covers nearly all of the
ranker's top 10, and the share it does not cover is reported).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from service.matching.calibration import KINDS, VARIANTS, Calibration, variant_coefficients
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
EVIDENCE = ("cosine", "bm25", "lexical", "dense")  # what the logistic model reads of a pair
C = 1.0  # the logistic model's inverse regularisation (on standardised values)
METHOD = (
    "isotonic regression of the ranker's score or logistic regression on the pair's text "
    "evidence (scikit-learn), whichever ranks held-out pairs better, on the development set's "
    "judgments (grade ≥ 2 = relevant; unjudged = not relevant)"
)
Fitter = Callable[[Pool, Qrels, Mapping[str, float], Sequence[str]], dict[str, float]]


@dataclass
class HeldOut:
    """Held-out probabilities of the shown pairs, with their labels."""

    probability: np.ndarray
    relevant: np.ndarray
    unjudged: int
    grades: np.ndarray | None = None  # each pair's judged grade (0 when unjudged)
    runs: dict[str, list[str]] = field(default_factory=dict)  # each need's list, as shown


def ranked(items: list[tuple[str, dict[str, float]]], coef: Mapping[str, float], name: str):
    """A need's candidates this way of matching retrieves, best first, with their scores."""
    usable = [(a, v) for a, v in items if name != "lexical" or "lexical" in v]
    scored = [(sum(c * v.get(k, 0.0) for k, c in coef.items()), a) for a, v in usable]
    return sorted(scored, key=lambda s: (-s[0], s[1]))


@dataclass
class Rows:
    """The top candidates of some needs as a way of matching ranks them."""

    scores: np.ndarray
    values: list[dict[str, float]]
    labels: np.ndarray
    grades: np.ndarray
    shown: np.ndarray  # within each need's top SHOWN
    unjudged: int  # shown pairs the judgments never saw


def listed(
    items: list[tuple[str, dict[str, float]]],
    coef: Mapping[str, float],
    name: str,
    by: Calibration | None = None,
) -> list[tuple[float, str]]:
    """``ranked``, with the first TOP listed by the probability of ``by`` as the matcher lists
    them (``service.matching.calibration.order``)."""
    scored = ranked(items, coef, name)
    if by is None:
        return scored
    found = dict(items)
    chance = {a: by.probability(found[a]) for _, a in scored[:TOP]}
    head = sorted(scored[:TOP], key=lambda s: (-chance[s[1]], -s[0], s[1]))
    return head + scored[TOP:]


def _rows(
    pool: Pool,
    needs: Sequence[str],
    qrels: Qrels,
    coef: Mapping[str, float],
    name: str,
    by: Calibration | None = None,
) -> Rows:
    """The top TOP candidates of each need by score; ``by``: listed by its probability."""
    scores, values, labels, grades, shown, unjudged = [], [], [], [], [], 0
    for need in needs:
        judged = qrels.get(need, {})
        found = dict(pool[need])
        for position, (score, a) in enumerate(listed(pool[need], coef, name, by)[:TOP], start=1):
            scores.append(score)
            values.append(found[a])
            labels.append(judged.get(a, 0) >= RELEVANT)
            grades.append(judged.get(a, 0))
            shown.append(position <= SHOWN)
            unjudged += position <= SHOWN and a not in judged
    return Rows(np.array(scores), values, np.array(labels, dtype=bool), np.array(grades),
                np.array(shown, dtype=bool), unjudged)  # fmt: skip


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


def logistic(rows: Rows, name: str) -> tuple[dict[str, float], float]:
    """Slopes and intercept of a logistic regression on the pairs' text evidence (the values
    this way of matching has), on the raw values; a piece of evidence whose slope comes out
    negative is dropped and the rest refitted, so the chance never falls as evidence rises."""
    from sklearn.linear_model import LogisticRegression  # heavy: imported when used

    names = [e for e in EVIDENCE if name != "lexical" or e not in ("cosine", "dense")]
    while names:
        x = np.array([[v.get(e, 0.0) for e in names] for v in rows.values], dtype=float)
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=C, max_iter=2000).fit((x - mean) / scale, rows.labels)
        slopes = model.coef_[0] / scale
        if (slopes >= 0).all():
            intercept = float(model.intercept_[0] - (slopes * mean).sum())
            return {e: float(s) for e, s in zip(names, slopes, strict=True)}, intercept
        names = [e for e, s in zip(names, slopes, strict=True) if s >= 0]
    return {}, 0.0


def fit_model(kind: str, rows: Rows, coef: Mapping[str, float], name: str) -> Calibration:
    """A calibration of ``kind`` fitted on the rows (without cuts: every pair "possible"); the
    logistic model's output is mapped by an isotonic fit on the same rows (the logistic curve is
    too flat for these pairs: the map makes the reliability table line up)."""
    if kind == "logistic":
        slopes, intercept = logistic(rows, name)
        raw = Calibration(name, "", dict(coef), (), (), 1.0, 0.0, kind=kind, slopes=slopes,
                          intercept=intercept)  # fmt: skip
        x_fit, y_fit = isotonic(np.array([raw.chance(v) for v in rows.values]), rows.labels)
        return replace(raw, x=tuple(x_fit), y=tuple(y_fit))
    x_fit, y_fit = isotonic(rows.scores, rows.labels)
    return Calibration(name, "", dict(coef), tuple(x_fit), tuple(y_fit), 1.0, 0.0)


def held_out(
    pool: Pool,
    dev: Qrels,
    folds: Sequence[Sequence[str]],
    fit_weights: Callable[[set[str]], Weights],
    name: str,
    kind: str = "isotonic",
) -> HeldOut:
    """Each dev need's shown pairs, with the probability of a model fitted without its fold."""
    probs, labels, grades, unjudged, runs = [], [], [], 0, {}
    for fold in folds:
        held = set(fold)
        coef = variant_coefficients(fit_weights(held), name)
        train = [n for n in dev if n in pool and n not in held]
        cal = fit_model(kind, _rows(pool, train, dev, coef, name), coef, name)
        tested = [n for n in dev if n in held and n in pool]
        test = _rows(pool, tested, dev, coef, name, by=cal)  # listed as the matcher lists
        probs += [cal.chance(v) for v, s in zip(test.values, test.shown, strict=True) if s]
        labels += list(test.labels[test.shown])
        grades += list(test.grades[test.shown])
        unjudged += test.unjudged
        runs.update({n: [a for _, a in listed(pool[n], coef, name, cal)] for n in tested})
    return HeldOut(np.array(probs), np.array(labels, dtype=bool), unjudged, np.array(grades), runs)


def average_precision(h: HeldOut) -> float:
    """How well the held-out probabilities rank relevant pairs first (0 without any)."""
    from sklearn.metrics import average_precision_score  # heavy: imported when used

    if not h.relevant.any():
        return 0.0
    return round(float(average_precision_score(h.relevant, h.probability)), 4)


def choose_cuts(h: HeldOut) -> tuple[float, float, bool]:
    """The strong cut and the possible cut, and whether the strong target was met.

    Strong: the lowest cut whose held-out precision is at least PRECISION (the most recall at
    that precision); the target is met when that recall is at least RECALL. When no cut reaches
    PRECISION, the cut with the best F0.5 (precision weighed twice as much as recall), and the
    report says the target was missed. Possible: the highest cut that keeps KEEP of the
    relevant pairs in "possible" or better.
    """
    total = int(h.relevant.sum()) or 1
    best: tuple[float, float] | None = None  # (F0.5, cut)
    strong, met = None, False
    for cut in sorted(set(h.probability.tolist()), reverse=True):
        above = h.probability >= cut
        precision = float(h.relevant[above].mean())
        recall = float(h.relevant[above].sum()) / total
        if precision >= PRECISION:
            strong, met = float(cut), recall >= RECALL
        f = 1.25 * precision * recall / (0.25 * precision + recall) if precision + recall else 0
        if best is None or f > best[0]:
            best = (f, float(cut))
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
        "strong_recall_by_grade": by_grade(h, strong),
    }


def by_grade(h: HeldOut, strong: float) -> dict[str, float]:
    """The strong tier's recall of the relevant pairs of each grade (when grades are known)."""
    if h.grades is None:
        return {}
    out = {}
    for grade in sorted({int(g) for g in h.grades if g >= RELEVANT}, reverse=True):
        inside = h.grades == grade
        out[str(grade)] = round(float((h.probability[inside] >= strong).mean()), 4)
    return out


def fit_variant(
    pool: Pool,
    dev: Qrels,
    folds: Sequence[Sequence[str]],
    fit_weights: Callable[[set[str]], Weights],
    final: Weights,
    name: str,
    model: str,
) -> tuple[Calibration, dict[str, list[str]]]:
    """One calibration: each kind measured held-out, the one ranking pairs better kept (cuts
    and figures held-out), then fitted on every dev need with the final weights; with each
    need's list as the kept kind's held-out probabilities order it."""
    measured = {kind: held_out(pool, dev, folds, fit_weights, name, kind) for kind in KINDS}
    compared = {}
    for kind, h in measured.items():
        cuts = choose_cuts(h)
        compared[kind] = {"average_precision": average_precision(h),
                          **summary(figures(h, *cuts), cuts[0])}  # fmt: skip
    kind = max(KINDS, key=lambda k: (compared[k]["average_precision"], k == "isotonic"))
    strong, possible, met = choose_cuts(measured[kind])
    held = {**figures(measured[kind], strong, possible, met), "compared": compared}
    coef = variant_coefficients(final, name)
    every = _rows(pool, [n for n in dev if n in pool], dev, coef, name)
    fitted = fit_model(kind, every, coef, name)
    chosen = replace(fitted, model=model, strong=strong, possible=possible, held_out=held)
    return chosen, measured[kind].runs


def summary(held: Mapping[str, Any], strong: float) -> dict[str, float]:
    """A kind's held-out figures in brief, for the comparison of kinds."""
    tier = held["tiers"]["strong"]
    return {"brier": held["brier"], "strong": strong, "precision": tier["precision"],
            "recall": tier["recall"]}  # fmt: skip


def calibrate(
    pool: Pool,
    dev: Qrels,
    folds: Sequence[Sequence[str]],
    fit_weights: Callable[[set[str]], Weights],
    final: Weights,
    model: str,
) -> Calibrated:
    """The calibrations of every way of matching the pool allows (dense needs a model)."""
    present = {
        r for _, items in pool.items() for _, v in items for r in ("lexical", "dense") if r in v
    }
    out = Calibrated({}, {})
    for name in (n for n in VARIANTS if set(VARIANTS[n]) <= present):
        fitted = fit_variant(
            pool, dev, folds, fit_weights, final, name, model if name == "dense" else ""
        )
        out.variants[name], out.runs[name] = fitted
    return out


class Calibrated(NamedTuple):
    """What ``calibrate`` fits: each way of matching's calibration, and its held-out lists
    (each need's candidates as the matcher lists them with a calibration fitted without it)."""

    variants: dict[str, Calibration]
    runs: dict[str, dict[str, list[str]]]
