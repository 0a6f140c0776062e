"""``techmatch common-needs``: the groups as JSON, and the evaluation against the reference."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings
from service.programmes.common_needs.grouping import LEXICAL_THRESHOLD

runner = CliRunner()


@pytest.fixture()
def cli_home(seeded_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home)
    monkeypatch.setenv("TECHMATCH_HOME", str(home))
    monkeypatch.setenv("TECHMATCH_EMBEDDING_MODEL", "")
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


def test_common_needs_json_and_table(cli_home: Path) -> None:
    result = runner.invoke(app, ["common-needs", "--json", "--achievements", "1"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["threshold"] == LEXICAL_THRESHOLD and payload["semantic"] is False
    assert len(payload["groups"]) >= 10
    assert all(len(g["needs"]) >= 2 and len(g["enterprises"]) >= 2 for g in payload["groups"])
    table = runner.invoke(app, ["common-needs", "--achievements", "0"])
    assert table.exit_code == 0 and "共性技术需求" in table.output


def test_common_needs_evaluate(cli_home: Path) -> None:
    result = runner.invoke(app, ["common-needs", "--evaluate", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["reference_groups"] == 27 and report["reference_pairs"] == 47
    chosen = report["chosen"]
    assert chosen["threshold"] == LEXICAL_THRESHOLD == report["held_out"]["threshold"]
    assert 0 < report["held_out"]["f1"] < chosen["f1"]
    assert {"precision", "recall", "f1", "ari"} <= set(chosen)
