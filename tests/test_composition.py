"""The composition root and the write path: settings reach every part, and a committed write
stands when the index fails after it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from indexer.embedding import SemanticEncoder
from seed_data import SEED_DIR
from service.accounts import Role
from service.app import create_app
from service.composition import Components, build_components
from service.config import Settings, get_settings
from service.listings.schemas import Kind, NeedIn
from tests.conftest import make_settings
from tests.desk_support import api_client, make_user

NEED = {
    "title": "石墨烯导热膜量产工艺",
    "description": "公司生产手机散热膜，想引进石墨烯导热膜的连续化生产工艺，厚度均匀性要好。",
    "enterprise": "达州示例电子材料有限公司",
    "field": "materials.graphene",
    "region": "达州高新区",
}


@pytest.fixture()
def own_seed_dir(tmp_path: Path) -> Path:
    """A copy of the seed data whose taxonomy has one more sub-field."""
    copy = tmp_path / "seed"
    shutil.copytree(SEED_DIR, copy)
    path = copy / "taxonomy.json"
    taxonomy = json.loads(path.read_text(encoding="utf-8"))
    materials = next(f for f in taxonomy["fields"] if f["code"] == "materials")
    materials["children"].append({"code": "materials.graphene", "label": "石墨烯"})
    path.write_text(json.dumps(taxonomy, ensure_ascii=False), encoding="utf-8")
    return copy


@pytest.mark.anyio
async def test_a_field_of_the_configured_seed_dir_is_accepted(
    own_seed_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TECHMATCH_SEED_DIR", str(own_seed_dir))
    monkeypatch.setenv("TECHMATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TECHMATCH_EMBEDDING_MODEL", "")
    get_settings.cache_clear()
    try:
        market = build_components(get_settings())
        assert market.taxonomy.label("materials.graphene") == "石墨烯"
        market.catalog.create_schema()
        broker = make_user(market, Role.broker)
        async with api_client(market, broker) as client:
            created = await client.post("/api/needs", json=NEED)
            assert created.status_code == 201, created.text
            page = await client.get(f"/needs/{created.json()['id']}")
            assert "石墨烯" in page.text
        market.close()
    finally:
        get_settings.cache_clear()


def test_the_packaged_taxonomy_refuses_that_field(market: Components) -> None:
    with pytest.raises(ValueError, match=r"materials\.graphene"):
        NeedIn.model_validate(NEED)


def test_a_committed_write_stands_when_the_index_fails(
    seeded_market: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(seeded_market.index, "upsert", broken)
    need = NeedIn.model_validate({**NEED, "field": "materials.other"})
    stored = seeded_market.listings.create(Kind.need, need, None)
    assert seeded_market.catalog.get(Kind.need, stored.id).title == NEED["title"]
    failure = seeded_market.indexing.last_failure
    assert failure is not None and failure.listing_id == stored.id and "disk full" in failure.error
    monkeypatch.undo()
    report = seeded_market.indexing.sync()  # the next sync repairs the index
    assert report.added == 1 and seeded_market.indexing.last_failure is None


@pytest.mark.anyio
async def test_health_reports_a_failed_index_write(
    seeded_market: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = make_user(seeded_market, Role.broker)
    async with api_client(seeded_market, broker) as client:
        monkeypatch.setattr(
            seeded_market.index, "upsert", lambda *_: (_ for _ in ()).throw(OSError("gone"))
        )
        r = await client.post("/api/needs", json={**NEED, "field": "materials.other"})
        assert r.status_code == 201  # the write stands
        health = (await client.get("/api/health")).json()
        assert health["status"] == "degraded"
        assert health["index"]["last_write_failure"]["id"] == r.json()["id"]


def test_an_enterprise_posts_under_its_own_name(market: Components) -> None:
    enterprise = make_user(market, Role.enterprise)
    need = NeedIn.model_validate(
        {**NEED, "field": "materials.other", "enterprise": "四川省人民政府"}
    )
    stored = market.listings.create(Kind.need, need, enterprise)
    assert stored.enterprise == enterprise.organisation


def test_settings_are_independent_of_the_process(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "h")
    assert isinstance(settings, Settings) and settings.home == tmp_path / "h"
    app = create_app(settings)  # building the app opens no model and touches no index
    assert app.state.parts[SemanticEncoder].model_name == ""
