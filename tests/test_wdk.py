"""万达开科技成果库 on the seed: the three cities by region tier, the filters, the admins' tags,
contacts by the listing rule, the Excel export read back with openpyxl, and the page."""

from __future__ import annotations

import io
from collections.abc import Collection
from typing import Any

import pytest
from openpyxl import load_workbook

from service.accounts import Role
from service.composition import Components
from service.listings.schemas import AchievementIn, Kind, Status
from service.programmes.exports import WDK_HEADER
from tests.desk_support import api_client, make_user, own
from tests.pages import page_client, sign_in

pytestmark = pytest.mark.anyio
WDK_REGIONS = {"万州区", "开州区"}


def expected_ids(market: Components, tagged: Collection[str] = ()) -> set[str]:
    """Worked out from the taxonomy, not by the library: 达州's tier, 万州区, 开州区, tags."""
    return {
        a.id
        for a in market.catalog.iter_all(Kind.achievement, published_only=True)
        if market.taxonomy.tier(a.region) == "dazhou" or a.region in WDK_REGIONS or a.id in tagged
    }


def outsider(market: Components) -> Any:
    return next(
        a for a in market.catalog.iter_all(Kind.achievement, published_only=True)
        if a.region == "成都市"
    )  # fmt: skip


def rows_of(content: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


async def test_the_three_cities_by_region_tier(seeded_market: Components) -> None:
    async with api_client(seeded_market, None) as client:
        r = await client.get("/api/wdk-achievements")
        assert r.status_code == 200, r.text
        body = r.json()
        items = [i for s in body["sections"] for i in s["items"]]
        assert {i["id"] for i in items} == expected_ids(seeded_market)
        assert body["total"] == len(items) >= 100 and body["tagged"] == 0
        assert [s["tier"] for s in body["sections"]] == ["dazhou", "northeast"]
        assert {i["city"] for i in body["sections"][0]["items"]} == {"dazhou"}
        assert {i["region"] for i in body["sections"][1]["items"]} <= WDK_REGIONS
        counts = {c["city"]: c["count"] for c in body["by_city"]}
        assert (
            counts["wanzhou"] == 14
            and counts["kaizhou"] == 0
            and sum(counts.values()) == len(items)
        )
        assert all(i["contact"] is None for i in items)  # anonymous: never a contact
        wanzhou = items[-1]
        assert wanzhou["place"] == "重庆市万州区" and wanzhou["tier"] == "northeast"

        r = await client.get("/api/wdk-achievements?city=wanzhou&field=materials")
        found = [i for s in r.json()["sections"] for i in s["items"]]
        assert found and all(i["region"] == "万州区" for i in found)
        assert all(i["field"].startswith("materials.") for i in found)
        r = await client.get("/api/wdk-achievements?tier=dazhou&maturity=pilot")
        found = [i for s in r.json()["sections"] for i in s["items"]]
        assert found and {(i["tier"], i["maturity"]) for i in found} == {("dazhou", "pilot")}
        for query, field in (("field=nonsense", "field"), ("tier=moon", "tier"),
                             ("city=beijing", "city"), ("maturity=old", "maturity")):  # fmt: skip
            r = await client.get(f"/api/wdk-achievements?{query}")
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text


async def test_admins_tag_and_untag(seeded_market: Components) -> None:
    chengdu = outsider(seeded_market)
    draft = seeded_market.listings.create(
        Kind.achievement,
        AchievementIn(title="未发布的成果", summary="一项仍在整理中的成果，尚未发布。",
                      institution="四川文理学院", field="materials.basalt_fiber",
                      maturity="lab", region="通川区", status=Status.draft),
        None,
    )  # fmt: skip
    path = f"/api/wdk-achievements/{chengdu.id}/tag"
    async with api_client(seeded_market, None) as client:
        assert (await client.post(path)).status_code == 401
    async with api_client(seeded_market, make_user(seeded_market, Role.broker)) as client:
        assert (await client.post(path)).status_code == 403
    async with api_client(seeded_market, make_user(seeded_market, Role.admin)) as client:
        r = await client.post(path)
        assert r.status_code == 200 and r.json()["tagged"] and r.json()["city"] is None
        assert (await client.post(path)).json()["tagged"]  # again: no change
        r = await client.get("/api/wdk-achievements?tagged=true")
        body = r.json()
        assert body["total"] == body["tagged"] == 1
        assert body["sections"][0]["tier"] == "elsewhere"
        assert body["sections"][0]["items"][0]["contact"] == chengdu.contact  # admins see it
        all_ids = {i["id"] for s in (await client.get("/api/wdk-achievements")).json()["sections"]
                   for i in s["items"]}  # fmt: skip
        assert all_ids == expected_ids(seeded_market, {chengdu.id})
        assert (await client.post("/api/wdk-achievements/A0000/tag")).status_code == 404
        r = await client.post(f"/api/wdk-achievements/{draft.id}/tag")
        assert r.status_code == 409 and "未发布" in r.json()["detail"]
        r = await client.delete(path)
        assert r.status_code == 200 and not r.json()["tagged"]
        assert (await client.get("/api/wdk-achievements?tagged=true")).json()["total"] == 0
    assert seeded_market.wdk_library.tags() == {}


async def test_a_cookie_borne_tag_needs_its_csrf_token(seeded_market: Components) -> None:
    chengdu = outsider(seeded_market)
    async with page_client(seeded_market) as client:
        token = await sign_in(client, seeded_market, "kejiju", Role.admin)
        r = await client.post(f"/api/wdk-achievements/{chengdu.id}/tag")
        assert r.status_code == 403
        assert seeded_market.wdk_library.tags() == {}
        r = await client.post(
            f"/api/wdk-achievements/{chengdu.id}/tag", headers={"X-CSRF-Token": token}
        )
        assert r.status_code == 200
    assert set(seeded_market.wdk_library.tags()) == {chengdu.id}


async def test_the_export_in_the_report_layout(seeded_market: Components) -> None:
    chengdu = outsider(seeded_market)
    admin = make_user(seeded_market, Role.admin)
    seeded_market.wdk_library.tag(chengdu.id, admin)
    university = make_user(seeded_market, Role.university)
    mine = next(a for a in seeded_market.catalog.iter_all(Kind.achievement) if a.region == "万州区")
    own(seeded_market, university, Kind.achievement, mine.id)
    async with api_client(seeded_market, None) as client:
        r = await client.get("/api/wdk-achievements/export.xlsx")
        assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
        rows = rows_of(r.content)
        listed = [i for s in (await client.get("/api/wdk-achievements")).json()["sections"]
                  for i in s["items"]]  # fmt: skip
    assert rows[0][0] == "万达开科技成果库" and str(rows[1][0]).startswith("制表日期：")
    assert rows[2] == WDK_HEADER and len(rows) == 3 + len(listed)
    assert [r[0] for r in rows[3:]] == list(range(1, len(listed) + 1))
    first = rows[3]
    assert first[1:5] == (listed[0]["title"], listed[0]["institution"], listed[0]["field_label"],
                          listed[0]["place"])  # fmt: skip
    assert str(first[4]).startswith("达州") and first[5] in ("面议", listed[0]["price_wan"])
    assert rows[-1][1] == chengdu.title and rows[-1][4] == "成都市"  # tagged: 其他地区, last
    assert all(r[6] is None for r in rows[3:])  # anonymous: the column stays empty

    async with api_client(seeded_market, university) as client:
        r = await client.get("/api/wdk-achievements/export.xlsx?city=wanzhou")
        rows = rows_of(r.content)
    assert len(rows) == 3 + 14 and {r[4] for r in rows[3:]} == {"重庆市万州区"}
    contacts = {r[1]: r[6] for r in rows[3:]}
    assert contacts[mine.title] == mine.contact  # its own listing: the owner sees the contact
    assert sum(1 for c in contacts.values() if c) == 1  # and no other

    async with api_client(seeded_market, make_user(seeded_market, Role.broker)) as client:
        r = await client.get("/api/wdk-achievements/export.xlsx?tagged=true")
        rows = rows_of(r.content)
    assert len(rows) == 4 and rows[3][1] == chengdu.title and rows[3][6] == chengdu.contact


async def test_the_page_filters_and_the_admins_buttons(seeded_market: Components) -> None:
    chengdu = outsider(seeded_market)
    async with page_client(seeded_market) as client:
        r = await client.get("/common-needs")
        assert 'href="/wdk-achievements"' in r.text
        r = await client.get("/wdk-achievements?city=wanzhou&maturity=ancient")
        assert r.status_code == 200 and "<h1>万达开科技成果库</h1>" in r.text
        assert "未知成熟度“ancient”，已忽略" in r.text and "共 14 项" in r.text
        assert 'href="/api/wdk-achievements/export.xlsx?city=wanzhou"' in r.text
        assert "/wdk-achievements/tags" not in r.text  # no admin forms for visitors
        token = await sign_in(client, seeded_market, "qiye", Role.enterprise)
        r = await client.post(
            "/wdk-achievements/tags", data={"achievement_id": chengdu.id, "csrf_token": token}
        )
        assert r.status_code == 403
    async with page_client(seeded_market) as client:
        token = await sign_in(client, seeded_market, "kejiju", Role.admin)
        r = await client.post(
            "/wdk-achievements/tags",
            data={"achievement_id": chengdu.id, "back": "/wdk-achievements?tagged=1",
                  "csrf_token": token},
            follow_redirects=True,
        )  # fmt: skip
        assert str(r.url).endswith("/wdk-achievements?tagged=1")
        assert f"已标注入万达开科技成果库：{chengdu.title}" in r.text and "共 1 项" in r.text
        assert "取消标注" in r.text and "管理员标注" in r.text
        r = await client.post(
            "/wdk-achievements/tags",
            data={"achievement_id": "A0000", "csrf_token": token},
            follow_redirects=True,
        )
        assert "科技成果 A0000 不存在" in r.text
        r = await client.post(
            "/wdk-achievements/tags",
            data={"achievement_id": chengdu.id, "action": "untag", "back": "https://evil.example",
                  "csrf_token": token},
        )  # fmt: skip
        assert r.status_code == 303 and r.headers["location"] == "/wdk-achievements"
    assert seeded_market.wdk_library.tags() == {}
