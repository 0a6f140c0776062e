"""What every part of the trading shares: sessions, the clock, the row and view helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import Session, sessionmaker

from service.accounts import Accounts, User
from service.audit.log import event_row
from service.audit.views import AuditAction
from service.catalog import Catalog
from service.catalog.models import ListingOwnerRow, NeedRow
from service.clock import utc_now
from service.listings.schemas import Kind, Status
from service.programmes.errors import ProgrammeNotFoundError, ProgrammePermissionError
from service.programmes.offers import rules
from service.programmes.offers.models import ObjectionRow, OfferRow
from service.programmes.offers.views import Auction, Mode, ObjectionStatus, Offer, Transfer

Clock = Callable[[], dt.datetime]


class OfferBase:
    """Sessions over the catalog's engine and a clock (naive UTC) the tests can set."""

    def __init__(
        self, engine: Engine, catalog: Catalog, accounts: Accounts, clock: Clock = utc_now
    ) -> None:
        self.catalog = catalog
        self.accounts = accounts
        self.clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def _row(self, session: Session, offer_id: int) -> OfferRow:
        row = session.get(OfferRow, offer_id)
        if row is None:
            raise ProgrammeNotFoundError(f"没有编号为 {offer_id} 的挂牌")
        return row

    @staticmethod
    def _audit(
        session: Session, user_id: int | None, action: AuditAction, row: OfferRow, detail: str,
        now: dt.datetime,
    ) -> None:  # fmt: skip
        text = f"挂牌 {row.id}（{row.mode}·{row.transfer}）：{detail}"
        session.add(event_row(user_id, action, Kind.achievement, row.achievement_id, text, now))

    @staticmethod
    def _require_broker(user: User, what: str) -> None:
        if not user.sees_everything:
            raise ProgrammePermissionError(f"只有技术经纪人或管理员可以{what}")

    def _published_needs(self, session: Session, user_id: int) -> list[str]:
        """The account's published needs, the most recently updated first."""
        owned = and_(
            ListingOwnerRow.kind == Kind.need.value, ListingOwnerRow.listing_id == NeedRow.id
        )
        query = (
            select(NeedRow.id)
            .join(ListingOwnerRow, owned)
            .where(ListingOwnerRow.user_id == user_id, NeedRow.status == Status.published.value)
            .order_by(NeedRow.updated_at.desc(), NeedRow.id)
        )
        return list(session.scalars(query))

    def _views(self, session: Session, rows: list[OfferRow]) -> list[Offer]:
        ids = list({r.achievement_id for r in rows})
        listings = self.catalog.get_many(Kind.achievement, ids) if ids else {}
        pending = dict(
            session.execute(
                select(ObjectionRow.offer_id, func.count())
                .where(
                    ObjectionRow.offer_id.in_([r.id for r in rows]),
                    ObjectionRow.status == ObjectionStatus.pending.value,
                )
                .group_by(ObjectionRow.offer_id)
            ).all()
        )
        now = self.clock()
        out = []
        for row in rows:
            listing = listings.get(row.achievement_id)
            title = listing.title if listing else row.achievement_id
            institution = getattr(listing, "institution", "") if listing else ""
            out.append(to_view(row, now, title, institution, pending.get(row.id, 0)))
        return out


def to_view(row: OfferRow, now: dt.datetime, title: str, institution: str, pending: int) -> Offer:
    status = rules.status(row, now)
    auction = None
    current = row.price_wan
    if row.mode == Mode.auction.value:
        assert row.start_price_wan is not None and row.increment_wan is not None
        assert row.opens_at is not None and row.closes_at is not None
        current = row.current_price_wan if row.bid_count else row.start_price_wan
        auction = Auction(
            start_price_wan=row.start_price_wan,
            increment_wan=row.increment_wan,
            opens=row.opens_at,
            closes=row.closes_at,
            bids=row.bid_count,
            next_min_wan=rules.next_min(row),
        )
    return Offer(
        id=row.id,
        achievement_id=row.achievement_id,
        title=title,
        institution=institution,
        mode=Mode(row.mode),
        transfer=Transfer(row.transfer),
        price_wan=row.price_wan,
        notice_days=row.notice_days,
        notice_starts=row.notice_starts,
        notice_ends=row.notice_ends,
        status=status,
        status_label=status.label,
        current_price_wan=current,
        auction=auction,
        objections_pending=pending,
        match_id=row.match_id,
        deal_price_wan=row.deal_price_wan,
        created_at=row.created_at,
    )
