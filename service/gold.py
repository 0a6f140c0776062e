"""Evaluation on the seed gold judgments: judged needs matched against the seed achievements.

The catalog and index are built in a scratch ``TECHMATCH_HOME`` from the seed data, so the
figures do not depend on what a user has added to their own catalog.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable
from pathlib import Path

from seed_data import SEED_DIR
from service import index_sync
from service.engine import Engine
from service.evaluation import Qrels, score_run
from service.loader import seed
from service.matching.matcher import Matcher
from service.schemas import Kind


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


def evaluate_gold(
    parent: Engine, progress: Callable[[str, int], None] | None = None
) -> dict[str, dict[str, float]]:
    """Metrics for all judged needs and for each wording style (problem / technical)."""
    settings = parent.settings
    seed_dir = settings.seed_dir or SEED_DIR
    qrels, wording = read_gold(seed_dir)
    if not qrels:
        raise FileNotFoundError(f"{seed_dir / 'gold'}: no judgments-*.tsv files")
    with tempfile.TemporaryDirectory(prefix="techmatch-gold-") as scratch:
        engine = parent.scratch(
            settings.model_copy(update={"home": Path(scratch), "database_url": None})
        )
        try:
            seed(engine.catalog, seed_dir)
            index_sync.rebuild(engine, progress)
            matcher = Matcher(engine)
            run: dict[str, list[str]] = {}
            for need_id in qrels:
                result = matcher.match(Kind.need, need_id, limit=100)
                run[need_id] = [m.id for m in result.matches]
                if progress:
                    progress("matching judged needs", 1)
        finally:
            engine.close()
    report = {"all": score_run(run, qrels)}
    for style in sorted(set(wording.values())):
        subset = {q: j for q, j in qrels.items() if wording.get(q) == style}
        if subset:
            report[style] = score_run(run, subset)
    return report
