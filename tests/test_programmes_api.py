"""The programmes' JSON API in-process: the expert pool, events from creation to a traced deal."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from seed_data import SEED_DIR
from service import clock
from service.accounts import Role
from service.composition import Components
from service.desk.contracts import ContractIn
from service.desk.stages import Stage
from service.listings.schemas import Kind
from tests.desk_support import api_client, make_user

pytestmark = pytest.mark.anyio

EVENT = {
    "title": "天然气化工成果推介会",
    "kind": "推介会",
    "date": clock.today().isoformat(),
    "place": "达州市科技局报告厅",
    "field": "resources_env",
    "region": "宣汉县",
    "capacity": 5,
}


@pytest.fixture()
def market(seeded_market: Components) -> Components:
    seeded_market.catalog.create_schema()
    report = seeded_market.experts.seed(SEED_DIR)
    assert report is not None and not report.rejected
    return seeded_market


async def test_experts_list_hides_contacts_from_anonymous(market: Components) -> None:
    broker = make_user(market, Role.broker)
    async with api_client(market, None) as anonymous:
        r = await anonymous.get("/api/experts", params={"page_size": 200})
        assert r.status_code == 200
        body = r.json()
        assert body["total"] >= 80 and len(body["items"]) >= 80
        assert all(e["contact"] is None for e in body["items"])
        ranked = (await anonymous.get("/api/needs/N2001/experts")).json()
        assert all(i["expert"]["contact"] is None for i in ranked["items"])
    async with api_client(market, broker) as client:
        body = (await client.get("/api/experts", params={"page_size": 200})).json()
        assert all(e["contact"] and "@example.cn" in e["contact"] for e in body["items"])
        one = (await client.get("/api/experts", params={"role": "科技助企秘书"})).json()
        assert one["total"] >= 20
        assert all("科技助企秘书" in e["roles"] for e in one["items"])


async def test_need_experts_fit_the_need_and_explain(market: Components) -> None:
    need = market.catalog.get(Kind.need, "N2001")
    async with api_client(market, make_user(market, Role.broker)) as client:
        r = await client.get("/api/needs/N2001/experts", params={"limit": 5})
        assert r.status_code == 200
        items = r.json()["items"]
    top = items[0]
    assert need.field in top["expert"]["fields"]
    assert need.region in top["expert"]["counties"]
    assert {c["name"] for c in top["components"]} >= {"text", "field", "place"}
    assert top["shared_terms"] and top["reasons"]
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    async with api_client(market, None) as anonymous:
        r = await anonymous.get("/api/achievements/A2003/experts")
        assert r.status_code == 200
        assert "成果评价" in r.json()["items"][0]["expert"]["roles"]
        assert (await anonymous.get("/api/needs/NOPE/experts")).status_code == 404


async def test_expert_writes_are_for_admins_and_validated(market: Components) -> None:
    record = {
        "id": "E900",
        "name": "测试专家",
        "organisation": "四川文理学院",
        "fields": ["materials.basalt_fiber"],
        "expertise": "玄武岩纤维拉丝工艺与浸润剂配方，复合筋拉挤成型",
        "counties": ["达川区"],
        "roles": ["成果评价"],
        "contact": "test@example.cn",
    }
    async with api_client(market, make_user(market, Role.broker)) as broker:
        assert (await broker.post("/api/experts", json=record)).status_code == 403
    async with api_client(market, make_user(market, Role.admin)) as admin:
        bad = await admin.post("/api/experts", json={**record, "fields": ["nope"]})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"].startswith("fields")
        assert (await admin.post("/api/experts", json=record)).status_code == 201
        assert (await admin.post("/api/experts", json=record)).status_code == 409
        r = await admin.patch("/api/experts/E900", json={"counties": ["渠县"]})
        assert r.status_code == 200 and r.json()["counties"] == ["渠县"]
        bad = await admin.patch("/api/experts/E900", json={"counties": ["火星"]})
        assert bad.status_code == 422
    assert market.experts.get("E900").counties == ["渠县"]


async def test_event_from_creation_to_a_traced_deal(market: Components) -> None:
    broker = make_user(market, Role.broker)
    enterprise = make_user(market, Role.enterprise)
    async with api_client(market, enterprise) as ent:
        assert (await ent.post("/api/events", json=EVENT)).status_code == 403
    async with api_client(market, broker) as client:
        bad = await client.post("/api/events", json={**EVENT, "kind": "茶话会", "capacity": 0})
        assert bad.status_code == 422
        assert {e["field"] for e in bad.json()["errors"]} == {"kind", "capacity"}
        r = await client.post("/api/events", json=EVENT)
        assert r.status_code == 201, r.text
        event = r.json()
        assert 1 <= len(event["achievement_ids"]) <= 6
        invited = (await client.get(f"/api/events/{event['id']}/invitations")).json()
        assert invited["total"] >= len(invited["items"]) > 0
        first = invited["items"][0]
        assert first["achievements"][0]["source"] == "need"
        assert first["achievements"][0]["reason"]
        xlsx = await client.get(f"/api/events/{event['id']}/invitations.xlsx")
        assert xlsx.status_code == 200
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert sheet is not None and sheet.cell(3, 2).value == first["enterprise"]
    async with api_client(market, enterprise) as ent:
        body = {"attendees": 3, "contact": "王工 13800000000"}
        r = await ent.post(f"/api/events/{event['id']}/registrations", json=body)
        assert r.status_code == 201 and r.json()["waitlisted"] is False
        assert r.json()["enterprise"] == enterprise.organisation
        again = await ent.post(f"/api/events/{event['id']}/registrations", json=body)
        assert again.status_code == 409
        bad = await ent.post(f"/api/events/{event['id']}/registrations", json={"attendees": 0})
        assert bad.status_code == 422
        assert {e["field"] for e in bad.json()["errors"]} == {"attendees", "contact"}
    async with api_client(market, broker) as client:
        body = {"attendees": 3, "contact": "李工", "enterprise": "达州示例企业"}
        full = await client.post(f"/api/events/{event['id']}/registrations", json=body)
        assert full.json()["waitlisted"] is True  # 3 + 3 > 5
        registration = (await client.get(f"/api/events/{event['id']}/registrations")).json()
        rid = registration["items"][0]["id"]
        url = f"/api/events/{event['id']}/registrations/{rid}/attendance"
        assert (await client.post(url, json={"attended": True})).json()["attended"] is True
        intent = {
            "enterprise": first["enterprise"],
            "achievement_id": first["achievements"][0]["achievement_id"],
            "note": "希望现场考察中试线",
        }
        r = await client.post(f"/api/events/{event['id']}/intents", json=intent)
        assert r.status_code == 201, r.text
        recorded = r.json()
        assert recorded["stage"] == "contacted"
        assert recorded["need_id"] == first["achievements"][0]["need_id"]
    pair = market.desk.get(recorded["match_id"])
    assert pair.stage is Stage.contacted
    assert "天然气化工成果推介会" in market.desk.notes(pair.id)[0].body
    market.desk.move(pair.id, Stage.negotiating, broker)
    market.desk.move(pair.id, Stage.signed, broker)
    contract = ContractIn.model_validate(
        {"title": "技术开发合同", "contract_type": "development", "seller": "某研究院",
         "buyer": first["enterprise"], "amount_wan": 88, "signed_on": clock.today().isoformat()}
    )  # fmt: skip
    market.desk.save_contract(pair.id, contract, broker)
    async with api_client(market, None) as anonymous:
        stats = (await anonymous.get("/api/stats/programmes")).json()
        assert (await anonymous.get(f"/api/events/{event['id']}/invitations")).status_code == 401
    assert stats["events_held"] == 1 and stats["intents"] == 1
    assert stats["enterprises_attended"] == 1 and stats["attendance"] == 3
    assert stats["deals_from_events"] == 1 and stats["deal_amount_from_events_wan"] == 88


async def test_evaluations_and_services(market: Components) -> None:
    broker = make_user(market, Role.broker)
    async with api_client(market, broker) as client:
        body = {"expert_id": "E001", "maturity": 4, "novelty": 3, "market": 5, "comment": "可推广"}
        r = await client.post("/api/achievements/A2003/evaluations", json=body)
        assert r.status_code == 201, r.text
        bad = await client.post(
            "/api/achievements/A2003/evaluations", json={**body, "novelty": 6, "expert_id": "E001"}
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "novelty"
        unknown = await client.post(
            "/api/achievements/A2003/evaluations", json={**body, "expert_id": "E999"}
        )
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "expert_id"
        service = {
            "expert_id": "E001",
            "served_on": "2026-03-12",
            "client": "渠县示例家庭农场",
            "county": "渠县",
            "problem": "再生稻头季倒伏",
            "advice": "调整施氮时期，选用抗倒品种",
            "adopted": True,
            "technology": "再生稻头季机收低留桩",
        }
        assert (await client.post("/api/expert-services", json=service)).status_code == 201
        bad = await client.post("/api/expert-services", json={**service, "county": "火星"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "county"
        log = (await client.get("/api/expert-services")).json()
        assert log["total"] == 1 and log["items"][0]["expert_name"]
    async with api_client(market, None) as anonymous:
        shown = (await anonymous.get("/api/achievements/A2003/evaluations")).json()
        assert shown["items"][0]["market"] == 5
        assert (await anonymous.post("/api/expert-services", json=service)).status_code == 401
        stats = (await anonymous.get("/api/stats/programmes")).json()
    assert stats["services_by_county"] == [{"key": "渠县", "services": 1, "adopted": 1}]
    assert stats["services_by_month"][0]["key"] == "2026-03"
    assert stats["evaluations"] == 1 and stats["technologies_promoted"] == 1
