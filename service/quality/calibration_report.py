"""The match-probability section of ``docs/quality.md``: for each calibration (with the model,
keyword-only), the two kinds of model compared held-out, then the kept one's reliability table,
Brier score and each tier's precision and recall, from the figures ``calibration_fit``
computed on held-out folds."""

from __future__ import annotations

from typing import Any

from service.matching.calibration import TIER_LABELS, Calibration, Calibrations
from service.quality.calibration_fit import EVIDENCE, PRECISION, PRIOR, RECALL, SHOWN, TOP, C

TITLES = {"dense": "with the model (lexical + dense)", "lexical": "keyword-only (no model)"}
KIND_WORDS = {
    "isotonic": "isotonic map of the ranker's score",
    "logistic": "logistic regression on the text evidence",
}
BRIER = 0.10


def markdown(calibrations: Calibrations | None, folds: int) -> list[str]:
    if calibrations is None or not calibrations.variants:
        return ["_not run (no development set)_"]
    lines = [
        "Fitted by `techmatch tune` on the development set's judgments (relevant = grade ≥ 2; "
        f"each need's top {TOP} candidates; {folds} folds, the same as the weights', which are "
        "refitted without the held-back fold too). Two models are fitted in every fold "
        "(scikit-learn): an isotonic map of the ranker's score (each block shrunk towards the "
        f"base rate by {PRIOR:g} pseudo-pairs), and a logistic regression (C = {C:g} on "
        f"standardised values) on the pair's text evidence — {', '.join(EVIDENCE)}: the "
        "retrievers' rank values, the BM25 ratio to the list's best, the cosine — with no slope "
        "below zero, so the chance never falls as evidence rises; its output is mapped by an "
        "isotonic fit in turn (the logistic curve alone was too flat: the pairs it put at "
        "0.1–0.35 were relevant about half as often). The one with the better held-out average "
        "precision is kept. The structured features (field, region, maturity …) are left out "
        "of the logistic model: they order a list, but a need posted under a neighbouring "
        "field is still solved — with the score alone, such relevant pairs were pulled below "
        "the strong cut by the field's weight (about half of the relevant pairs it missed) — "
        "and with them the held-out ranking of pairs was worse. Every figure below is "
        f"held-out, over each need's top {SHOWN} as a match list shows them: its top {TOP} "
        "listed by the probability (equal chances by score), so that no pair is shown below a "
        "less probable one. Pairs the pooled judgments never saw count as not relevant (see "
        "the unjudged count). Stored in `calibration.json` beside the weights.",
        "",
    ]
    for name, cal in calibrations.variants.items():
        lines += _variant(name, cal)
    return lines


def _variant(name: str, cal: Calibration) -> list[str]:
    h = cal.held_out
    model = f", model `{cal.model}`" if cal.model else ""
    return [
        f"### Probability {TITLES.get(name, name)}{model}",
        "",
        *_compared(h.get("compared") or {}, cal.kind),
        f"Kept: **{KIND_WORDS.get(cal.kind, cal.kind)}**{_slopes(cal)}. {h['pairs']} shown "
        f"pairs, {h['relevant']} relevant (base rate {h['base_rate']:.3f}), {h['unjudged']} "
        f"never judged. **Brier score {h['brier']:.4f}** (target ≤ {BRIER:.2f}: "
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
        *_grades(h.get("strong_recall_by_grade") or {}),
        "",
    ]


def _grades(recall: dict[str, float]) -> list[str]:
    if not recall:
        return []
    parts = ", ".join(f"grade {g}: {r:.3f}" for g, r in recall.items())
    why = ""
    if recall.get("2", 1.0) < recall.get("3", 0.0):
        why = (
            ": the pairs it leaves out are mostly the ones the judges found to solve the need "
            "only in part (grade 2)"
        )
    return ["", f"The strong tier's recall by grade ({parts}){why}."]


def _compared(compared: dict[str, Any], kept: str) -> list[str]:
    if not compared:
        return []
    return [
        "| model (held-out) | average precision | Brier | strong from | precision | recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {KIND_WORDS.get(kind, kind)}{' (kept)' if kind == kept else ''} | "
            f"{c['average_precision']:.3f} | {c['brier']:.4f} | {c['strong']:.0%} | "
            f"{c['precision']:.3f} | {c['recall']:.3f} |"
            for kind, c in compared.items()
        ),
        "",
    ]


def _slopes(cal: Calibration) -> str:
    if cal.kind != "logistic":
        return ""
    terms = " + ".join(f"{s:.2f}·{k}" for k, s in cal.slopes.items())
    return f" (log-odds {cal.intercept:.2f} + {terms}, then the isotonic map; fitted on every need)"


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
    if strong["precision"] >= PRECISION:
        return (
            f"Strong tier: {target}: **missed** (precision {strong['precision']:.3f}, recall "
            f"{strong['recall']:.3f}): the cut is the lowest held-out cut with precision ≥ "
            f"{PRECISION:.2f}, and no cut at that precision keeps more of the relevant pairs."
        )
    return (
        f"Strong tier: {target}: **missed** (precision {strong['precision']:.3f}, recall "
        f"{strong['recall']:.3f}); no held-out cut reaches precision {PRECISION:.2f}, so the cut "
        "is the one with the best F0.5 (precision weighed twice as much as recall)."
    )
