"""Does listing a match list's top by the match probability cost ranking quality? Measured on
the development set over several shuffles of the folds (issue #23: a list must never show a
pair below a less probable one).

In each fold the weights (pairwise) and the probability (the shipped logistic calibration)
are fitted on the other folds; the held-out needs are ranked by the score, then their top
``FITTED_TOP`` listed by the probability (equal chances by score), as the matcher lists them.
Prints nDCG@10 / MRR@10 per shuffle and their means, and in how many lists the most probable
pair was not first under the score order.

    .venv/bin/python bench/listed_by_probability.py --home /tmp/lead --shuffles 7
"""

from __future__ import annotations

import argparse
from pathlib import Path
from statistics import mean

from seed_data import SEED_DIR
from service.composition import open_components, scratch_market
from service.config import Settings
from service.matching.calibration import variant_coefficients
from service.matching.weights import Weights
from service.quality import ascent, pairwise
from service.quality import calibration_fit as fit
from service.quality.devset import load_devset
from service.quality.evaluation import score_run
from service.quality.tuning import DEFAULT_CONFIG, collect_pool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="a seeded, indexed home")
    parser.add_argument("--shuffles", type=int, default=7)
    args = parser.parse_args()
    dev = load_devset(SEED_DIR)
    settings = Settings(home=args.home, seed_dir=SEED_DIR)
    with open_components(settings) as parent, scratch_market(parent) as market:
        pool, present, _ = collect_pool(
            market, list(dev.needs), None, DEFAULT_CONFIG, dict(dev.needs)
        )
    comps = (*present, *(f for f in ascent.FEATURES if f != "lexicon"))
    start = ascent.coefficients(Weights(), present)
    judged = [n for n in pool if any(g > 0 for g in dev.qrels.get(n, {}).values())]
    rest = [n for n in pool if n not in judged]
    totals: dict[str, list[tuple[float, float]]] = {"by score": [], "listed by probability": []}
    for seed in [13, *range(1, args.shuffles)]:
        cuts = zip(ascent.folds_of(judged, 5, seed), ascent.folds_of(rest, 5, seed), strict=True)
        runs: dict[str, dict[str, list[str]]] = {name: {} for name in totals}
        disagree = 0
        for fold in (set(a) | set(b) for a, b in cuts):
            train = {n: v for n, v in pool.items() if n not in fold and n in judged}
            weights = Weights.from_coefficients(pairwise.fit(train, dev.qrels, start, comps))
            coef = variant_coefficients(weights, "dense")
            rows = fit._rows(pool, [n for n in pool if n not in fold], dev.qrels, coef, "dense")
            cal = fit.fit_model("logistic", rows, coef, "dense")
            for need in sorted(fold & set(judged)):
                by_score = [a for _, a in fit.ranked(pool[need], coef, "dense")]
                listed = [a for _, a in fit.listed(pool[need], coef, "dense", cal)]
                runs["by score"][need], runs["listed by probability"][need] = by_score, listed
                disagree += by_score[0] != listed[0]
        cells = []
        for name, run in runs.items():
            m = score_run(run, {n: dev.qrels[n] for n in run})
            totals[name].append((m["ndcg@10"], m["mrr@10"]))
            cells.append(f"{name} {m['ndcg@10']:.3f} / {m['mrr@10']:.3f}")
        print(f"shuffle {seed:>2}: " + " · ".join(cells) + f" · first differs in {disagree}")
    for name, figures in totals.items():
        ndcg, mrr = mean(f[0] for f in figures), mean(f[1] for f in figures)
        print(f"mean {name}: nDCG@10 {ndcg:.4f}, MRR@10 {mrr:.4f}")


if __name__ == "__main__":
    main()
