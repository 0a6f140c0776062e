"""The development set (``seed_data/devset/``): 160 needs written apart from the catalogue,
ranked against the seed achievements, scored on pooled graded judgments.

The dev needs are never stored: each is matched as an unsaved listing (as the posting form's
preview does), so the catalogue the figures are measured on is exactly the seed's.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from indexer.base import Progress
from indexer.documents import full_text
from service.listings.schemas import Kind, Need
from service.matching.weights import MatchConfig, Weights
from service.quality.evaluation import Qrels, read_qrels, score_run
from service.quality.gold import JudgedMarket

FIELDS = set(Need.model_fields) - {"id", "created_at", "updated_at"}


@dataclass
class DevSet:
    needs: dict[str, Need]
    wording: dict[str, str]  # need id -> "problem" | "technical"
    true_field: dict[str, str]
    qrels: Qrels
    second: Qrels  # the second judge's grades on a sample

    def subsets(self) -> dict[str, set[str]]:
        return {w: {n for n, v in self.wording.items() if v == w} for w in ("problem", "technical")}


def load_devset(seed_dir: Path) -> DevSet:
    folder = seed_dir / "devset"
    if not (folder / "needs.jsonl").exists():
        raise FileNotFoundError(f"{folder}: no needs.jsonl (the development set)")
    now = dt.datetime(2026, 1, 1)
    needs: dict[str, Need] = {}
    wording: dict[str, str] = {}
    true_field: dict[str, str] = {}
    for line in (folder / "needs.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        wording[record["id"]] = record["wording"]
        true_field[record["id"]] = record["true_field"]
        data = {k: v for k, v in record.items() if k in FIELDS}
        needs[record["id"]] = Need.model_validate(
            {**data, "id": record["id"], "created_at": now, "updated_at": now}
        )
    return DevSet(
        needs=needs,
        wording=wording,
        true_field=true_field,
        qrels=read_qrels(folder / "qrels.tsv"),
        second=read_qrels(folder / "second-judge.tsv"),
    )


def run_devset(
    market: JudgedMarket,
    devset: DevSet,
    config: MatchConfig | None = None,
    weights: Weights | None = None,
    progress: Progress | None = None,
) -> dict[str, list[str]]:
    """The top 100 achievements of every dev need under one configuration."""
    matcher = market.matcher.variant(weights, config)
    if matcher.config.dense:  # the queries' vectors in one batch (then from the cache)
        matcher.encoder.encode([full_text(n) for n in devset.needs.values()], query=True)
    run: dict[str, list[str]] = {}
    for need_id, need in devset.needs.items():
        _, _, ranked = matcher.candidates(Kind.need, need)
        run[need_id] = [c.other.id for c in ranked[:100]]
        if progress:
            progress("matching dev needs", 1)
    return run


def evaluate_devset(
    market: JudgedMarket,
    devset: DevSet,
    config: MatchConfig | None = None,
    weights: Weights | None = None,
    progress: Progress | None = None,
) -> dict[str, dict[str, float]]:
    """Metrics on every dev need with a relevant answer, and on each wording style."""
    run = run_devset(market, devset, config, weights, progress)
    report = {"all": score_run(run, devset.qrels)}
    for name, ids in devset.subsets().items():
        report[name] = score_run(run, {q: j for q, j in devset.qrels.items() if q in ids})
    return report


def agreement(devset: DevSet) -> dict[str, float]:
    """Cohen's kappa between the judges on the doubly judged pairs."""
    from sklearn.metrics import cohen_kappa_score

    pairs = [(n, a) for n, judged in devset.second.items() for a in judged]
    first = [devset.qrels[n][a] for n, a in pairs]
    second = [devset.second[n][a] for n, a in pairs]
    return {
        "pairs": len(pairs),
        "kappa_relevant": round(
            float(cohen_kappa_score([g > 0 for g in first], [g > 0 for g in second])), 3
        ),
        "kappa_quadratic": round(float(cohen_kappa_score(first, second, weights="quadratic")), 3),
        "kappa_grades": round(float(cohen_kappa_score(first, second)), 3),
    }
