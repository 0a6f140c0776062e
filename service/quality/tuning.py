"""``techmatch tune``: fit the matcher's weights on gold and broker judgments, and store them.

The judged needs are matched once with every component on (default weights); the coordinate
ascent of ``service.quality.ascent`` then fits one coefficient per component. The figures
reported are k-fold cross-validated (each need scored by weights fitted without it); the weights
stored are fitted on all judgments, with the date, the counts and the model they were fitted on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine as SqlEngine

from indexer.base import Progress
from service import clock
from service.catalog import NotFoundError
from service.desk.judgments import broker_judgments
from service.listings.schemas import Kind, Listing
from service.matching.calibration import Calibrations, save_calibrations
from service.matching.matcher import NotPublishedError
from service.matching.weights import RETRIEVERS, MatchConfig, Weights, save_weights
from service.quality import ascent as tune
from service.quality import pairwise
from service.quality.calibration_fit import METHOD as CALIBRATION_METHOD
from service.quality.calibration_fit import calibrate
from service.quality.devset import DevSet
from service.quality.evaluation import Qrels
from service.quality.gold import JudgedMarket, load_gold

METHODS = {
    "pairwise": "pairwise logistic regression (scikit-learn) over per-candidate component values",
    "ascent": "coordinate ascent on nDCG@10 over per-candidate component values",
}


def merge_judgments(gold: Qrels, broker: Iterable[tuple[str, str, int]]) -> Qrels:
    """Gold judgments with the broker outcomes added; an outcome overrides a gold grade."""
    merged = {need: dict(judged) for need, judged in gold.items()}
    for need, achievement, grade in broker:
        merged.setdefault(need, {})[achievement] = grade
    return merged


def collect_pool(
    market: JudgedMarket,
    need_ids: Iterable[str],
    progress: Progress | None = None,
    config: MatchConfig | None = None,
    unsaved: Mapping[str, Listing] | None = None,
) -> tuple[tune.Pool, tuple[str, ...], list[str]]:
    """Component values of every candidate of each need; the retrievers that ran; skipped ids.

    ``unsaved`` needs (the development set) are matched as given, not read from the catalog.
    """
    matcher = market.matcher.variant(Weights(), config or MatchConfig())
    pool: tune.Pool = {}
    present: set[str] = set()
    skipped = []
    for need_id in need_ids:
        try:
            listing = (unsaved or {}).get(need_id) or market.catalog.get(Kind.need, need_id)
            _, lists, ranked = matcher.candidates(Kind.need, listing, every_value=True)
        except (NotFoundError, NotPublishedError):
            skipped.append(need_id)
            continue
        present.update(lists)
        pool[need_id] = [(c.other.id, c.values) for c in ranked]
        if progress:
            progress("scoring judged needs", 1)
    return pool, tuple(r for r in RETRIEVERS if r in present), skipped


@dataclass
class TuneResult:
    weights: Weights
    start: Weights
    cv: tune.CrossValidation
    meta: dict[str, Any]
    calibrations: Calibrations | None = None  # fitted when the development set took part
    listed: dict[str, list[str]] | None = None  # held-out lists as the matcher lists them


DEFAULT_CONFIG = MatchConfig("tuned", query="plain", lexicon=False)
"""What ``techmatch tune`` fits by default: the plain query, without the problem-lexicon
feature (it measured no better on the development set; the bridges are still explained)."""


def run_tune(
    market: JudgedMarket,
    gold: Qrels,
    broker: list[tuple[str, str, int]],
    folds: int = 5,
    progress: Progress | None = None,
    config: MatchConfig | None = None,
    dev: DevSet | None = None,
    method: str = "pairwise",
    extra: tuple[str, Callable[[tune.Pool], tune.Pool]] | None = None,
) -> TuneResult:
    """Cross-validate, then fit on every judgment; nothing is written.

    ``dev`` adds the development set's needs and grades; ``method`` is ``pairwise`` (the
    learned logistic model of ``pairwise.py``) or ``ascent`` (coordinate ascent on nDCG@10).
    ``extra``: a component the matcher does not compute, named and added to the pool by the
    function (measured in the report; the stored weights have no place for it).
    """
    config = config or DEFAULT_CONFIG
    qrels = merge_judgments({**gold, **(dev.qrels if dev else {})}, broker)
    judged = [n for n, j in qrels.items() if any(g > 0 for g in j.values())]
    unsaved = dict(dev.needs) if dev else {}
    pool, present, skipped = collect_pool(market, judged, progress, config, unsaved)
    if len(pool) < folds:
        raise ValueError(f"only {len(pool)} judged needs found in the catalog; need {folds}+")
    start = Weights()
    start_coef = tune.coefficients(start, present)
    features = [f for f in tune.FEATURES if config.lexicon or f != "lexicon"]
    components = (*present, *features)
    if extra is not None:
        name, add = extra
        pool, components, start_coef = add(pool), (*components, name), {**start_coef, name: 0.0}
    fitter = pairwise.fit if method == "pairwise" else tune.fit
    cv = tune.cross_validate(pool, qrels, start_coef, folds, components, progress, fitter)
    coef = fitter(pool, qrels, start_coef, components)
    weights = Weights.from_coefficients(coef, present)
    fitted_at = clock.utc_now().isoformat(timespec="seconds")
    calibrations, listed = None, None
    if dev is not None and extra is None:  # a measured-only component has no calibration
        rest = [n for n in dev.needs if n not in pool]  # dev needs nothing in the catalogue solves
        unanswered, _, _ = collect_pool(market, rest, progress, config, unsaved)
        dev_pool = {n: v for n, v in {**pool, **unanswered}.items() if n in dev.needs}
        folds_all = [
            [*a, *b]
            for a, b in zip(
                tune.folds_of(judged_in(pool, qrels), folds),
                tune.folds_of(list(unanswered), folds),
                strict=True,
            )
        ]

        def fold_weights(held: set[str]) -> Weights:
            train = {n: v for n, v in pool.items() if n not in held}
            return Weights.from_coefficients(fitter(train, qrels, start_coef, components), present)

        model = market.matcher.encoder.model_name if "dense" in present else ""
        fitted = calibrate(dev_pool, dev.qrels, folds_all, fold_weights, weights, model)
        listed = fitted.runs.get("dense" if "dense" in present else "lexical")
        calibrations = Calibrations(fitted.variants, {
            "fitted_at": fitted_at,
            "method": CALIBRATION_METHOD,
            "folds": folds,
            "needs": len(dev_pool),
        })  # fmt: skip
    meta = {
        "fitted_at": fitted_at,
        "method": METHODS[method],
        "query": config.query,
        "judgments": {
            "gold_pairs": sum(len(j) for j in gold.values()),
            "dev_pairs": sum(len(j) for j in dev.qrels.values()) if dev else 0,
            "broker_pairs": len(broker),
            "broker_positive": sum(1 for *_, g in broker if g > 0),
            "needs_fitted": len(pool),
            "needs_skipped": skipped,
        },
        "model": market.matcher.encoder.model_name if "dense" in present else "",
        "retrievers": list(present),
        "cross_validation": {"folds": folds, "before": cv.before, "after": cv.after},
    }
    return TuneResult(weights, start, cv, meta, calibrations, listed)


def judged_in(pool: tune.Pool, qrels: Qrels) -> list[str]:
    """The pool's needs with a relevant answer, as ``ascent.cross_validate`` cuts its folds."""
    return [n for n in pool if any(g > 0 for g in qrels.get(n, {}).values())]


def gold_and_broker(seed_dir: Path, db: SqlEngine) -> tuple[Qrels, list[tuple[str, str, int]]]:
    """The seed gold judgments and the broker outcomes recorded in this catalog."""
    gold, _ = load_gold(seed_dir)
    return gold, broker_judgments(db)


def store(index_dir: Path, result: TuneResult) -> list[str]:
    """Write the weights, and the calibration fitted with them, to ``index_dir``."""
    paths = [str(save_weights(index_dir, result.weights, result.meta))]
    if result.calibrations is not None:
        paths.append(str(save_calibrations(index_dir, result.calibrations)))
    return paths
