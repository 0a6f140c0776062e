"""The JSON API driven in-process through httpx's ASGI transport."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from service.accounts import Role
from service.composition import Components, build_components
from service.listings.schemas import Kind
from tests.conftest import make_settings
from tests.desk_support import api_client
from tests.pages import account

pytestmark = pytest.mark.anyio

NEED = {
    "title": "玄武岩纤维复合筋用于桥面铺装的技术合作",
    "description": "公司承接农村公路桥梁维修，桥面钢筋锈蚀严重，"
    "希望引入耐腐蚀的玄武岩纤维复合筋替代部分钢筋，"
    "需要拉伸强度不低于1000MPa的产品和施工工法。",
    "enterprise": "达州示例路桥工程有限公司",
    "field": "materials.basalt_fiber",
    "region": "达川区",
    "budget_wan": 60,
    "cooperation_modes": ["license", "joint_development"],
    "required_maturity": "pilot",
}


def client_for(market: Components, role: Role | None = Role.broker) -> httpx.AsyncClient:
    """A client of a fresh app, signed in by API token as an account of ``role``."""
    market.catalog.create_schema()  # the accounts table, before the app's start-up makes it
    user = account(market, f"api-{role.value}", role) if role is not None else None
    return api_client(market, user)


@pytest.fixture()
async def client(seeded_market: Components) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(seeded_market) as c:
        yield c


async def test_bad_need_is_422_naming_each_field_and_stores_nothing(
    client: httpx.AsyncClient, seeded_market: Components
) -> None:
    before = seeded_market.catalog.count(Kind.need)
    bad = {**NEED, "id": "N-BAD", "field": "materials.unknown", "budget_wan": -1}
    r = await client.post("/api/needs", json=bad)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"field", "budget_wan"}
    assert "field" in r.json()["detail"]
    assert seeded_market.catalog.count(Kind.need) == before
    assert (await client.get("/api/needs/N-BAD")).status_code == 404


async def test_limits_have_clear_messages(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/needs", json={**NEED, "title": "题" * 101})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "title"
    r = await client.get("/api/search", params={"q": "字" * 501})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "q"
    r = await client.get("/api/search", params={"q": "锂", "page_size": 101})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "page_size"


async def test_unknown_ids_are_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/achievements/NOPE")).status_code == 404
    assert (await client.get("/api/needs/NOPE/matches")).status_code == 404
    r = await client.patch("/api/needs/NOPE", json={"title": "新的标题"})
    assert r.status_code == 404 and "NOPE" in r.json()["detail"]


async def test_posted_need_is_matchable_at_once_and_survives_restart(
    seeded_market: Components,
) -> None:
    async with client_for(seeded_market) as client:
        r = await client.post("/api/needs", json={**NEED, "id": "N-NEW1"})
        assert r.status_code == 201, r.text
        assert r.json()["id"] == "N-NEW1"
        r = await client.get("/api/needs/N-NEW1/matches", params={"limit": 5})
        assert r.status_code == 200
        body = r.json()
        assert body["matches"][0]["field"] == "materials.basalt_fiber"
        assert body["matches"][0]["components"]
        r = await client.get("/api/search", params={"q": "桥面铺装", "kind": "need"})
        assert "N-NEW1" in [i["id"] for i in r.json()["items"]]
        r = await client.post("/api/needs", json={**NEED, "id": "N-NEW1"})
        assert r.status_code == 409
    home = seeded_market.settings.home
    seeded_market.close()
    restarted = build_components(make_settings(Path(home)))
    async with client_for(restarted) as client:
        assert (await client.get("/api/needs/N-NEW1")).json()["title"] == NEED["title"]
        r = await client.get("/api/search", params={"q": "桥面铺装", "kind": "need"})
        assert "N-NEW1" in [i["id"] for i in r.json()["items"]]
    restarted.close()


async def test_patch_revalidates_and_withdraw_hides(client: httpx.AsyncClient) -> None:
    r = await client.patch("/api/achievements/A1001", json={"maturity": "rocket"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "maturity"
    r = await client.patch("/api/achievements/A1001", json={"price_wan": 12.5})
    assert r.status_code == 200 and r.json()["price_wan"] == 12.5
    r = await client.patch("/api/achievements/A1001", json={"status": "withdrawn"})
    assert r.status_code == 200
    assert (await client.get("/api/achievements/A1001")).status_code == 404
    r = await client.get("/api/search", params={"q": r.json()["title"], "kind": "achievement"})
    assert "A1001" not in [i["id"] for i in r.json()["items"]]


async def test_search_filters_facets_and_paging(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/search", params={"q": "玄武岩纤维", "page_size": 5})
    body = r.json()
    assert r.status_code == 200 and len(body["items"]) == 5 and body["total"] > 5
    assert sum(body["facets"]["kind"].values()) == body["total"]
    page2 = (
        await client.get("/api/search", params={"q": "玄武岩纤维", "page_size": 5, "page": 2})
    ).json()
    assert not {i["id"] for i in page2["items"]} & {i["id"] for i in body["items"]}
    r = await client.get(
        "/api/search",
        params={
            "q": "玄武岩纤维",
            "kind": "achievement",
            "field": "materials.basalt_fiber",
            "maturity": "industrial",
        },
    )
    items = r.json()["items"]
    assert items and all(
        i["field"] == "materials.basalt_fiber" and i["maturity"] == "industrial" for i in items
    )
    r = await client.get("/api/search", params={"kind": "need", "region": "渠县"})
    assert r.json()["items"] and all(i["region"] == "渠县" for i in r.json()["items"])


async def test_list_pages(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/achievements", params={"page_size": 3, "field": "agriculture"})
    body = r.json()
    assert len(body["items"]) == 3 and body["total"] >= 100
    assert all(i["field"].startswith("agriculture.") for i in body["items"])


async def test_health_and_pages(client: httpx.AsyncClient) -> None:
    health = (await client.get("/api/health")).json()
    assert health["semantic"] is False and health["semantic_reason"]
    assert health["index"]["ok"] and health["index"]["counts"]["achievement"] >= 500
    home = await client.get("/")
    assert home.status_code == 200 and "语义匹配未启用" in home.text and "玄武岩" in home.text
    page = await client.get("/search", params={"q": "卤水提锂"})
    assert page.status_code == 200 and "提锂" in page.text
    page = await client.get("/search", params={"kind": "achievement", "field": "aerospace"})
    assert (
        page.status_code == 200 and "共 15 条结果" in page.text and "无人机与通用航空" in page.text
    )
    assert (await client.get("/docs")).status_code == 200
    spec = (await client.get("/openapi.json")).json()
    assert "/api/needs/{listing_id}/matches" in spec["paths"]


async def test_unreachable_elasticsearch_is_one_clear_error(home: Path) -> None:
    settings = make_settings(
        home,
        search_backend="elasticsearch",
        elasticsearch_url="http://127.0.0.1:9",
        elasticsearch_retries=0,
        elasticsearch_timeout=1.0,
    )
    market = build_components(settings)  # constructing makes no connection
    async with client_for(market) as client:
        health = (await client.get("/api/health")).json()
        assert health["status"] == "degraded" and health["backend"] == "elasticsearch"
        assert "Elasticsearch at http://127.0.0.1:9 is not reachable" in health["index"]["problem"]
        r = await client.get("/api/search", params={"q": "提锂"})
        assert r.status_code == 503 and "not reachable" in r.json()["detail"]
    market.close()


async def test_listing_pages_show_explained_matches(client: httpx.AsyncClient) -> None:
    page = await client.get("/needs/N2001")
    assert page.status_code == 200
    assert "可能解决该需求的科技成果" in page.text and "文本相关度" in page.text
    assert 'href="/achievements/A2003"' in page.text
    other = await client.get("/achievements/A2003")
    assert other.status_code == 200 and "可服务的企业需求" in other.text
    missing = await client.get("/needs/NOPE")
    assert missing.status_code == 404 and "没有找到" in missing.text
