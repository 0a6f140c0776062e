"""The match-probability section of ``docs/quality.md``: for each calibration (with the model,
keyword-only), the held-out reliability table, Brier score and each tier's precision and recall,
from the figures ``calibration_fit`` computed on held-out folds."""

from __future__ import annotations

from typing import Any

from service.matching.calibration import TIER_LABELS, Calibrations
from service.quality.calibration_fit import PRECISION, PRIOR, RECALL, SHOWN, TOP

TITLES = {"dense": "with the model (lexical + dense)", "lexical": "keyword-only (no model)"}
BRIER = 0.10


def markdown(calibrations: Calibrations | None, folds: int) -> list[str]:
    if calibrations is None or not calibrations.variants:
        return ["_not run (no development set)_"]
    lines = [
        f"Fitted by `techmatch tune` (isotonic regression of the ranker's score, scikit-learn, "
        f"each block shrunk towards the base rate by {PRIOR:g} pseudo-pairs) on the development "
        f"set's judgments: relevant = grade ≥ 2; each need's top {TOP} "
        f"candidates; {folds} folds, the same as the weights' (the weights are refitted without "
        f"the held-back fold too). Every figure below is held-out, over each need's top "
        f"{SHOWN} (what a match list shows). Pairs the pooled judgments never saw count as not "
        "relevant (see the unjudged count). Stored in `calibration.json` beside the weights.",
        "",
    ]
    for name, cal in calibrations.variants.items():
        h = cal.held_out
        model = f", model `{cal.model}`" if cal.model else ""
        lines += [
            f"### Probability {TITLES.get(name, name)}{model}",
            "",
            f"{h['pairs']} shown pairs, {h['relevant']} relevant (base rate "
            f"{h['base_rate']:.3f}), {h['unjudged']} never judged. **Brier score "
            f"{h['brier']:.4f}** (target ≤ {BRIER:.2f}: "
            f"{'met' if h['brier'] <= BRIER else 'missed'}).",
            "",
            "| predicted | pairs | mean predicted | observed relevant |",
            "| --- | ---: | ---: | ---: |",
            *(
                f"| {r['from']:.2f}–{r['to']:.2f} | {r['pairs']} | {r['predicted']:.3f} | "
                f"{r['observed']:.3f} |"
                for r in h["reliability"]
            ),
            "",
            "| tier | from | pairs | precision | recall |",
            "| --- | ---: | ---: | ---: | ---: |",
            *_tiers(h["tiers"], cal.strong, cal.possible),
            "",
            _verdict(h["tiers"]["strong"], h["strong_target_met"]),
            "",
        ]
    return lines


def _tiers(tiers: dict[str, Any], strong: float, possible: float) -> list[str]:
    cuts = {"strong": f"{strong:.0%}", "possible": f"{possible:.0%}", "weak": "0%"}
    return [
        f"| {tier} ({TIER_LABELS[tier]}) | {cuts[tier]} | {t['pairs']} | {t['precision']:.3f} | "
        f"{t['recall']:.3f} |"
        for tier, t in tiers.items()
    ]


def _verdict(strong: dict[str, Any], met: bool) -> str:
    target = f"precision ≥ {PRECISION:.2f} with recall ≥ {RECALL:.1f}"
    if met:
        return f"Strong tier: {target}: **met**."
    return (
        f"Strong tier: {target}: **missed** (precision {strong['precision']:.3f}, recall "
        f"{strong['recall']:.3f}); no cut reaches both on held-out folds, so the cut is the one "
        "with the best F0.5 (precision weighed twice as much as recall)."
    )
