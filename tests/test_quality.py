"""The quality report and tune commands, on a tiny subset (the full report is not a test)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings

runner = CliRunner()


@pytest.fixture()
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("TECHMATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TECHMATCH_EMBEDDING_MODEL", "")
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


def test_report_writes_every_section(cli_home: Path, tmp_path: Path) -> None:
    beir = tmp_path / "beir"
    (beir / "qrels").mkdir(parents=True)
    corpus = [
        {"_id": "d1", "title": "卤水提锂", "text": "铝系吸附剂"},
        {"_id": "d2", "title": "茶"},
    ]
    (beir / "corpus.jsonl").write_text("\n".join(json.dumps(c) for c in corpus))
    (beir / "queries.jsonl").write_text(json.dumps({"_id": "q1", "text": "提锂吸附剂"}))
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n")
    out = tmp_path / "quality.md"
    args = ["report", "--out", str(out), "--needs", "8", "--folds", "2", "--beir", str(beir)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    for heading in (
        "## Settings used",
        "## Commands to reproduce",
        "## Seed gold (regression set): ablation",
        "## Seed gold: the former targets",
        "## Tuned weights (cross-validated)",
        "## csl-dev",
        "## Field and keyword suggestion",
        "## Notes",
    ):
        assert heading in text
    assert "| lexical alone (BM25, every token once) |" in text
    assert "n/a (no model)" in text  # dense rows say so instead of pretending
    assert "+ tuned weights (2-fold, held-out)" in text
    assert "| beir | lexical | 1.0000 |" in text


def test_tune_stores_weights_beside_the_index(cli_home: Path, seeded_home: Path) -> None:
    import shutil

    shutil.copytree(seeded_home, cli_home)
    result = runner.invoke(app, ["tune", "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert "held-out (3-fold)" in result.output
    stored = json.loads((cli_home / "index" / "weights.json").read_text(encoding="utf-8"))
    assert stored["judgments"]["needs_fitted"] > 100
    assert stored["fitted_at"] and stored["cross_validation"]["folds"] == 3
    assert abs(sum(v for k, v in stored["weights"].items() if k != "retrievers") - 1) < 0.01
