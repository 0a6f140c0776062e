"""SQL tables of 揭榜挂帅: challenges, their stage history, applications and invitations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.catalog.models import Base, utcnow


class ChallengeRow(Base):
    """A 揭榜挂帅 榜单 and where it stands (发布 → 报名中 → 评审中 → 已立项 → 验收)."""

    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    indicators: Mapped[list[str]] = mapped_column(JSON, default=list)
    reward_wan: Mapped[float] = mapped_column(Float)
    deadline: Mapped[dt.date] = mapped_column(Date)
    delivery_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    eligibility: Mapped[str | None] = mapped_column(Text, nullable=True)
    need_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    common_need_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stage: Mapped[str] = mapped_column(String(16), index=True, default="published")
    reviewer_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # appointed brokers
    selected_application_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    selection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ChallengeStageRow(Base):
    """The history of a challenge: every stage it entered, when, by whom, with a note."""

    __tablename__ = "challenge_stages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ApplicationRow(Base):
    """One 揭榜 application: a team's plan for a challenge."""

    __tablename__ = "challenge_applications"
    __table_args__ = (UniqueConstraint("challenge_id", "user_id", name="uq_challenge_applicant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    organisation: Mapped[str] = mapped_column(String(100))
    team: Mapped[str] = mapped_column(Text)
    plan: Mapped[str] = mapped_column(Text)
    promised_indicators: Mapped[list[str]] = mapped_column(JSON, default=list)
    budget_wan: Mapped[float] = mapped_column(Float)
    months: Mapped[int] = mapped_column(Integer)
    achievement_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    score_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    scored_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class InvitationRow(Base):
    """An institution the admin invited to apply (from the recommended solvers)."""

    __tablename__ = "challenge_invitations"
    __table_args__ = (UniqueConstraint("challenge_id", "institution", name="uq_invitation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    institution: Mapped[str] = mapped_column(String(100))
    invited_by: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
