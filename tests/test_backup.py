"""``techmatch backup FILE`` and ``techmatch restore FILE``: a consistent online copy of the
catalog and the accounts, and a restore that replaces them and rebuilds the index."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.accounts import Role
from service.catalog import NotFoundError
from service.catalog.backup import NotACatalogError, backup, inspect_file
from service.cli import app
from service.composition import build_components
from service.config import get_settings
from service.listings.schemas import AchievementIn, Kind
from tests.conftest import make_settings

runner = CliRunner()
ADDED = {
    "id": "BK-A1",
    "title": "锂渣制备加气混凝土砌块技术",
    "summary": "以锂冶炼废渣为硅质原料制备蒸压加气混凝土砌块，干密度B06级，抗压强度达到A3.5。",
    "institution": "示例研究所",
    "field": "materials.other",
    "maturity": "pilot",
}


@pytest.fixture()
def home(seeded_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    copy = tmp_path / "home"
    shutil.copytree(seeded_home, copy)
    monkeypatch.setenv("TECHMATCH_HOME", str(copy))
    monkeypatch.setenv("TECHMATCH_EMBEDDING_MODEL", "")
    monkeypatch.delenv("TECHMATCH_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield copy
    get_settings.cache_clear()


def _search(query: str) -> list[str]:
    found = runner.invoke(app, ["search", query, "--kind", "achievement", "--json"])
    assert found.exit_code == 0, found.output
    return [item["id"] for item in json.loads(found.stdout)["items"]]


def test_backup_then_restore_undoes_later_writes(home: Path, tmp_path: Path) -> None:
    file = tmp_path / "backup.sqlite3"
    made = runner.invoke(app, ["backup", str(file)])
    assert made.exit_code == 0, made.output
    assert runner.invoke(app, ["backup", str(file)]).exit_code == 1  # never overwritten silently

    running = build_components(make_settings(home))  # a service that keeps running
    running.listings.create(Kind.achievement, AchievementIn.model_validate(ADDED), None)
    running.accounts.create_user("after-backup", "pw-123456", Role.broker, "备份后单位")
    assert "BK-A1" in _search("锂渣加气混凝土砌块")

    restored = runner.invoke(app, ["restore", str(file), "--yes"])
    assert restored.exit_code == 0, restored.output
    with pytest.raises(NotFoundError):  # its open connections see the restored catalog
        running.catalog.get(Kind.achievement, "BK-A1")
    running.close()
    assert "BK-A1" not in _search("锂渣加气混凝土砌块")  # gone from the catalog and the index
    assert _search("玄武岩纤维复合筋")  # search works on the restored catalog
    market = build_components(make_settings(home))
    assert market.accounts.by_username("after-backup") is None
    assert market.index.count("achievement") == market.catalog.count(Kind.achievement)
    market.close()


def test_restore_refuses_a_file_that_is_not_a_catalog(home: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"\x00not a database" * 100)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    for bad in (garbage, other, tmp_path / "missing.sqlite3"):
        result = runner.invoke(app, ["restore", str(bad), "--yes"])
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "error" in result.output
    assert _search("玄武岩纤维复合筋")  # the catalog is as it was


def test_a_backup_taken_during_writes_is_one_consistent_snapshot(
    home: Path, tmp_path: Path
) -> None:
    market = build_components(make_settings(home))
    before = market.catalog.count(Kind.achievement)
    stop = threading.Event()

    def write_in_tens() -> None:
        batch = 0
        while not stop.is_set() and batch < 200:
            rows = [
                AchievementIn.model_validate({**ADDED, "id": f"BK{batch:03d}-{i}"})
                for i in range(10)
            ]
            market.catalog.upsert_many(Kind.achievement, rows)
            batch += 1

    writer = threading.Thread(target=write_in_tens)
    writer.start()
    try:
        copies = [backup(home / "catalog.sqlite3", tmp_path / f"b{i}.sqlite3") for i in range(3)]
    finally:
        stop.set()
        writer.join()
    market.close()
    for copy in copies:  # each copy holds whole transactions only
        assert (copy.counts["achievements"] - before) % 10 == 0


def test_a_backup_holds_what_is_still_in_the_write_ahead_log(home: Path, tmp_path: Path) -> None:
    market = build_components(make_settings(home))  # its open connection keeps the WAL
    before = market.catalog.count(Kind.achievement)
    market.catalog.create(Kind.achievement, AchievementIn.model_validate(ADDED))
    assert (home / "catalog.sqlite3-wal").stat().st_size > 0
    copy = backup(home / "catalog.sqlite3", tmp_path / "b.sqlite3")
    market.close()
    assert copy.counts["achievements"] == before + 1
    assert not (tmp_path / "b.sqlite3-wal").exists()  # one self-contained file


def test_inspect_names_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(NotACatalogError, match="不存在"):
        inspect_file(tmp_path / "nope.sqlite3")


def test_postgresql_gets_pg_dump_instructions(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TECHMATCH_DATABASE_URL", "postgresql+psycopg://tm:secret@db:5432/tm")
    get_settings.cache_clear()
    made = runner.invoke(app, ["backup", str(tmp_path / "x.dump")])
    assert made.exit_code == 2 and "pg_dump --format=custom" in made.output
    assert "secret" not in made.output
    undone = runner.invoke(app, ["restore", str(tmp_path / "x.dump")])
    assert undone.exit_code == 2 and "pg_restore" in undone.output
    assert "index --rebuild" in undone.output
