"""Bids and the close of auctions.

Two bids at the same moment: each bid's transaction first bumps the offer's ``version`` (an
UPDATE), which takes the row's lock on PostgreSQL and the write lock on SQLite before anything
is read; the second bid waits, then reads the price the first one set, and must beat it by the
increment or is refused with a 422. So each step has exactly one winner and no accepted bid is
overwritten. SQLite's "database is locked" past its busy timeout retries the whole bid.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.accounts import User
from service.audit.views import AuditAction
from service.catalog.db import retry_when_locked
from service.desk.opening import open_negotiation
from service.programmes.errors import (
    ProgrammeConflictError,
    ProgrammeInputError,
    ProgrammePermissionError,
)
from service.programmes.offers import rules
from service.programmes.offers.base import OfferBase
from service.programmes.offers.eligibility import bidder_refusal
from service.programmes.offers.models import BidRow, OfferRow
from service.programmes.offers.views import Bid, BidIn, Mode

log = logging.getLogger(__name__)


def _money(value: float) -> str:
    return f"{value:g} 万元"


class OfferBids(OfferBase):
    """Bids on auctions and their close."""

    def _locked(self, session: Session, offer_id: int) -> OfferRow:
        """The offer, locked for this transaction (see the module docstring)."""
        bumped = session.execute(
            update(OfferRow).where(OfferRow.id == offer_id).values(version=OfferRow.version + 1)
        )
        row = self._row(session, offer_id)
        if bumped.rowcount:  # type: ignore[attr-defined]
            session.refresh(row)
        return row

    @retry_when_locked
    def place_bid(self, offer_id: int, body: BidIn, user: User) -> Bid:
        refusal = bidder_refusal(user, self.accounts)
        if refusal:
            raise ProgrammePermissionError(refusal)
        with self._sessions.begin() as session:
            row = self._locked(session, offer_id)
            now = self.clock()
            if not self._close_if_due(session, row, now):
                return self._accept(session, row, body, user, now)
            ended = rules.status(row, now).label  # the close is committed, the bid refused
        raise ProgrammeConflictError(f"竞价已结束（{ended}）")

    def _accept(
        self, session: Session, row: OfferRow, body: BidIn, user: User, now: dt.datetime
    ) -> Bid:
        need_id = self._bidder_need(session, user, body.need_id)
        self._check_bid(row, body.price_wan, now)
        bid = BidRow(
            offer_id=row.id, user_id=user.id, need_id=need_id, price_wan=body.price_wan,
            bidder_code=self._code(session, row.id, user.id), at=now,
        )  # fmt: skip
        assert row.closes_at is not None
        bid.extended_to = rules.extended_close(row.closes_at, now)
        session.add(bid)
        session.flush()
        row.closes_at = bid.extended_to or row.closes_at
        row.current_price_wan = body.price_wan
        row.leading_bid_id = bid.id
        row.bid_count += 1
        row.updated_at = now
        moved = f"，截止时间顺延至 {rules.beijing_text(row.closes_at)}" if bid.extended_to else ""
        detail = f"{bid.bidder_code} 出价 {_money(body.price_wan)}{moved}"
        self._audit(session, user.id, AuditAction.offer_bid, row, detail, now)
        return Bid.model_validate(bid, from_attributes=True)

    def bids(self, offer_id: int) -> list[Bid]:
        """The public bid log, the newest first (bidder codes, never names)."""
        self.close_due()
        with self._sessions() as session:
            self._row(session, offer_id)
            rows = session.scalars(
                select(BidRow).where(BidRow.offer_id == offer_id).order_by(BidRow.id.desc())
            )
            return [Bid.model_validate(r, from_attributes=True) for r in rows]

    def close_due(self) -> int:
        """Close every auction whose close has passed; how many were closed. Idempotent: any
        number of processes may call it at once (each close locks its offer first)."""
        now = self.clock()
        with self._sessions() as session:
            due = list(
                session.scalars(
                    select(OfferRow.id).where(
                        OfferRow.mode == Mode.auction.value,
                        OfferRow.state == rules.OPEN,
                        OfferRow.closes_at <= now,
                    )
                )
            )
        return sum(self._close_one(offer_id) for offer_id in due)

    @retry_when_locked
    def _close_one(self, offer_id: int) -> bool:
        with self._sessions.begin() as session:
            row = self._locked(session, offer_id)
            return self._close_if_due(session, row, self.clock())

    def _close_if_due(self, session: Session, row: OfferRow, now: dt.datetime) -> bool:
        """At the close the highest bid wins and opens the pair on the desk at 洽谈."""
        if row.mode != Mode.auction.value or row.state != rules.OPEN:
            return False
        assert row.closes_at is not None
        if now < row.closes_at:
            return False
        row.updated_at = now
        if row.leading_bid_id is None:
            row.state = rules.UNSOLD
            self._audit(session, None, AuditAction.offer_unsold, row, "竞价截止，无人出价", now)
            return True
        winner = session.get(BidRow, row.leading_bid_id)
        assert winner is not None
        pair = open_negotiation(session, winner.need_id, row.achievement_id, None, now)
        row.state = rules.SOLD
        row.match_id = pair.id
        row.deal_price_wan = winner.price_wan
        detail = (
            f"竞价截止，{winner.bidder_code} 以 {_money(winner.price_wan)} 成交，"
            f"对接 {pair.id} 转入洽谈"
        )
        self._audit(session, None, AuditAction.offer_sold, row, detail, now)
        return True

    def _check_bid(self, row: OfferRow, price: float, now: dt.datetime) -> None:
        if row.mode != Mode.auction.value:
            raise ProgrammeConflictError("这是挂牌交易，不接受竞价")
        if row.state != rules.OPEN:
            raise ProgrammeConflictError(f"竞价已结束（{rules.status(row, now).label}）")
        assert row.opens_at is not None
        if now < row.opens_at:
            raise ProgrammeConflictError("竞价尚未开始")
        least = rules.next_min(row)
        assert least is not None
        if price + 1e-9 < least:
            if row.bid_count == 0:
                message = f"首次出价不能低于起拍价 {_money(least)}"
            else:
                message = (
                    f"出价须比当前价 {_money(row.current_price_wan or 0)} 至少高出加价幅度 "
                    f"{_money(row.increment_wan or 0)}，即不低于 {_money(least)}"
                )
            raise ProgrammeInputError("price_wan", message)

    def _bidder_need(self, session: Session, user: User, need_id: str | None) -> str:
        needs = self._published_needs(session, user.id)
        if need_id is not None:
            if need_id not in needs:
                raise ProgrammeInputError("need_id", "只能选择本账号已发布的需求")
            return need_id
        if not needs:
            raise ProgrammeInputError(
                "need_id", "参与竞价前请先发布一项企业需求：成交后以它与该成果组成对接"
            )
        return needs[0]

    @staticmethod
    def _code(session: Session, offer_id: int, user_id: int) -> str:
        """The bidder's code on this offer: the one it had, or the next number."""
        had = session.scalar(
            select(BidRow.bidder_code).where(BidRow.offer_id == offer_id, BidRow.user_id == user_id)
            .limit(1)
        )  # fmt: skip
        if had:
            return had
        bidders = session.scalar(
            select(func.count(func.distinct(BidRow.user_id))).where(BidRow.offer_id == offer_id)
        )
        return f"竞买人{(bidders or 0) + 1}"
