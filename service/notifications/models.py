"""SQL tables of the inbox, listing terms and saved searches (created by ``create_schema``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.catalog.models import Base, utcnow


class NotificationRow(Base):
    """One message to one account; ``key`` makes each event notify once."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key: Mapped[str] = mapped_column(String(160))
    title: Mapped[str] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class ListingTermRow(Base):
    """A listing's term (有效期) when set or renewed; ``expired_at`` once it ran out."""

    __tablename__ = "listing_terms"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    listing_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    expired_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class SavedSearchRow(Base):
    """A search an account asked to be told about; ``seen`` holds the result ids known."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    query: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    seen: Mapped[str] = mapped_column(Text, default="[]")


class SweepRow(Base):
    """When an account's notifications were last brought up to date."""

    __tablename__ = "notification_sweeps"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    swept_at: Mapped[dt.datetime] = mapped_column(DateTime)
