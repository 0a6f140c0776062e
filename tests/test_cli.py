import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings

runner = CliRunner()


@pytest.fixture()
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TECHMATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TECHMATCH_EMBEDDING_MODEL", "")
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


def test_seed_index_match_search(cli_home: Path) -> None:
    seeded = runner.invoke(app, ["seed"])
    assert seeded.exit_code == 0, seeded.output
    assert "0 rejected" in seeded.output
    again = runner.invoke(app, ["seed"])
    assert "0 new, 0 updated" in again.output  # idempotent
    indexed = runner.invoke(app, ["index"])
    assert indexed.exit_code == 0 and "rebuild" in indexed.output
    assert re.search(r"matches kept: \d+ computed", indexed.output), indexed.output
    result = runner.invoke(app, ["match", "N1001", "--limit", "3", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["source"]["id"] == "N1001" and len(payload["matches"]) == 3
    assert all(m["kind"] == "achievement" and m["components"] for m in payload["matches"])
    assert all(m["tier"] in {"strong", "possible", "weak"} for m in payload["matches"])
    assert all(0 <= m["probability"] <= 1 for m in payload["matches"])
    text = runner.invoke(app, ["match", "N1001", "--limit", "3"])
    assert re.search(r" 1\. (高度匹配|可能匹配|匹配度低) (\d+|<1)%", text.stdout), text.stdout
    found = runner.invoke(app, ["search", "卤水提锂", "--kind", "achievement", "--json"])
    assert json.loads(found.stdout)["items"]
    assert runner.invoke(app, ["match", "NOPE"]).exit_code == 1


def test_match_before_index_says_how(cli_home: Path) -> None:
    result = runner.invoke(app, ["match", "N1001"])
    assert result.exit_code == 1 and "techmatch index" in result.output


def test_import_reports_rejected_rows_and_keeps_good_ones(cli_home: Path, tmp_path: Path) -> None:
    good = {
        "id": "IMP1",
        "title": "茶园轨道运输机",
        "summary": "单轨运输机适用于35度坡地茶园，载重200公斤。",
        "institution": "示例学院",
        "field": "manufacturing.hill_machinery",
        "maturity": "pilot",
    }
    bad = {**good, "id": "IMP2", "maturity": "dream", "price_wan": -3}
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join([json.dumps(good, ensure_ascii=False), json.dumps(bad), "{oops"]))
    result = runner.invoke(app, ["import", str(path), "--kind", "achievement", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["created"] == 1
    lines = {r["line"]: r for r in report["rejected"]}
    assert set(lines) == {2, 3}
    assert any(e.startswith("maturity:") for e in lines[2]["errors"])
    assert any(e.startswith("price_wan:") for e in lines[2]["errors"])
    assert "not valid JSON" in lines[3]["errors"][0]


def test_import_csv(cli_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "needs.csv"
    path.write_text(
        "id,title,description,enterprise,field,region,keywords,budget_wan\n"
        "C1,脆李采后保鲜,脆李采后三天就软化，想延长货架期到两周以上。,示例果业,agriculture.specialty,通川区,脆李;保鲜,30\n"
        "C2,缺区域,描述足够长的一段文字内容用来测试。,示例果业,agriculture.specialty,,,abc\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", str(path), "--kind", "need"])
    assert "1 new" in result.output and "line 3" in result.output and "region" in result.output


def test_search_table_fits_80_columns_and_index_says_first_build(
    cli_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.cli import common

    assert runner.invoke(app, ["seed"]).exit_code == 0
    indexed = runner.invoke(app, ["index", "--no-keep"])
    assert "first build" in indexed.output and "no search index yet" not in indexed.output
    assert "matches kept" not in indexed.output
    monkeypatch.setattr(common.console, "width", 80)
    found = runner.invoke(app, ["search", "玄武岩纤维 复合筋", "--kind", "achievement"])
    assert found.exit_code == 0, found.output
    as_json = runner.invoke(app, ["search", "玄武岩纤维 复合筋", "--kind", "achievement", "--json"])
    top = json.loads(as_json.stdout)["items"][0]
    first = top["title"]
    lines = found.output.splitlines()
    assert max(len(line) for line in lines) <= 80  # CJK characters are one str char each
    row = next(i for i, line in enumerate(lines) if f"│ {top['id']} " in line)
    cell = "".join(line.split("│")[2].strip() for line in lines[row : row + 4])
    assert cell.startswith(first[:12]), (first, cell)


def test_a_warning_prints_once_however_often_the_market_opens() -> None:
    import logging

    from service.cli.common import _WarnOnce

    once = _WarnOnce()
    record = logging.LogRecord("indexer.embedding", logging.WARNING, "", 0, "model off", (), None)
    info = logging.LogRecord("x", logging.INFO, "", 0, "building", (), None)
    assert once.filter(record) and not once.filter(record)
    assert once.filter(info) and once.filter(info)


def test_account_commands_open_only_the_accounts(
    cli_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import service.composition

    def no_market(*_: object, **__: object) -> None:
        raise AssertionError("the account commands should not build the whole market")

    monkeypatch.setattr(service.composition, "build_components", no_market)
    made = runner.invoke(app, ["user", "create", "ent-cli", "--role", "enterprise"])
    assert made.exit_code == 0, made.output
    assert "API token:" in made.output
    listed = runner.invoke(app, ["user", "list"])
    assert listed.exit_code == 0 and "ent-cli" in listed.output
    again = runner.invoke(app, ["user", "token", "ent-cli"])
    assert again.exit_code == 0 and "API token for ent-cli" in again.output


def test_eval_measures_the_weights_matching_uses() -> None:
    from types import SimpleNamespace

    from service.cli.quality import _configured
    from service.matching.weights import Weights

    tuned = Weights(text=0.3)
    market = SimpleNamespace(matcher=SimpleNamespace(weights=tuned, tuned=True))
    assert _configured(market) is tuned  # type: ignore[arg-type]
    market.matcher.tuned = False
    assert _configured(market) is None  # type: ignore[arg-type]
