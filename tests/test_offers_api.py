"""The trading's JSON API: the interfaces of issue #26, their 422s in the API's shape, the
contract draft (Word) and the year's 技术合同成交额 with its export."""

from __future__ import annotations

import datetime as dt
import io

import anyio
import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from service import clock
from service.composition import Components
from service.desk.contracts import ContractIn
from service.desk.stages import Stage
from service.programmes.offers import registration
from service.programmes.offers.models import OfferRow
from service.programmes.offers.views import BidIn
from tests.desk_support import api_client
from tests.offers_support import ACHIEVEMENT, auction_body, trading

pytestmark = pytest.mark.anyio


def auction(clock_now: dt.datetime, hours: float = 2) -> dict[str, object]:
    opens = clock_now.replace(tzinfo=dt.UTC)
    return {"start_price_wan": 100, "increment_wan": 5, "opens": opens.isoformat(),
            "closes": (opens + dt.timedelta(hours=hours)).isoformat()}  # fmt: skip


async def test_list_bid_and_read_the_public_log(market: Components) -> None:
    t = trading(market)
    async with api_client(market, t.owner) as owner:
        bad = await owner.post("/api/offers", json={"achievement_id": ACHIEVEMENT, "mode": "拍卖"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "mode"
        bad = await owner.post("/api/offers", json={"achievement_id": ACHIEVEMENT, "mode": "竞价"})
        assert bad.status_code == 422
        assert bad.json()["errors"] == [{"field": "auction", "message": bad.json()["errors"][0]
                                         ["message"]}]  # fmt: skip
        body = {"achievement_id": ACHIEVEMENT, "mode": "竞价", "transfer": "转让",
                "price_wan": None, "notice_days": 15, "auction": auction(t.clock.now)}  # fmt: skip
        made = await owner.post("/api/offers", json=body)
        assert made.status_code == 201, made.text
        offer = made.json()
    assert offer["status"] == "bidding" and offer["current_price_wan"] == 100
    assert offer["notice_ends"].endswith("+00:00")
    async with api_client(market, t.enterprises[0]) as a, api_client(market, t.enterprises[1]) as b:
        assert (
            await a.post(f"/api/offers/{offer['id']}/bids", json={"price_wan": 100})
        ).status_code == 201
        low = await b.post(f"/api/offers/{offer['id']}/bids", json={"price_wan": 102})
        assert low.status_code == 422
        assert low.json()["errors"][0]["field"] == "price_wan"
        assert "105 万元" in low.json()["errors"][0]["message"]
        assert (
            await b.post(f"/api/offers/{offer['id']}/bids", json={"price_wan": 105})
        ).status_code == 201
    async with api_client(market, None) as anonymous:
        log = (await anonymous.get(f"/api/offers/{offer['id']}/bids")).json()
        assert [(x["bidder_code"], x["price_wan"]) for x in log] == [
            ("竞买人2", 105),
            ("竞买人1", 100),
        ]
        assert "ent-offer" not in str(log) and "公司" not in str(log)
        assert (
            await anonymous.post(f"/api/offers/{offer['id']}/bids", json={"price_wan": 200})
        ).status_code == 401
        listed = (await anonymous.get("/api/offers")).json()
        assert [o["id"] for o in listed] == [offer["id"]]
        t.clock.move(hours=3)
        closed = (await anonymous.get(f"/api/offers/{offer['id']}")).json()
    assert closed["status"] == "sold" and closed["deal_price_wan"] == 105
    assert market.desk.get(closed["match_id"]).stage is Stage.negotiating
    # the pair's history and the audit trail both say the auction's close moved it
    opened = market.desk.history(closed["match_id"])[-1]
    assert opened.to_stage is Stage.negotiating and opened.user_name == "系统（竞价截止）"
    events, _ = market.audit.page(listing_id=ACHIEVEMENT)
    moved = next(e for e in events if e.action_label == "对接阶段变更")
    assert moved.actor_name == "系统（竞价截止）"


async def test_objection_and_the_admins_decision(market: Components) -> None:
    t = trading(market)
    async with api_client(market, t.owner) as owner:
        made = await owner.post(
            "/api/offers", json={"achievement_id": ACHIEVEMENT, "price_wan": 60}
        )
        assert made.status_code == 201 and made.json()["status"] == "notice"
        offer_id = made.json()["id"]
    async with api_client(market, t.enterprises[0]) as objector:
        short = await objector.post(f"/api/offers/{offer_id}/objections", json={"reason": "不"})
        assert short.status_code == 422 and short.json()["errors"][0]["field"] == "reason"
        lodged = await objector.post(f"/api/offers/{offer_id}/objections",
                                     json={"reason": "该成果的专利权属存在争议"})  # fmt: skip
        assert lodged.status_code == 201
        oid = lodged.json()["id"]
        forbidden = await objector.post(f"/api/offers/{offer_id}/objections/{oid}/decision",
                                        json={"decision": "upheld"})  # fmt: skip
        assert forbidden.status_code == 403
    async with api_client(market, t.admin) as admin:
        decided = await admin.post(f"/api/offers/{offer_id}/objections/{oid}/decision",
                                   json={"decision": "upheld", "note": "权属待核实"})  # fmt: skip
        assert decided.status_code == 200 and decided.json()["status"] == "upheld"
        stopped = (await admin.get(f"/api/offers/{offer_id}")).json()
        assert stopped["status"] == "stopped" and stopped["status_label"] == "异议成立，已终止"
        again = await admin.post(f"/api/offers/{offer_id}/objections/{oid}/decision",
                                 json={"decision": "dismissed"})  # fmt: skip
        assert again.status_code == 409
        missing = await admin.get("/api/offers/999")
        assert missing.status_code == 404


async def test_the_winner_gets_a_contract_draft_and_the_year_counts_it(market: Components) -> None:
    t = trading(market)
    offer = market.offers.create(auction_body(t.clock), t.owner)
    market.offers.place_bid(offer.id, BidIn(price_wan=120), t.enterprises[0])
    t.clock.move(hours=3)
    match_id = market.offers.get(offer.id).match_id
    assert match_id is not None
    async with api_client(market, t.broker) as broker:
        draft = await broker.get(f"/api/desk/matches/{match_id}/contract.docx")
        assert draft.status_code == 200, draft.text
        text = "\n".join(p.text for p in Document(io.BytesIO(draft.content)).paragraphs)
        assert "技术转让（专利权）合同" in text and "ZL202310000001.2" in text
        assert "四川示例纤维0号公司" in text and "达州示例理工学院" in text and "120 万元" in text
        licence = await broker.get(f"/api/desk/matches/{match_id}/contract.docx?template=license")
        assert "技术许可合同" in Document(io.BytesIO(licence.content)).paragraphs[0].text
        bad = await broker.get(f"/api/desk/matches/{match_id}/contract.docx?template=lease")
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "template"
    # signed, then registered this year (Beijing)
    today = clock.today()
    market.desk.move(match_id, Stage.signed, t.broker)
    contract = ContractIn(title="漏板技术转让", contract_type="transfer", seller="达州示例理工学院",
                          buyer="四川示例纤维0号公司", amount_wan=120, tech_amount_wan=100,
                          signed_on=today, registration_no="5117002026000001",
                          registered_on=today)  # fmt: skip
    market.desk.save_contract(match_id, contract, t.broker)
    market.desk.move(match_id, Stage.registered, t.broker)
    async with api_client(market, None) as anonymous:
        stats = (await anonymous.get("/api/stats/transactions")).json()
        assert stats["year"] == today.year and stats["target_wan"] == 100000
        assert stats["registered_wan"] == 120 and stats["tech_wan"] == 100
        month = stats["by_month"][today.month - 1]
        assert len(stats["by_month"]) == 12 and month["amount_wan"] == 120
        assert stats["by_county"][0]["label"] == "宣汉县"
        assert {g["label"]: g["amount_wan"] for g in stats["by_type"]}["技术转让"] == 120
        offers = {p["programme"]: p for p in stats["programmes"]}["offers"]
        assert offers["count"] == 1 and offers["share"] == 1.0
        empty = (await anonymous.get(f"/api/stats/transactions?year={today.year - 1}")).json()
        assert empty["registered_wan"] == 0 and empty["programmes"][0]["share"] is None
        assert (await anonymous.get("/api/stats/transactions?year=1800")).status_code == 422
        export = await anonymous.get("/api/stats/transactions.xlsx")
        book = load_workbook(io.BytesIO(export.content))
        rows = list(book["登记明细"].iter_rows(values_only=True))
        assert rows[2][:7] == registration.RECORD_HEADER[:7]
        assert rows[2][1:7] == ("合同类型", "技术领域", "成交额（万元）", "技术交易额（万元）",
                                "登记号", "登记日期")  # fmt: skip
        assert rows[3][1:6] == ("技术转让", "新材料", 120, 100, "5117002026000001")
        assert "四川示例纤维0号公司" not in str(rows)  # the public export names no party
    async with api_client(market, t.broker) as broker:
        desk_export = await broker.get("/api/desk/registrations.xlsx")
        rows = list(
            load_workbook(io.BytesIO(desk_export.content)).active.iter_rows(values_only=True)
        )
        assert rows[3][-1] == "四川示例纤维0号公司"


async def test_a_pair_before_signing_gets_no_draft(market: Components) -> None:
    t = trading(market)
    pair = market.desk.recommend("N-OFFER-0", ACHIEVEMENT, t.broker)
    async with api_client(market, t.broker) as broker:
        refused = await broker.get(f"/api/desk/matches/{pair.id}/contract.docx")
        assert refused.status_code == 409 and "签约" in refused.json()["detail"]
        missing = await broker.get("/api/desk/matches/9999/contract.docx")
        assert missing.status_code == 404 and "9999" in missing.json()["detail"]
    async with api_client(market, t.enterprises[0]) as enterprise:
        assert (
            await enterprise.get(f"/api/desk/matches/{pair.id}/contract.docx")
        ).status_code == 403


async def test_the_app_closes_a_due_auction_without_anyone_reading_it(market: Components) -> None:
    t = trading(market)
    offer = market.offers.create(auction_body(t.clock), t.owner)
    market.offers.place_bid(offer.id, BidIn(price_wan=100), t.enterprises[0])
    t.clock.move(hours=3)

    def state() -> str:
        with Session(market.catalog.engine) as session:
            row = session.get(OfferRow, offer.id)
            assert row is not None
            return row.state

    assert state() == "open"  # nobody has read it since the close
    async with api_client(market, None):  # the app's start-up starts the sweep
        for _ in range(200):
            if state() != "open":
                break
            await anyio.sleep(0.05)
    assert state() == "sold"
    events, _ = market.audit.page(listing_id=ACHIEVEMENT)
    assert events[0].action_label == "竞价成交" and events[0].actor_name == "系统（竞价截止）"
