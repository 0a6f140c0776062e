"""The trading on its own (no HTTP): 挂牌 with 公示, 异议, 竞价 with 防狙击 and the close, the desk
pair it opens, and the audit trail of every state change. Time is a clock the tests move."""

from __future__ import annotations

import datetime as dt

import pytest

from service.accounts import Role
from service.audit.views import AuditAction
from service.composition import Components
from service.desk.stages import Stage
from service.programmes.errors import (
    ProgrammeConflictError,
    ProgrammeInputError,
    ProgrammePermissionError,
)
from service.programmes.offers.views import (
    BidIn,
    DecisionIn,
    ObjectionIn,
    ObjectionStatus,
    OfferIn,
    OfferStatus,
    ToDeskIn,
)
from tests.offers_support import ACHIEVEMENT, auction_body, trading, user

FIXED = OfferIn(achievement_id=ACHIEVEMENT, mode="挂牌", transfer="许可", price_wan=80)


def actions(market: Components) -> list[AuditAction]:
    events, _ = market.audit.page(listing_id=ACHIEVEMENT)
    return [e.action for e in reversed(events)]


def test_a_listing_runs_its_notice_then_goes_to_the_desk(market: Components) -> None:
    t = trading(market)
    offers = market.offers
    offer = offers.create(FIXED, t.owner)
    assert offer.status is OfferStatus.notice and offer.current_price_wan == 80
    assert offer.notice_ends - offer.notice_starts == dt.timedelta(days=15)
    with pytest.raises(ProgrammeConflictError, match="已在挂牌中"):
        offers.create(FIXED, t.broker)
    with pytest.raises(ProgrammeConflictError, match="公示期满后"):
        offers.to_desk(offer.id, ToDeskIn(need_id="N-OFFER-0"), t.broker)
    t.clock.move(days=15)
    assert offers.get(offer.id).status is OfferStatus.notice_over
    with pytest.raises(ProgrammeConflictError, match="公示期内"):
        offers.object(offer.id, ObjectionIn(reason="价格明显低于评估价值"), t.enterprises[0])
    done = offers.to_desk(offer.id, ToDeskIn(need_id="N-OFFER-0"), t.broker)
    assert done.status is OfferStatus.matched and done.deal_price_wan == 80
    assert done.match_id is not None
    pair = market.desk.get(done.match_id)
    assert (pair.need_id, pair.achievement_id, pair.stage) == ("N-OFFER-0", ACHIEVEMENT,
                                                               Stage.negotiating)  # fmt: skip
    found = actions(market)
    assert found[0] is AuditAction.offer_listed  # the pair's move is in the same trail
    assert sorted(found[1:]) == sorted([AuditAction.offer_to_desk, AuditAction.stage])


def test_only_the_owner_or_a_broker_lists_a_published_achievement(market: Components) -> None:
    t = trading(market)
    stranger = user(market, Role.university, "uni-other", "另一所大学")
    with pytest.raises(ProgrammePermissionError):
        market.offers.create(FIXED, stranger)
    with pytest.raises(ProgrammeInputError) as info:
        market.offers.create(FIXED.model_copy(update={"achievement_id": "A-NONE"}), t.owner)
    assert info.value.field == "achievement_id"
    assert market.offers.browse() == []


def test_an_upheld_objection_stops_the_offer_a_dismissed_one_does_not(market: Components) -> None:
    t = trading(market)
    offers = market.offers
    offer = offers.create(FIXED, t.owner)
    first = offers.object(offer.id, ObjectionIn(reason="该专利权属存在争议"), t.enterprises[0])
    second = offers.object(offer.id, ObjectionIn(reason="拟交易价格低于评估价值"), t.enterprises[1])
    assert offers.get(offer.id).objections_pending == 2
    with pytest.raises(ProgrammePermissionError):
        offers.decide(offer.id, first.id, DecisionIn(decision="dismissed"), t.broker)
    denied = offers.decide(offer.id, first.id, DecisionIn(decision="dismissed", note="权属清楚"),
                           t.admin)  # fmt: skip
    assert denied.status is ObjectionStatus.dismissed
    assert offers.get(offer.id).status is OfferStatus.notice
    with pytest.raises(ProgrammeConflictError, match="已处理"):
        offers.decide(offer.id, first.id, DecisionIn(decision="upheld"), t.admin)
    offers.decide(offer.id, second.id, DecisionIn(decision="upheld"), t.admin)
    assert offers.get(offer.id).status is OfferStatus.stopped
    assert offers.browse() == [] and len(offers.browse(current=False)) == 1
    assert [o.reason for o in offers.objections(offer.id, t.enterprises[0])] == [first.reason]
    assert AuditAction.objection_upheld in actions(market)


def test_a_pending_objection_keeps_the_listing_off_the_desk(market: Components) -> None:
    t = trading(market)
    offer = market.offers.create(FIXED, t.owner)
    market.offers.object(offer.id, ObjectionIn(reason="该专利权属存在争议"), t.enterprises[0])
    t.clock.move(days=16)
    with pytest.raises(ProgrammeConflictError, match="待处理的异议"):
        market.offers.to_desk(offer.id, ToDeskIn(need_id="N-OFFER-0"), t.broker)


def test_bids_step_by_the_increment_and_the_highest_wins_at_the_close(market: Components) -> None:
    t = trading(market)
    offers = market.offers
    offer = offers.create(auction_body(t.clock, start=100, step=5), t.owner)
    assert offer.status is OfferStatus.bidding and offer.auction is not None
    a, b = t.enterprises
    with pytest.raises(ProgrammeInputError, match="起拍价 100 万元") as low:
        offers.place_bid(offer.id, BidIn(price_wan=99), a)
    assert low.value.field == "price_wan"
    offers.place_bid(offer.id, BidIn(price_wan=100), a)
    with pytest.raises(ProgrammeInputError, match="不低于 105 万元"):
        offers.place_bid(offer.id, BidIn(price_wan=104), b)
    offers.place_bid(offer.id, BidIn(price_wan=110), b)
    offers.place_bid(offer.id, BidIn(price_wan=115), a)
    log = offers.bids(offer.id)
    assert [(x.bidder_code, x.price_wan) for x in log] == [("竞买人1", 115), ("竞买人2", 110),
                                                           ("竞买人1", 100)]  # fmt: skip
    assert offers.get(offer.id).current_price_wan == 115
    t.clock.move(hours=2)
    closed = offers.get(offer.id)  # a read closes it
    assert closed.status is OfferStatus.sold and closed.deal_price_wan == 115
    assert closed.match_id is not None
    pair = market.desk.get(closed.match_id)
    assert (pair.need_id, pair.stage) == ("N-OFFER-0", Stage.negotiating)
    with pytest.raises(ProgrammeConflictError, match="竞价已结束"):
        offers.place_bid(offer.id, BidIn(price_wan=200), b)
    assert actions(market).count(AuditAction.offer_bid) == 3
    assert AuditAction.offer_sold in actions(market)


def test_a_bid_in_the_last_five_minutes_moves_the_close(market: Components) -> None:
    t = trading(market)
    offer = market.offers.create(auction_body(t.clock, hours=1), t.owner)
    assert offer.auction is not None
    close = offer.auction.closes
    t.clock.move(minutes=54)
    first = market.offers.place_bid(offer.id, BidIn(price_wan=100), t.enterprises[0])
    assert first.extended_to is None  # six minutes left
    t.clock.move(minutes=2)
    late = market.offers.place_bid(offer.id, BidIn(price_wan=105), t.enterprises[1])
    assert late.extended_to == close + dt.timedelta(minutes=5)
    t.clock.move(minutes=5)  # past the first close, before the new one
    assert market.offers.get(offer.id).status is OfferStatus.bidding
    t.clock.move(minutes=4)  # the new close: the first close plus 5 minutes
    assert market.offers.close_due() == 1  # the sweep closes it, no read needed
    won = market.offers.get(offer.id)
    assert won.status is OfferStatus.sold and won.deal_price_wan == 105
    assert market.desk.get(won.match_id or 0).need_id == "N-OFFER-1"


def test_an_auction_without_bids_is_unsold(market: Components) -> None:
    t = trading(market)
    offer = market.offers.create(auction_body(t.clock), t.owner)
    t.clock.move(hours=3)
    assert market.offers.close_due() == 1 and market.offers.close_due() == 0
    ended = market.offers.get(offer.id)
    assert ended.status is OfferStatus.unsold and ended.match_id is None


def test_who_may_bid(market: Components) -> None:
    t = trading(market)
    offer = market.offers.create(auction_body(t.clock), t.owner)
    with pytest.raises(ProgrammePermissionError, match="只有企业账号"):
        market.offers.place_bid(offer.id, BidIn(price_wan=100), t.owner)
    unverified = user(market, Role.enterprise, "ent-unverified", "未认证的公司")
    with pytest.raises(ProgrammePermissionError, match="尚未通过单位认证"):
        market.offers.place_bid(offer.id, BidIn(price_wan=100), unverified)
    pending = user(market, Role.enterprise, "ent-pending", t.enterprises[0].organisation)
    with pytest.raises(ProgrammePermissionError, match="尚未获准代表所在单位"):
        market.offers.place_bid(offer.id, BidIn(price_wan=100), pending)
    needless = user(market, Role.enterprise, "ent-no-need", "没有需求的公司")
    found = market.accounts.organisation_of(needless)
    assert found is not None
    market.accounts.organisations.verify(found.organisation_id, True, t.admin.id)
    with pytest.raises(ProgrammeInputError, match="先发布一项企业需求"):
        market.offers.place_bid(offer.id, BidIn(price_wan=100), needless)
    with pytest.raises(ProgrammeInputError, match="本账号已发布的需求"):
        market.offers.place_bid(offer.id, BidIn(price_wan=100, need_id="N-OFFER-1"),
                                t.enterprises[0])  # fmt: skip


@pytest.mark.parametrize(
    ("auction", "field"),
    [
        ({"opens": -60}, "auction.opens"),
        ({"closes": 5}, "auction.closes"),
        ({"increment_wan": 500}, "auction.increment_wan"),
    ],
)
def test_bad_auction_terms_name_their_field(
    market: Components, auction: dict[str, float], field: str
) -> None:
    t = trading(market, bidders=0)
    body = auction_body(t.clock).model_dump()
    start = body["auction"]["opens"]
    if "opens" in auction:
        body["auction"]["opens"] = start + dt.timedelta(minutes=auction["opens"])
    if "closes" in auction:
        body["auction"]["closes"] = start + dt.timedelta(minutes=auction["closes"])
    if "increment_wan" in auction:
        body["auction"]["increment_wan"] = auction["increment_wan"]
    with pytest.raises(ProgrammeInputError) as info:
        market.offers.create(OfferIn.model_validate(body), t.owner)
    assert info.value.field == field
