"""SQLAlchemy 2 tables of the catalog."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from service import clock

utcnow = clock.utc_now  # what the columns default to: naive UTC


class Base(DeclarativeBase):
    pass


class _ListingColumns:
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(String(64), index=True)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str | None] = mapped_column(String(40), nullable=True)
    contact: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True, default="published")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class AchievementRow(_ListingColumns, Base):
    __tablename__ = "achievements"

    summary: Mapped[str] = mapped_column(Text)
    institution: Mapped[str] = mapped_column(String(100))
    institution_type: Mapped[str] = mapped_column(String(16))
    maturity: Mapped[str] = mapped_column(String(16))
    transfer_modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    patents: Mapped[list[str]] = mapped_column(JSON, default=list)
    price_wan: Mapped[float | None] = mapped_column(Float, nullable=True)

    __table_args__ = (Index("ix_achievements_status_updated", "status", "updated_at"),)


class NeedRow(_ListingColumns, Base):
    __tablename__ = "needs"

    description: Mapped[str] = mapped_column(Text)
    enterprise: Mapped[str] = mapped_column(String(100))
    budget_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    cooperation_modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    required_maturity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)

    __table_args__ = (Index("ix_needs_status_updated", "status", "updated_at"),)


class ListingOwnerRow(Base):
    """The account that posted a listing; seed listings and script imports have none."""

    __tablename__ = "listing_owners"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    listing_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


def row_to_dict(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}
