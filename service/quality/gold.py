"""Evaluation on the seed gold judgments: judged needs matched against the seed achievements.

The entry point builds a scratch market from the seed data (``service.composition.
scratch_market``), so the figures do not depend on what a user has added to their own catalog.

Subsets: ``all``; ``problem`` and ``technical`` (how the need is worded, from
``gold/wording-*.tsv``); ``problem-hard``: problem-worded needs whose relevant achievements
share few words with them (see ``hard_needs``), where lexical matching cannot lean on the
vocabulary the need and its answer have in common.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Protocol

from indexer.analysis import Analyzer
from indexer.base import Progress
from indexer.documents import full_text
from service.catalog import Catalog
from service.listings.schemas import Kind
from service.matching.matcher import Matcher
from service.matching.weights import MatchConfig, Weights
from service.quality.evaluation import Qrels, score_run

HARD_OVERLAP = 0.15  # at most this share of a need's words in its best-sharing relevant answer


def read_gold(seed_dir: Path) -> tuple[Qrels, dict[str, str]]:
    """Graded judgments (need -> achievement -> grade) and each need's wording style."""
    qrels: Qrels = {}
    wording: dict[str, str] = {}
    for path in sorted((seed_dir / "gold").glob("judgments-*.tsv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                qrels.setdefault(row["need_id"], {})[row["achievement_id"]] = int(row["grade"])
    for path in sorted((seed_dir / "gold").glob("wording-*.tsv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                wording[row["need_id"]] = row["wording"]
    return qrels, wording


def load_gold(seed_dir: Path) -> tuple[Qrels, dict[str, str]]:
    qrels, wording = read_gold(seed_dir)
    if not qrels:
        raise FileNotFoundError(f"{seed_dir / 'gold'}: no judgments-*.tsv files")
    return qrels, wording


class JudgedMarket(Protocol):
    """What evaluation reads of a (scratch) market holding the judged listings."""

    @property
    def catalog(self) -> Catalog: ...
    @property
    def analyzer(self) -> Analyzer: ...
    @property
    def matcher(self) -> Matcher: ...


def surface_overlap(market: JudgedMarket, need_id: str, relevant: list[str]) -> float:
    """The largest share of the need's distinct words found in one of its relevant answers."""
    words = market.analyzer.words
    need = set(words(full_text(market.catalog.get(Kind.need, need_id))))
    if not need or not relevant:
        return 0.0
    found = market.catalog.get_many(Kind.achievement, relevant)
    return max((len(need & set(words(full_text(a)))) / len(need)) for a in found.values())


def hard_needs(market: JudgedMarket, qrels: Qrels, wording: dict[str, str]) -> set[str]:
    """Problem-worded needs whose relevant answers share at most ``HARD_OVERLAP`` of words."""
    hard = set()
    for need_id, judged in qrels.items():
        relevant = [a for a, g in judged.items() if g > 0]
        if wording.get(need_id) != "problem" or not relevant:
            continue
        if surface_overlap(market, need_id, relevant) <= HARD_OVERLAP:
            hard.add(need_id)
    return hard


def run_matcher(
    market: JudgedMarket,
    need_ids: list[str],
    config: MatchConfig | None = None,
    weights: Weights | None = None,
    progress: Progress | None = None,
) -> dict[str, list[str]]:
    """The top 100 achievements of each need under one configuration."""
    matcher = market.matcher.variant(weights, config)
    run: dict[str, list[str]] = {}
    for need_id in need_ids:
        _, _, ranked = matcher.candidates(Kind.need, market.catalog.get(Kind.need, need_id))
        run[need_id] = [c.other.id for c in ranked[:100]]
        if progress:
            progress("matching judged needs", 1)
    return run


def score_subsets(
    run: dict[str, list[str]], qrels: Qrels, subsets: dict[str, set[str]]
) -> dict[str, dict[str, float]]:
    """Metrics on all judged needs and on each named subset (skipping empty ones)."""
    report = {"all": score_run(run, qrels)}
    for name, ids in subsets.items():
        subset = {q: j for q, j in qrels.items() if q in ids and q in run}
        if any(g > 0 for j in subset.values() for g in j.values()):
            report[name] = score_run(run, subset)
    return report


def gold_subsets(
    market: JudgedMarket, qrels: Qrels, wording: dict[str, str]
) -> dict[str, set[str]]:
    subsets = {s: {q for q, w in wording.items() if w == s} for s in sorted(set(wording.values()))}
    subsets["problem-hard"] = hard_needs(market, qrels, wording)
    return subsets


def evaluate_gold(
    market: JudgedMarket,
    qrels: Qrels,
    wording: dict[str, str],
    progress: Progress | None = None,
    config: MatchConfig | None = None,
    weights: Weights | None = None,
) -> dict[str, dict[str, float]]:
    """Metrics for all judged needs and for each wording style (problem / technical)."""
    run = run_matcher(market, list(qrels), config, weights, progress)
    return score_subsets(run, qrels, gold_subsets(market, qrels, wording))
