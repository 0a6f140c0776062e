"""The desk's JSON API in-process: roles, the pipeline, notes, contracts, CSV, introductions."""

from __future__ import annotations

import httpx
import pytest

from service.accounts import Role
from service.composition import Components
from service.desk.export import BOM
from service.listings.schemas import Kind
from tests.desk_support import ACHIEVEMENT, NEED, OTHER_ACHIEVEMENT, api_client, make_user, own

pytestmark = pytest.mark.anyio

CONTRACT = {
    "title": "脱硫装置技术转让合同",
    "contract_type": "transfer",
    "seller": "示例化工研究院",
    "buyer": "达州示例天然气化工有限公司",
    "amount_wan": 120,
    "signed_on": "2026-03-02",
}
BROKER_ROUTES = [
    ("GET", "/api/desk/queue", None),
    ("GET", "/api/desk/matches", None),
    ("GET", "/api/desk/matches/1", None),
    ("POST", "/api/desk/matches", {"need_id": NEED, "achievement_id": ACHIEVEMENT}),
    ("POST", "/api/desk/matches/1/stage", {"stage": "contacted"}),
    ("POST", "/api/desk/matches/1/notes", {"body": "你好"}),
    ("PUT", "/api/desk/matches/1/contract", CONTRACT),
    ("GET", "/api/desk/deals.csv", None),
]


async def call(client: httpx.AsyncClient, method: str, path: str, body: object) -> httpx.Response:
    return await client.request(method, path, json=body)


async def test_broker_routes_refuse_anonymous_and_other_roles(seeded_market: Components) -> None:
    broker = make_user(seeded_market, Role.broker)
    seeded_market.desk.recommend(NEED, ACHIEVEMENT, broker)
    async with api_client(seeded_market, None) as anonymous:
        for method, path, body in BROKER_ROUTES:
            r = await call(anonymous, method, path, body)
            assert r.status_code == 401, (method, path, r.text)
        r = await anonymous.post(
            "/api/introductions", json={"need_id": NEED, "achievement_id": ACHIEVEMENT}
        )
        assert r.status_code == 401
    for role in (Role.enterprise, Role.university):
        async with api_client(seeded_market, make_user(seeded_market, role)) as client:
            for method, path, body in BROKER_ROUTES:
                r = await call(client, method, path, body)
                assert r.status_code == 403, (role, method, path, r.text)
    assert seeded_market.desk.history(1)[-1].to_stage == "recommended"
    assert seeded_market.desk.notes(1) == []


async def test_a_deal_through_the_api(seeded_market: Components) -> None:
    broker = make_user(seeded_market, Role.broker)
    async with api_client(seeded_market, broker) as client:
        queue = (await client.get("/api/desk/queue", params={"limit": 5})).json()
        assert len(queue) == 5 and queue[0]["tier"] == "strong" and queue[0]["explanation"]
        pair = {"need_id": queue[0]["need"]["id"], "achievement_id": queue[0]["achievement"]["id"]}
        r = await client.post("/api/desk/matches", json={**pair, "stage": "recommended"})
        assert r.status_code == 201 and r.json()["stage"] == "recommended"
        match_id = r.json()["id"]
        again = await client.post("/api/desk/matches", json={**pair, "stage": "recommended"})
        assert again.status_code == 409
        r = await client.post(f"/api/desk/matches/{match_id}/stage", json={"stage": "signed"})
        assert r.status_code == 409 and "已联系" in r.json()["detail"]
        r = await client.post(f"/api/desk/matches/{match_id}/stage", json={"stage": "lost"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
        r = await client.post(
            f"/api/desk/matches/{match_id}/stage", json={"stage": "lost", "reason": "budget"}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
        for stage in ("contacted", "negotiating"):
            r = await client.post(f"/api/desk/matches/{match_id}/stage", json={"stage": stage})
            assert r.status_code == 200 and r.json()["stage"] == stage
        r = await client.put(f"/api/desk/matches/{match_id}/contract", json=CONTRACT)
        assert r.status_code == 409
        await client.post(f"/api/desk/matches/{match_id}/stage", json={"stage": "signed"})
        r = await client.put(
            f"/api/desk/matches/{match_id}/contract", json={**CONTRACT, "amount_wan": -1}
        )
        assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["amount_wan"]
        r = await client.put(f"/api/desk/matches/{match_id}/contract", json=CONTRACT)
        assert r.status_code == 200 and r.json()["amount_wan"] == 120
        r = await client.post(f"/api/desk/matches/{match_id}/notes", json={"body": " "})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
        r = await client.post(f"/api/desk/matches/{match_id}/notes", json={"body": "合同已寄出"})
        assert r.status_code == 201 and r.json()["author_name"] == broker.display_name
        detail = (await client.get(f"/api/desk/matches/{match_id}")).json()
        assert detail["need"]["id"] == pair["need_id"]
        assert detail["achievement"]["title"]
        assert [h["to_stage"] for h in detail["history"]] == [
            "recommended",
            "contacted",
            "negotiating",
            "signed",
        ]
        assert detail["notes"][0]["body"] == "合同已寄出"
        assert detail["contract"]["buyer"] == CONTRACT["buyer"]
        assert detail["next_stages"] == ["registered", "lost"]
        signed = (await client.get("/api/desk/matches", params={"stage": "signed"})).json()
        assert [c["match"]["id"] for c in signed] == [match_id]
        csv = await client.get("/api/desk/deals.csv")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert "attachment" in csv.headers["content-disposition"]
        text = csv.content.decode("utf-8")
        assert text.startswith(BOM) and "合同名称,合同类型" in text
        assert "脱硫装置技术转让合同,技术转让" in text
        assert (await client.get("/api/desk/matches/999")).status_code == 404


async def test_introductions_for_owners(seeded_market: Components) -> None:
    enterprise = make_user(seeded_market, Role.enterprise)
    own(seeded_market, enterprise, Kind.need, NEED)
    body = {"need_id": NEED, "achievement_id": ACHIEVEMENT}
    async with api_client(seeded_market, enterprise) as client:
        r = await client.post("/api/introductions", json=body)
        assert r.status_code == 201 and r.json()["stage"] == "requested" and r.json()["created"]
        r = await client.post("/api/introductions", json=body)
        assert r.status_code == 200 and not r.json()["created"]
        r = await client.post(
            "/api/introductions", json={"need_id": "N2002", "achievement_id": ACHIEVEMENT}
        )
        assert r.status_code == 403
        r = await client.post(
            "/api/introductions", json={"need_id": NEED, "achievement_id": "A-NOPE"}
        )
        assert r.status_code == 404
    broker = make_user(seeded_market, Role.broker)
    async with api_client(seeded_market, broker) as client:
        r = await client.post(
            "/api/introductions", json={"need_id": NEED, "achievement_id": OTHER_ACHIEVEMENT}
        )
        assert r.status_code == 201
        queue = (await client.get("/api/desk/queue", params={"limit": 3})).json()
        assert [q["stage"] for q in queue[:2]] == ["requested", "requested"]
        assert queue[0]["requested_by_name"] == enterprise.display_name
        assert queue[2]["stage"] is None
