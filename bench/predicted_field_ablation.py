"""The field predicted on posting as a ranking feature, measured on the development set.

The suggester (fitted on the seed catalogue) predicts each dev need's field from its title and
text. Where the poster gave only a top-level field, or the prediction disagrees with the
poster's top-level field with confidence at least ``--confidence``, the predicted field stands
in for the poster's in a second field-agreement component (``field_predicted``); elsewhere that
component equals the ordinary field agreement. Rows: the learned ranking (pairwise logistic,
the report's 5-fold cross-validation) without and with the component, and with it replacing
field agreement.

    .venv/bin/python bench/predicted_field_ablation.py --home /tmp/passage-home
"""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace

from seed_data import SEED_DIR
from service.composition import open_components, scratch_market
from service.listings.schemas import Kind
from service.matching.features import field_feature
from service.matching.weights import Weights
from service.quality import ascent, pairwise
from service.quality.dev_report import PLAIN
from service.quality.devset import load_devset
from service.quality.evaluation import score_run
from service.quality.tuning import collect_pool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--confidence", type=float, default=0.6)
    args = parser.parse_args()
    dev = load_devset(SEED_DIR)
    settings_home = args.home
    from service.config import Settings

    settings = Settings(home=settings_home, seed_dir=SEED_DIR)
    with open_components(settings) as parent, scratch_market(parent) as market:
        suggester = market.suggester
        taxonomy = market.taxonomy
        used: dict[str, str] = {}
        for need_id, need in dev.needs.items():
            fields = suggester.suggest(Kind.need, need.description, title=need.title).fields
            if not fields:
                continue
            best = fields[0]
            top_only = "." not in need.field
            disagrees = (
                best.code.split(".")[0] != need.field.split(".")[0]
                and best.confidence >= args.confidence
            )
            if top_only or disagrees:
                used[need_id] = best.code
        right = sum(
            1 for n, code in used.items() if code.split(".")[0] == dev.true_field[n].split(".")[0]
        )
        print(f"predicted field used for {len(used)} needs; top field right for {right}")
        judged = [n for n, j in dev.qrels.items() if any(g > 0 for g in j.values())]
        pool, present, _ = collect_pool(market, judged, None, PLAIN, dict(dev.needs))
        achievements = {
            a.id: a for a in market.catalog.iter_all(Kind.achievement, published_only=True)
        }
        for need_id, items in pool.items():
            need = dev.needs[need_id]
            stand_in = SimpleNamespace(field=used.get(need_id, need.field))
            for achievement_id, values in items:
                feature = field_feature(stand_in, achievements[achievement_id], taxonomy)
                values["field_predicted"] = feature.value
        start = ascent.coefficients(Weights(), present)
        base = (*present, *ascent.FEATURES)
        rows = {
            "learned (pairwise, 5-fold): shipped components": base,
            "+ predicted-field agreement": (*base, "field_predicted"),
            "predicted-field agreement instead of field agreement": (
                *(c for c in base if c != "field"),
                "field_predicted",
            ),
        }
        print("| configuration | all | problem | technical |")
        print("| --- | --- | --- | --- |")
        for label, components in rows.items():
            cv = ascent.cross_validate(
                pool, dev.qrels, {**start, "field_predicted": 0.0}, 5, components, None,
                pairwise.fit,
            )  # fmt: skip
            cells = []
            for subset in ("all", "problem", "technical"):
                ids = dev.subsets().get(subset)
                qrels = {q: j for q, j in dev.qrels.items() if ids is None or q in ids}
                m = score_run(cv.after_runs, qrels)
                cells.append(f"{m['ndcg@10']:.3f} / {m['mrr@10']:.3f}")
            print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
