"""SQL tables of the trading: an offer (挂牌 or 竞价) of an achievement, its bids and objections."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.catalog.models import Base, utcnow


class OfferRow(Base):
    """One 挂牌 (fixed price or 面议) or 竞价 of a published achievement, with its 公示.

    ``state`` is what was decided (open, stopped, sold, unsold, matched); what the public reads
    (公示中, 公示期满, 竞价中 …) follows from it and the clock (``rules.status``). ``version``
    moves with every bid and close: a bid first bumps it, which locks the row (see bidding.py).
    """

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    achievement_id: Mapped[str] = mapped_column(String(64), index=True)
    mode: Mapped[str] = mapped_column(String(8))  # 挂牌 | 竞价
    transfer: Mapped[str] = mapped_column(String(8))  # 转让 | 许可
    price_wan: Mapped[float | None] = mapped_column(Float, nullable=True)  # 挂牌: null = 面议
    notice_days: Mapped[int] = mapped_column(Integer)
    notice_starts: Mapped[dt.datetime] = mapped_column(DateTime)
    notice_ends: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    start_price_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    increment_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    opens_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    closes_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(12), index=True, default="open")
    current_price_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    leading_bid_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bid_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    match_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    deal_price_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class BidRow(Base):
    """One accepted bid; ``bidder_code`` (竞买人1, 竞买人2 …) is what the public log shows."""

    __tablename__ = "offer_bids"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    bidder_code: Mapped[str] = mapped_column(String(16))
    need_id: Mapped[str] = mapped_column(String(64))  # the bidder's need the deal pairs with
    price_wan: Mapped[float] = mapped_column(Float)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    extended_to: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class ObjectionRow(Base):
    """An 异议 lodged during the 公示 and an admin's decision on it."""

    __tablename__ = "offer_objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    user_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # upheld | dismissed
    decided_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
