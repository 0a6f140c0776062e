"""The expert pool below the API: seeding from the CLI, matching with and without a model,
imports with a row report, and the admins' edit form."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from seed_data import SEED_DIR
from service.accounts import Role
from service.cli import app
from service.composition import Components, build_components
from service.config import get_settings
from service.listings.schemas import Kind
from tests.conftest import make_settings
from tests.desk_support import login, make_user
from tests.pages import page_client


def test_seed_command_loads_the_expert_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TECHMATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TECHMATCH_EMBEDDING_MODEL", "")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        first = runner.invoke(app, ["seed"])
        assert first.exit_code == 0, first.output
        assert "专家: 96 new, 0 updated, 0 rejected" in first.output
        again = runner.invoke(app, ["seed"])
        assert "专家: 0 new, 0 updated, 0 rejected" in again.output
    finally:
        get_settings.cache_clear()
    market = build_components(make_settings(tmp_path / "home"))
    try:
        assert market.experts.count() == 96
    finally:
        market.close()


def test_import_reports_each_bad_row(market: Components, tmp_path: Path) -> None:
    market.catalog.create_schema()
    path = tmp_path / "experts.csv"
    path.write_text(
        "id,name,organisation,fields,expertise,counties,roles\n"
        "E700,甲专家,四川文理学院,agriculture.specialty,富硒茶树栽培与名优绿茶加工工艺,万源市,成果评价\n"
        "E701,乙专家,某研究院,agriculture.specialty,茶叶加工,火星,科技特派员\n"
        "E700,重复,某单位,agriculture.specialty,富硒茶树栽培与名优绿茶加工工艺,万源市,\n",
        encoding="utf-8",
    )
    report = market.experts.import_file(path)
    assert (report.created, report.updated) == (1, 0)
    assert [r["line"] for r in report.rejected] == [3, 4]
    assert set(report.rejected[0]["fields"]) == {"expertise", "counties"}
    assert "重复" in report.rejected[1]["errors"][0]
    assert market.experts.get("E700").roles == ["成果评价"]


def test_matching_uses_the_model_when_there_is_one(
    seeded_home: Path, tmp_path: Path, tiny_model: Path
) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(seeded_home, home)
    market = build_components(make_settings(home, embedding_model=str(tiny_model)))
    try:
        market.catalog.create_schema()
        market.experts.seed(SEED_DIR)
        ranked = market.expert_matcher.for_listing(Kind.need, "N2001", 5)
        assert ranked.semantic
        assert "dense" in {c.name for c in ranked.items[0].components}
        assert abs(sum(c.weight for c in ranked.items[0].components) - 1.0) < 1e-9
    finally:
        market.close()


def test_pool_changes_reach_the_matcher(market: Components) -> None:
    market.catalog.create_schema()
    market.experts.seed(SEED_DIR)
    before = market.expert_matcher.pool()
    market.experts.update("E001", {"counties": ["万源市"]})
    after = market.expert_matcher.pool()
    assert after is not before
    assert next(e for e in after.experts if e.id == "E001").counties == ["万源市"]


@pytest.mark.anyio
async def test_admin_edits_an_expert(seeded_market: Components) -> None:
    seeded_market.catalog.create_schema()
    seeded_market.experts.seed(SEED_DIR)
    async with page_client(seeded_market) as client:
        token = await login(client, make_user(seeded_market, Role.admin))
        form = (await client.get("/experts/E002/edit")).text
        assert "向国栋" in form
        values = {
            "csrf_token": token,
            "name": "向国栋",
            "organisation": "四川农业大学",
            "title": "教授",
            "fields": "agriculture.seed",
            "expertise": "玉米与大豆遗传育种，带状复合种植品种筛选与评价",
            "counties": "达川区；开江县",
            "roles": "成果评价",
            "team": "",
            "assigned_enterprises": "",
            "contact": "xiang@example.cn",
            "status": "active",
        }
        bad = await client.post("/experts/E002/edit", data={**values, "fields": "nope"})
        assert bad.status_code == 422 and 'id="fields-error"' in bad.text
        assert (await client.post("/experts/E002/edit", data=values)).status_code == 303
    expert = seeded_market.experts.get("E002")
    assert expert.counties == ["达川区", "开江县"] and expert.contact == "xiang@example.cn"
