"""Malformed import files: a clean report, a clean 4xx page and a clean CLI error, never a
traceback or a 500; the work per file is bounded (a row cap and a cell cap, stated)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.accounts import Role
from service.cli import app as cli
from service.composition import Components
from service.config import get_settings
from service.listings.schemas import Kind
from service.publishing import loader
from service.publishing.loader import CELL_MAX, ImportFileError, import_file
from tests.pages import page_client, sign_in

HEADER = "title,summary,institution,field,maturity\n"
ROW = (
    "秸秆基缓释肥制备技术,以农作物秸秆为载体制备缓释肥料，肥效期延长到九十天以上。,"
    "示例大学,agriculture,pilot\n"
)


def garbage_xlsx(folder: Path) -> Path:
    path = folder / "成果库.xlsx"
    path.write_bytes(os.urandom(4096))
    return path


def huge_cell_csv(folder: Path) -> Path:
    path = folder / "huge.csv"
    path.write_text(HEADER + ROW.replace("示例大学", "示" * 200_000), encoding="utf-8")
    return path


def nested_jsonl(folder: Path) -> Path:
    path = folder / "nested.jsonl"
    path.write_text("[" * 100_000 + "\n", encoding="utf-8")
    return path


def bad_encoding_csv(folder: Path) -> Path:
    path = folder / "bad.csv"
    path.write_bytes(HEADER.encode() + b"\xff\xfe\xff\x80\x80\xff,\xff\n")
    return path


BAD_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "random bytes named .xlsx": (garbage_xlsx, "Excel"),
    "a 200,000-character CSV cell": (huge_cell_csv, f"最多 {CELL_MAX} 字"),
    "bytes in no known encoding": (bad_encoding_csv, "UTF-8"),
}


# ---- the loader -------------------------------------------------------------------------
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_loader_refuses_unreadable_files_with_a_reason(
    case: str, market: Components, tmp_path: Path
) -> None:
    make, says = BAD_FILES[case]
    with pytest.raises(ImportFileError, match=says):
        import_file(market.catalog, Kind.achievement, make(tmp_path))
    assert market.catalog.count(Kind.achievement, published_only=False) == 0


def test_loader_reports_bad_lines_and_keeps_good_ones(market: Components, tmp_path: Path) -> None:
    good = {
        "title": "茶园轨道运输机",
        "summary": "单轨运输机适用于35度坡地茶园，载重200公斤。",
        "institution": "示例学院",
        "field": "manufacturing.hill_machinery",
        "maturity": "pilot",
    }
    lines = [
        "[" * 100_000,  # over the line cap: not even parsed
        "[" * 40_000,  # under it, but nested past the parser's recursion limit
        json.dumps({**good, "price_wan": True}),  # true is not a number
        json.dumps({**good, "price_wan": 1e400}),  # inf is not a price
        "9" * 5000,  # an integer past Python's digit limit
        json.dumps(good, ensure_ascii=False),
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = import_file(market.catalog, Kind.achievement, path)
    assert report.created == 1
    reasons = {r.line: " ".join(r.errors) for r in report.rejected}
    assert set(reasons) == {1, 2, 3, 4, 5}
    assert "上限" in reasons[1] and "嵌套" in reasons[2]
    assert reasons[3].startswith("price_wan") and reasons[4].startswith("price_wan")


def test_a_long_cell_rejects_its_row_only(market: Components, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(HEADER + ROW + ROW.replace("示例大学", "示" * 20_000), encoding="utf-8")
    report = import_file(market.catalog, Kind.achievement, path)
    assert report.created == 1 and report.rejected[0].line == 3
    assert f"{CELL_MAX} 字上限" in report.rejected[0].errors[0]


def test_gb18030_csv_from_excel_is_read(market: Components, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + ROW).encode("gb18030"))
    assert import_file(market.catalog, Kind.achievement, path).created == 1


def test_row_cap_refuses_the_whole_file_and_writes_nothing(
    market: Components, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "ROW_MAX", 3)
    path = tmp_path / "many.csv"
    path.write_text(HEADER + ROW * 4, encoding="utf-8")
    with pytest.raises(ImportFileError, match="3 行上限"):
        import_file(market.catalog, Kind.achievement, path)
    assert market.catalog.count(Kind.achievement, published_only=False) == 0


# ---- the command line -------------------------------------------------------------------
@pytest.fixture()
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TECHMATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TECHMATCH_EMBEDDING_MODEL", "")
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_cli_import_of_a_bad_file_is_one_clean_error(
    case: str, cli_home: Path, tmp_path: Path
) -> None:
    make, says = BAD_FILES[case]
    result = CliRunner().invoke(cli, ["import", str(make(tmp_path)), "--kind", "achievement"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    output = " ".join(result.output.split())  # rich wraps long lines
    assert "error" in output and says in output
    assert "Traceback" not in output


def test_cli_import_of_nested_json_reports_the_line(cli_home: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["import", str(nested_jsonl(tmp_path)), "--kind", "achievement"]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "line 1" in result.output and "Traceback" not in result.output


# ---- the web upload ---------------------------------------------------------------------
@pytest.mark.anyio
async def test_web_import_of_bad_files_is_a_clean_400_page(
    seeded_market: Components, tmp_path: Path
) -> None:
    before = seeded_market.catalog.count(Kind.achievement, published_only=False)
    async with page_client(seeded_market) as client:
        token = await sign_in(client, seeded_market, "uni-bad", Role.university, "示例大学")
        for case, (make, says) in sorted(BAD_FILES.items()):
            path = make(tmp_path)
            files = {"file": (path.name, path.read_bytes(), "application/octet-stream")}
            r = await client.post("/import", data={"csrf_token": token}, files=files)
            assert r.status_code == 400, (case, r.status_code)
            assert r.headers["content-type"].startswith("text/html")
            assert says in r.text and "Traceback" not in r.text, case
        path = nested_jsonl(tmp_path)
        files = {"file": (path.name, path.read_bytes(), "application/octet-stream")}
        r = await client.post("/import", data={"csrf_token": token}, files=files)
        assert r.status_code == 200 and "拒绝 1 行" in r.text
    assert seeded_market.catalog.count(Kind.achievement, published_only=False) == before
