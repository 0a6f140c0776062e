"""SQL tables of matchmaking events: events, the achievements presented, registrations, intents.

Kept in this module (registered in ``TABLE_MODULES``) so schema management can move to
migrations without touching the listing tables.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.catalog.models import Base, utcnow


class EventRow(Base):
    """A 推介会, 对接会 or 路演."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(100))
    field: Mapped[str | None] = mapped_column(String(64), nullable=True)
    region: Mapped[str | None] = mapped_column(String(40), nullable=True)
    capacity: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class EventAchievementRow(Base):
    """An achievement presented at an event, in programme order."""

    __tablename__ = "event_achievements"
    __table_args__ = (UniqueConstraint("event_id", "achievement_id", name="uq_event_achievement"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    achievement_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)


class RegistrationRow(Base):
    """An enterprise's registration; ``waitlisted`` beyond the capacity."""

    __tablename__ = "event_registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "enterprise", name="uq_event_enterprise"),
        Index("ix_registration_organisation", "event_id", "organisation_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    enterprise: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True
    )
    attendees: Mapped[int] = mapped_column(Integer)
    contact: Mapped[str] = mapped_column(String(200))
    waitlisted: Mapped[bool] = mapped_column(Boolean, default=False)
    attended: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    user_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class IntentRow(Base):
    """An intent (意向) recorded after an event; ``match_id`` is the desk pair it opened."""

    __tablename__ = "event_intents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    enterprise: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True, index=True
    )
    achievement_id: Mapped[str] = mapped_column(String(64))
    need_id: Mapped[str] = mapped_column(String(64))
    match_id: Mapped[int] = mapped_column(Integer, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
