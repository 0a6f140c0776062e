"""Every Excel export writes what people typed as text (#22 items 1 and 3): a title or an
organisation name that begins like a formula is not a live formula cell, and a control
character XML cannot hold does not turn the export into a 500 for everyone."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell

from service.accounts import Role
from service.clock import today as beijing_today
from service.composition import Components
from service.listings.schemas import AchievementIn, Kind
from service.sheets import safe_text
from tests.desk_support import api_client, make_user
from tests.pages import PASSWORD

pytestmark = pytest.mark.anyio
LINK = '=HYPERLINK("http://evil.example/","点我")'
HOSTILE = LINK + "\x0b尾"  # a formula start and a vertical tab, which XML cannot hold


def cells(content: bytes) -> Iterator[Cell]:
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from (c for c in row if isinstance(c, Cell))


def assert_text_only(content: bytes, expected: str) -> None:
    found = list(cells(content))
    assert not [c.coordinate for c in found if c.data_type == "f"], "a formula cell"
    texts = [c.value for c in found if isinstance(c.value, str)]
    assert any(expected in t for t in texts), texts[:20]
    assert not any("\x0b" in t for t in texts)


def test_csv_cells_keep_their_rule() -> None:
    assert safe_text("=1+1") == "'=1+1" and safe_text("-2") == "'-2" and safe_text("ok") == "ok"
    assert safe_text("a\x0bb") == "ab"


async def test_the_wdk_export_survives_a_hostile_institution(seeded_market: Components) -> None:
    market = seeded_market
    university = market.accounts.create_user(
        "hostile-u", PASSWORD, Role.university, LINK, phone="13800000009"
    )
    market.listings.create(
        Kind.achievement,
        AchievementIn(
            title=HOSTILE,
            summary="一种测试用的成果简介，用于检查导出。",
            institution=LINK,
            field="resources_env",
            maturity="pilot",
            region="通川区",
        ),
        university,
    )
    async with api_client(market, None) as anonymous:
        r = await anonymous.get("/api/wdk-achievements/export.xlsx")
    assert r.status_code == 200, r.text
    assert_text_only(r.content, LINK + "尾")


async def test_the_challenge_export_and_the_catalogue(seeded_market: Components) -> None:
    market = seeded_market
    admin = make_user(market, Role.admin)
    group = market.common_needs.list().groups[0]
    body = {
        "title": "+挑战" + "\x0b",
        "description": "多家企业拉丝断丝频繁，需改进漏板与控制。",
        "indicators": ["@SUM(1)", "-1+1"],
        "reward_wan": 200,
        "deadline": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "need_ids": group.needs,
    }
    async with api_client(market, admin) as client:
        r = await client.post("/api/challenges", json=body)
        assert r.status_code in (201, 422), r.text
        if r.status_code == 422:  # control characters refused at the door: store one directly
            r = await client.post("/api/challenges", json={**body, "title": "+挑战"})
            assert r.status_code == 201
        r = await client.get("/api/challenges/export.xlsx")
        assert r.status_code == 200
        assert_text_only(r.content, "@SUM(1)")
        r = await client.post(f"/api/common-needs/{group.id}/title", json={"title": "=1+1共性"})
        assert r.status_code == 200
        r = await client.post(f"/api/common-needs/{group.id}/status", json={"status": "published"})
        assert r.status_code == 200
        r = await client.get("/api/common-needs/catalogue.xlsx")
        assert r.status_code == 200
        assert_text_only(r.content, "=1+1共性")


async def test_the_invitation_list_of_a_hostile_event(seeded_market: Components) -> None:
    market = seeded_market
    broker = make_user(market, Role.broker)
    achievement = next(iter(market.catalog.iter_all(Kind.achievement, published_only=True)))
    event = {
        "title": "=cmd|' /C calc'!A0",
        "kind": "推介会",
        "date": beijing_today().isoformat(),
        "place": "-达州",
        "capacity": 10,
        "achievement_ids": [achievement.id],
    }
    async with api_client(market, broker) as client:
        r = await client.post("/api/events", json=event)
        assert r.status_code == 201, r.text
        r = await client.get(f"/api/events/{r.json()['id']}/invitations.xlsx")
    assert r.status_code == 200
    assert_text_only(r.content, "=cmd|' /C calc'!A0")
