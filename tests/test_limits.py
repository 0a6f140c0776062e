"""Limits: paging caps, request-body caps (413 before parsing), strict numbers, sane deadlines,
unknown keys refused, and a form that is too large answered by a page, never raw JSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from service.accounts import Role
from service.composition import Components, build_components
from service.listings.schemas import Kind
from tests.conftest import make_settings
from tests.desk_support import ACHIEVEMENT, NEED, api_client, make_user
from tests.pages import page_client, sign_in
from tests.test_api import NEED as NEED_BODY

pytestmark = pytest.mark.anyio
HUGE = "9223372036854775807"


@pytest.fixture()
async def broker(seeded_market: Components) -> AsyncIterator[httpx.AsyncClient]:
    seeded_market.catalog.create_schema()
    async with api_client(seeded_market, make_user(seeded_market, Role.admin)) as client:
        yield client


async def test_absurd_paging_is_a_422_on_every_list(broker: httpx.AsyncClient) -> None:
    for path, name in (
        ("/api/needs", "page"),
        ("/api/achievements", "page"),
        ("/api/search", "page"),
        ("/api/admin/audit", "page"),
        ("/api/desk/matches", "limit"),
        ("/api/desk/queue", "limit"),
        ("/api/needs/N2001/matches", "limit"),
    ):
        for value in (HUGE, "-1", "0"):
            r = await broker.get(path, params={name: value})
            assert r.status_code == 422, (path, value, r.status_code)
            assert r.json()["errors"][0]["field"] == name
    for path in ("/api/needs", "/api/achievements", "/api/search", "/api/admin/audit"):
        r = await broker.get(path, params={"page_size": 1000})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "page_size"
    r = await broker.get("/api/needs", params={"page": 10_000, "page_size": 100})
    assert r.status_code == 200 and r.json()["items"] == []


async def test_an_oversized_body_is_413_before_it_is_read(seeded_market: Components) -> None:
    async with api_client(seeded_market, None) as client:  # anonymous, as in the probe
        body = b'{"kind": "need", "title": "' + b"x" * (2 * 2**20) + b'"}'
        r = await client.post(
            "/api/suggest", content=body, headers={"content-type": "application/json"}
        )
        assert r.status_code == 413 and "1 MB" in r.json()["detail"]

        def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
            async def gen() -> AsyncIterator[bytes]:
                for _ in range(40):
                    yield b" " * 65536

            return gen()

        r = await client.post(
            "/api/suggest", content=chunks(), headers={"content-type": "application/json"}
        )
        assert r.status_code == 413
        small = await client.post("/api/suggest", json={"kind": "need", "title": "卤水提锂"})
        assert small.status_code == 200


async def test_the_body_limit_is_a_setting(home: Path) -> None:
    market = build_components(make_settings(home, max_body_bytes=4096))
    async with api_client(market, None) as client:
        r = await client.post("/api/suggest", json={"kind": "need", "title": "题" * 1500})
        assert r.status_code == 413 and "4 KB" in r.json()["detail"]
    market.close()


async def test_strict_numbers_sane_deadlines_and_no_unknown_keys(
    broker: httpx.AsyncClient, seeded_market: Components
) -> None:
    before = seeded_market.catalog.count(Kind.need, published_only=False)
    for bad, field in (
        ({"budget_wan": True}, "budget_wan"),
        ({"deadline": "0001-01-01"}, "deadline"),
        ({"deadline": "9999-12-31"}, "deadline"),
        ({"deadline": "1999-12-31"}, "deadline"),
        ({"bogus": 1}, "bogus"),
    ):
        r = await broker.post("/api/needs", json={**NEED_BODY, **bad})
        assert r.status_code == 422, bad
        assert [e["field"] for e in r.json()["errors"]] == [field]
    r = await broker.patch("/api/needs/N2001", json={"deadline": "9999-01-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "deadline"
    assert seeded_market.catalog.count(Kind.need, published_only=False) == before
    soon = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    r = await broker.post("/api/needs", json={**NEED_BODY, "deadline": soon, "budget_wan": 60})
    assert r.status_code == 201 and r.json()["budget_wan"] == 60

    pair = {"need_id": NEED, "achievement_id": ACHIEVEMENT}
    for path, body in (
        ("/api/desk/matches", {**pair, "bogus": 1}),
        ("/api/desk/matches", {**pair, "score": True}),
        ("/api/introductions", {**pair, "note": "hi"}),
        ("/api/me/tokens", {"name": "x", "scope": "all"}),
        ("/api/suggest", {"kind": "need", "title": "卤水提锂", "extra": 1}),
    ):
        r = await broker.post(path, json=body)
        assert r.status_code == 422, (path, body, r.text)
    placed = (await broker.post("/api/desk/matches", json=pair)).json()
    r = await broker.post(f"/api/desk/matches/{placed['id']}/notes", json={"body": "好", "x": 1})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "x"
    r = await broker.post(
        f"/api/desk/matches/{placed['id']}/stage", json={"stage": "recommended", "why": "?"}
    )
    assert r.status_code == 422


async def test_oversized_forms_get_a_page_not_raw_json(seeded_market: Components) -> None:
    async with page_client(seeded_market) as client:
        token = await sign_in(client, seeded_market, "ent-big", Role.enterprise, "示例公司")
        form = {"title": "一个标题", "field": "materials", "region": "通川区", "csrf_token": token}
        # under the body cap: the form comes back with the field's own message
        r = await client.post(
            "/needs/new", data={**form, "description": "x" * 900_000, "action": "publish"}
        )
        assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
        assert "最多 5000 个字" in r.text
        # over it: a page saying the limit, the body unread
        r = await client.post(
            "/needs/new", data={**form, "description": "x" * 1_100_000, "action": "publish"}
        )
        assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
        assert "超过 1 MB" in r.text
        # a field over the form parser's part limit inside the larger /import cap
        uni = await sign_in(client, seeded_market, "uni-big", Role.university, "示例大学")
        files = {"file": ("a.csv", b"title\n", "text/csv")}
        r = await client.post("/import", data={"csrf_token": uni, "x": "y" * 2**21}, files=files)
        assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
        # the import cap: an 11 MB file reaches the handler, a 13 MB one does not
        big = {"file": ("a.csv", b"t" * (11 * 2**20), "text/csv")}
        r = await client.post("/import", data={"csrf_token": uni}, files=big)
        assert r.status_code == 400 and "10 MB" in r.text
        bigger = {"file": ("a.csv", b"t" * (13 * 2**20), "text/csv")}
        r = await client.post("/import", data={"csrf_token": uni}, files=bigger)
        assert r.status_code == 413 and "12 MB" in r.text


async def test_desk_form_field_over_its_limit_is_a_page(seeded_market: Components) -> None:
    async with page_client(seeded_market) as client:
        token = await sign_in(client, seeded_market, "broker-form", Role.broker)
        r = await client.post(
            "/desk/queue",
            data={"need_id": "N" * 300, "achievement_id": "A1", "decision": "shortlisted",
                  "csrf_token": token},
        )  # fmt: skip
        assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
        assert "need_id" in r.text and "最多 200 个字" in r.text
