"""Offers: 挂牌 with its 公示, 异议 and their decisions, and taking an offer to the desk.

Every read first closes the auctions whose close has passed (``close_due``), so nobody ever
reads an auction as open after its close, whether or not the background sweep has run.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from service.accounts import Role, User
from service.audit.views import AuditAction
from service.catalog import NotFoundError
from service.desk.opening import open_negotiation
from service.listings.schemas import Kind, Status
from service.programmes.errors import (
    ProgrammeConflictError,
    ProgrammeInputError,
    ProgrammePermissionError,
)
from service.programmes.offers import rules
from service.programmes.offers.bidding import OfferBids
from service.programmes.offers.models import ObjectionRow, OfferRow
from service.programmes.offers.views import (
    DecisionIn,
    Mode,
    Objection,
    ObjectionIn,
    ObjectionStatus,
    Offer,
    OfferIn,
    ToDeskIn,
)

CURRENT = (rules.OPEN,)


class Offers(OfferBids):
    # ---- reading ----------------------------------------------------------------------
    def get(self, offer_id: int) -> Offer:
        self.close_due()
        with self._sessions() as session:
            return self._views(session, [self._row(session, offer_id)])[0]

    def browse(self, current: bool = True, limit: int = 200) -> list[Offer]:
        """Offers still open (公示中, 公示期满, 待开拍, 竞价中) or all, the newest first."""
        self.close_due()
        query = select(OfferRow).order_by(OfferRow.created_at.desc(), OfferRow.id.desc())
        if current:
            query = query.where(OfferRow.state.in_(CURRENT))
        with self._sessions() as session:
            return self._views(session, list(session.scalars(query.limit(limit))))

    def of_match(self, match_id: int) -> Offer | None:
        """The offer that opened this desk pair, if one did."""
        with self._sessions() as session:
            row = session.scalar(select(OfferRow).where(OfferRow.match_id == match_id).limit(1))
            return self._views(session, [row])[0] if row else None

    # ---- listing ----------------------------------------------------------------------
    def create(self, body: OfferIn, user: User) -> Offer:
        """List a published achievement; its owner, a broker or an admin may."""
        try:
            listing = self.catalog.get(Kind.achievement, body.achievement_id)
        except NotFoundError:
            listing = None
        if listing is None or listing.status != Status.published:
            raise ProgrammeInputError("achievement_id", "成果不存在或未发布")
        owner = self.accounts.owner_of(Kind.achievement, body.achievement_id)
        if not user.sees_everything and owner != user.id:
            raise ProgrammePermissionError("只能挂牌本账号发布的成果")
        now = self.clock()
        window = rules.check_new_offer(body, now)
        with self._sessions.begin() as session:
            taken = session.scalar(
                select(OfferRow.id).where(
                    OfferRow.achievement_id == body.achievement_id, OfferRow.state == rules.OPEN
                )
            )
            if taken is not None:
                raise ProgrammeConflictError(f"该成果已在挂牌中（挂牌 {taken}）")
            row = OfferRow(
                achievement_id=body.achievement_id, mode=body.mode.value,
                transfer=body.transfer.value, price_wan=body.price_wan,
                notice_days=body.notice_days, notice_starts=now,
                notice_ends=now + dt.timedelta(days=body.notice_days), state=rules.OPEN,
                created_by=user.id, created_at=now, updated_at=now, bid_count=0, version=0,
            )  # fmt: skip
            if window is not None and body.auction is not None:
                row.opens_at, row.closes_at = window
                row.start_price_wan = body.auction.start_price_wan
                row.increment_wan = body.auction.increment_wan
            session.add(row)
            session.flush()
            price = "面议" if row.price_wan is None else f"{row.price_wan:g} 万元"
            if window:
                price = f"起拍价 {row.start_price_wan:g} 万元"
            detail = f"{price}，公示至 {rules.beijing_text(row.notice_ends, '%Y-%m-%d')}"
            self._audit(session, user.id, AuditAction.offer_listed, row, detail, now)
            return self._views(session, [row])[0]

    # ---- objections -------------------------------------------------------------------
    def objections(self, offer_id: int, user: User | None) -> list[Objection]:
        """Every objection for admins and brokers; an account's own for anyone else."""
        with self._sessions() as session:
            self._row(session, offer_id)
            query = select(ObjectionRow).where(ObjectionRow.offer_id == offer_id)
            if user is None:
                return []
            if not user.sees_everything:
                query = query.where(ObjectionRow.user_id == user.id)
            return [_objection(r) for r in session.scalars(query.order_by(ObjectionRow.id))]

    def object(self, offer_id: int, body: ObjectionIn, user: User) -> Objection:
        with self._sessions.begin() as session:
            row = self._row(session, offer_id)
            now = self.clock()
            if not rules.in_notice(row, now):
                raise ProgrammeConflictError(
                    f"只能在公示期内提出异议（{rules.status(row, now).label}）"
                )
            objection = ObjectionRow(
                offer_id=row.id, user_id=user.id, reason=body.reason,
                status=ObjectionStatus.pending.value, created_at=now,
            )  # fmt: skip
            session.add(objection)
            session.flush()
            self._audit(session, user.id, AuditAction.offer_objected, row, body.reason[:80], now)
            return _objection(objection)

    def decide(self, offer_id: int, objection_id: int, body: DecisionIn, user: User) -> Objection:
        """An admin upholds (the offer stops) or dismisses a pending objection."""
        if user.role is not Role.admin:
            raise ProgrammePermissionError("只有管理员可以处理异议")
        if body.decision is ObjectionStatus.pending:
            raise ProgrammeInputError("decision", "请选择「异议成立」或「异议不成立」")
        with self._sessions.begin() as session:
            row = self._locked(session, offer_id)
            objection = session.get(ObjectionRow, objection_id)
            if objection is None or objection.offer_id != offer_id:
                raise ProgrammeInputError(
                    "objection_id", f"挂牌 {offer_id} 没有编号为 {objection_id} 的异议"
                )
            if objection.status != ObjectionStatus.pending.value:
                raise ProgrammeConflictError("该异议已处理")
            now = self.clock()
            objection.status = body.decision.value
            objection.decided_by, objection.decided_at = user.id, now
            objection.decision_note = body.note or None
            upheld = body.decision is ObjectionStatus.upheld
            if upheld and row.state == rules.OPEN:
                row.state, row.updated_at = rules.STOPPED, now
            action = AuditAction.objection_upheld if upheld else AuditAction.objection_denied
            detail = f"异议 {objection.id}：{body.decision.label}" + (
                f"（{body.note}）" if body.note else ""
            )
            self._audit(session, user.id, action, row, detail, now)
            return _objection(objection)

    # ---- to the desk ------------------------------------------------------------------
    def to_desk(self, offer_id: int, body: ToDeskIn, user: User) -> Offer:
        """A 挂牌 past its 公示, with no objection pending, goes to the desk at 洽谈 with the
        buyer's need (a broker or admin names it)."""
        self._require_broker(user, "把挂牌转入工作台")
        try:
            need = self.catalog.get(Kind.need, body.need_id)
        except NotFoundError:
            need = None
        if need is None or need.status != Status.published:
            raise ProgrammeInputError("need_id", "需求不存在或未发布")
        with self._sessions.begin() as session:
            row = self._locked(session, offer_id)
            now = self.clock()
            if row.mode != Mode.fixed.value:
                raise ProgrammeConflictError("竞价在截止时自动由最高出价者成交")
            if rules.status(row, now).value != "notice_over":
                raise ProgrammeConflictError(
                    f"公示期满后才能转入工作台（{rules.status(row, now).label}）"
                )
            pending = session.scalar(
                select(ObjectionRow.id).where(
                    ObjectionRow.offer_id == offer_id,
                    ObjectionRow.status == ObjectionStatus.pending.value,
                ).limit(1)
            )  # fmt: skip
            if pending is not None:
                raise ProgrammeConflictError("还有待处理的异议，处理后才能转入工作台")
            pair = open_negotiation(session, body.need_id, row.achievement_id, user.id, now)
            row.state, row.match_id, row.updated_at = rules.MATCHED, pair.id, now
            row.deal_price_wan = row.price_wan
            detail = f"与需求 {body.need_id} 组成对接 {pair.id}，转入洽谈"
            self._audit(session, user.id, AuditAction.offer_to_desk, row, detail, now)
            return self._views(session, [row])[0]


def _objection(row: ObjectionRow) -> Objection:
    status = ObjectionStatus(row.status)
    return Objection(
        id=row.id, offer_id=row.offer_id, reason=row.reason, status=status,
        status_label=status.label, decision_note=row.decision_note, decided_at=row.decided_at,
        created_at=row.created_at,
    )  # fmt: skip
