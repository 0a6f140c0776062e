"""The trading's pages in-process: the notices, the listing form's inline errors, bidding and
objecting through the forms, the admin's decision, the /stats section."""

from __future__ import annotations

import pytest

from service.composition import Components
from service.programmes.offers.views import BidIn
from tests.offers_support import ACHIEVEMENT, auction_body, trading
from tests.pages import log_in, page_client

pytestmark = pytest.mark.anyio


async def test_list_an_achievement_through_the_form(market: Components) -> None:
    t = trading(market)
    async with page_client(market) as client:
        empty = await client.get("/offers")
        assert (
            empty.status_code == 200 and "暂无挂牌" in empty.text and "挂牌成果" not in empty.text
        )
        token = await log_in(client, t.owner.username)
        form = await client.get("/offers/new")
        assert "玄武岩纤维连续拉丝漏板（A-OFFER-1）" in form.text
        bad = await client.post("/offers/new", data={
            "csrf_token": token, "achievement_id": ACHIEVEMENT, "mode": "竞价", "transfer": "转让",
            "notice_days": "15", "start_price_wan": "100", "increment_wan": "500",
            "opens": "2030-01-01T09:00", "closes": "2030-01-02T09:00"})  # fmt: skip
        assert bad.status_code == 422 and "加价幅度不能大于起拍价" in bad.text
        assert 'id="f-increment_wan"' in bad.text and 'aria-invalid="true"' in bad.text
        made = await client.post("/offers/new", data={
            "csrf_token": token, "achievement_id": ACHIEVEMENT, "mode": "挂牌", "transfer": "许可",
            "price_wan": "80", "notice_days": "20"})  # fmt: skip
        assert made.status_code == 303
        offer = (await client.get(made.headers["location"])).text
        assert "公示中" in offer and "80 万元" in offer and "（20 天，北京时间）" in offer
        listed = await client.get("/offers")
        assert "玄武岩纤维连续拉丝漏板" in listed.text and "许可" in listed.text


async def test_bid_object_and_decide_through_the_pages(market: Components) -> None:
    t = trading(market)
    offer = market.offers.create(auction_body(t.clock), t.owner)
    async with page_client(market) as client:
        anonymous = (await client.get(f"/offers/{offer.id}")).text
        assert "登录企业账号后可参与竞价" in anonymous and "暂无出价" in anonymous
        token = await log_in(client, t.enterprises[0].username)
        page = (await client.get(f"/offers/{offer.id}")).text
        assert 'name="price_wan"' in page and "不低于 100 万元" in page
        low = await client.post(
            f"/offers/{offer.id}/bids", data={"csrf_token": token, "price_wan": "90"}
        )
        assert low.status_code == 303
        assert "首次出价不能低于起拍价" in (await client.get(f"/offers/{offer.id}")).text
        await client.post(
            f"/offers/{offer.id}/bids", data={"csrf_token": token, "price_wan": "100"}
        )
        reason = {"csrf_token": token, "reason": "起拍价明显低于评估价值"}
        await client.post(f"/offers/{offer.id}/objections", data=reason)
        page = (await client.get(f"/offers/{offer.id}")).text
        log = page.split('id="auction"', 1)[1]
        assert "<td>竞买人1</td>" in log and t.enterprises[0].organisation not in log
        assert "待处理" in page and "异议成立（终止挂牌）" not in page
    async with page_client(market) as client:
        token = await log_in(client, t.admin.username)
        page = (await client.get(f"/offers/{offer.id}")).text
        assert "异议成立（终止挂牌）" in page
        objection = market.offers.objections(offer.id, t.admin)[0]
        decision = {"csrf_token": token, "decision": "upheld", "note": "待评估"}
        path = f"/offers/{offer.id}/objections/{objection.id}/decision"
        r = await client.post(path, data=decision)
        assert r.status_code == 303
        page = (await client.get(f"/offers/{offer.id}")).text
        assert "异议成立，已终止" in page and "处理意见：待评估" in page


async def test_the_stats_page_shows_the_year_against_the_target(market: Components) -> None:
    async with page_client(market) as client:
        page = (await client.get("/stats")).text
    assert "年技术合同成交额" in page and "完成全年目标 10 亿元（100,000 万元）的" in page
    assert "导出年度报表（Excel）" in page and "挂牌与竞价" in page


async def test_the_desk_shows_the_pair_an_auction_opened(market: Components) -> None:
    t = trading(market)
    offer = market.offers.create(auction_body(t.clock), t.owner)
    market.offers.place_bid(offer.id, BidIn(price_wan=120), t.enterprises[1])
    t.clock.move(hours=3)
    match_id = market.offers.get(offer.id).match_id
    async with page_client(market) as client:
        await log_in(client, t.broker.username)
        page = (await client.get(f"/desk/matches/{match_id}")).text
    assert f'<a href="/offers/{offer.id}">竞价 {offer.id}</a>' in page
    assert "成交价 <strong>120 万元</strong>" in page and "contract.docx" in page
