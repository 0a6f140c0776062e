"""The development-set part of the quality report: an ablation where each row adds one part,
BM25 over the full need text as the reference, learned weights scored held-out, the judges'
agreement and the targets of issue #12."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.base import Progress
from service.matching.calibration import Calibrations
from service.matching.weights import MatchConfig, Weights
from service.quality import alignment
from service.quality.ascent import Pool
from service.quality.devset import DevSet, agreement, run_devset
from service.quality.evaluation import score_run
from service.quality.gold import JudgedMarket
from service.quality.tuning import run_tune

LIFT = 0.08  # problem-worded needs: at least this much above BM25 over the full need text
REFERENCE = "BM25 over the full need text"
# Each row ranks by the score alone (``ordered=False``); the shipped listing by the match
# probability is its own row, from the calibration's held-out folds.
PLAIN = MatchConfig("plain", query="plain", feedback=False, lexicon=False, ordered=False)
LEXICON = MatchConfig("lexicon", query="plain", feedback=False, lexicon=True, ordered=False)
BM25 = MatchConfig(
    "bm25", query="plain", dense=False, feedback=False, features=False, ordered=False
)
DENSE = MatchConfig("dense", lexical=False, feedback=False, features=False, ordered=False)
WHOLE = MatchConfig(
    "dense-whole", lexical=False, feedback=False, features=False, passages=False, ordered=False
)
PLAIN_WHOLE = MatchConfig(
    "plain-whole", query="plain", feedback=False, passages=False, lexicon=False, ordered=False
)
FUSED = MatchConfig("rrf", query="plain", feedback=False, features=False, ordered=False)
UNDERSTOOD = MatchConfig("understood", query="understood", feedback=True, ordered=False)
ROWS: list[tuple[str, MatchConfig, Weights | None]] = [
    (REFERENCE, BM25, None),
    ("dense alone (e5 cosine, whole-listing vectors only)", WHOLE, None),
    ("dense alone (e5 cosine, whole listing and its best passage)", DENSE, None),
    ("+ fused: BM25 and dense by reciprocal rank", FUSED, None),
    ("+ structured features (the old hand-set weights)", PLAIN, Weights()),
    ("+ key terms and feedback instead of the full text", UNDERSTOOD, Weights()),
]
SUBSETS = ("all", "problem", "technical")


@dataclass
class DevReport:
    sizes: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[str, dict[str, dict[str, float]] | None]] = field(default_factory=list)
    agreement: dict[str, float] = field(default_factory=dict)
    learned: dict[str, Weights] = field(default_factory=dict)
    calibrations: Calibrations | None = None  # fitted with the shipped configuration


def _scores(dev: DevSet, run: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    out = {"all": score_run(run, dev.qrels)}
    for name, ids in dev.subsets().items():
        out[name] = score_run(run, {q: j for q, j in dev.qrels.items() if q in ids})
    return out


def collect_dev(
    market: JudgedMarket, dev: DevSet, folds: int, progress: Progress | None = None
) -> DevReport:
    report = DevReport(agreement=agreement(dev))
    judged = {q for q, j in dev.qrels.items() if any(g > 0 for g in j.values())}
    report.sizes = {"all": len(judged)} | {n: len(ids & judged) for n, ids in dev.subsets().items()}
    semantic = market.matcher.encoder.available
    for label, config, weights in ROWS:
        if config.dense and not config.lexical and not semantic:
            report.rows.append((label, None))
            continue
        report.rows.append(
            (label, _scores(dev, run_devset(market, dev, config, weights, progress)))
        )
    learned = (
        ("pairwise", "learned weights, pairwise logistic", PLAIN),
        ("ascent", "learned weights, coordinate ascent", PLAIN),
        ("lexicon", "problem-lexicon bridges as a learned feature (pairwise)", LEXICON),
    )
    for name, label, config in learned:
        method = "ascent" if name == "ascent" else "pairwise"
        result = run_tune(market, {}, [], folds, progress, config, dev=dev, method=method)
        report.rows.append(
            (f"+ {label} ({folds}-fold, held-out)", _scores(dev, result.cv.after_runs))
        )
        report.learned[name] = result.weights
        if name == "pairwise":
            report.calibrations = result.calibrations
            if result.listed:  # the shipped list: its top by the match probability
                label = f"+ {label}, listed by the match probability ({folds}-fold, held-out)"
                report.rows.append((label, _scores(dev, result.listed)))
    if semantic:  # sentence alignment as one more component (issue #23; not in the matcher)

        def add(pool: Pool) -> Pool:
            return alignment.with_alignment(pool, dev.needs, market.catalog, market.matcher.encoder)

        result = run_tune(market, {}, [], folds, progress, PLAIN, dev=dev,
                          extra=(alignment.NAME, add))  # fmt: skip
        name = f"+ sentence alignment as a learned feature (pairwise) ({folds}-fold, held-out)"
        report.rows.append((name, _scores(dev, result.cv.after_runs)))
    if semantic:  # what the passage vectors add to the shipped ranking
        result = run_tune(market, {}, [], folds, progress, PLAIN_WHOLE, dev=dev)
        name = f"… pairwise logistic ({folds}-fold) with whole-listing vectors only (no passages)"
        report.rows.append((name, _scores(dev, result.cv.after_runs)))
    return report


def _cell(figures: dict[str, dict[str, float]] | None, subset: str) -> str:
    if figures is None:
        return "n/a (no model)"
    m = figures[subset]
    return f"{m['ndcg@10']:.3f} / {m['mrr@10']:.3f}"


def markdown(report: DevReport) -> list[str]:
    head = " | ".join(f"{s} ({report.sizes.get(s, 0)})" for s in SUBSETS)
    lines = [f"| configuration | {head} |", "| --- |" + " --- |" * len(SUBSETS)]
    for label, figures in report.rows:
        lines.append(f"| {label} | " + " | ".join(_cell(figures, s) for s in SUBSETS) + " |")
    a = report.agreement
    lines += [
        "",
        f"Judges' agreement on {a.get('pairs', 0)} doubly graded pairs: Cohen's kappa "
        f"{a.get('kappa_relevant', 0):.2f} on relevant (grade ≥ 1) or not, "
        f"{a.get('kappa_quadratic', 0):.2f} quadratic-weighted on the four grades, "
        f"{a.get('kappa_grades', 0):.2f} unweighted.",
        "",
        *targets(report),
    ]
    return lines


def targets(report: DevReport) -> list[str]:
    rows = dict(report.rows)
    base = rows.get(REFERENCE)
    best_label, best = next(
        (
            (label, f)
            for label, f in reversed(report.rows)
            if f and label.startswith("+ learned weights, pairwise")
        ),
        (None, None),
    )
    if base is None or best is None:
        return ["_targets not evaluated_"]
    lines = []
    for metric in ("mrr@10", "ndcg@10"):
        b, v = base["problem"][metric], best["problem"][metric]
        verdict = "met" if v - b >= LIFT else f"missed by {LIFT - (v - b):.3f}"
        lines.append(
            f"- problem-worded needs, {metric}: {v:.3f} ({best_label}) vs {b:.3f} "
            f"({REFERENCE}), lift {v - b:+.3f} (target +{LIFT:.2f}): **{verdict}**"
        )
        bt, vt = base["technical"][metric], best["technical"][metric]
        verdict = "met" if vt >= bt - 0.0005 else f"missed by {bt - vt:.3f}"
        lines.append(f"- technical needs, {metric}: {vt:.3f} vs {bt:.3f} (no worse): **{verdict}**")
    return lines
