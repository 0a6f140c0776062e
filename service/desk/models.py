"""SQL tables of the broker desk."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.catalog.models import Base, utcnow


class DeskMatchRow(Base):
    """One (need, achievement) pair a broker handles; at most one row per pair."""

    __tablename__ = "desk_matches"
    __table_args__ = (UniqueConstraint("need_id", "achievement_id", name="uq_desk_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    need_id: Mapped[str] = mapped_column(String(64), index=True)
    achievement_id: Mapped[str] = mapped_column(String(64), index=True)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    lost_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    requested_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    broker_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    introduced_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class StageChangeRow(Base):
    """The history of a desk match: every move, by whom and when."""

    __tablename__ = "desk_stage_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("desk_matches.id"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_stage: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class DeskNoteRow(Base):
    __tablename__ = "desk_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("desk_matches.id"), index=True)
    author_id: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ContractRow(Base):
    """What a 技术合同登记 form asks of a signed deal."""

    __tablename__ = "desk_contracts"

    match_id: Mapped[int] = mapped_column(ForeignKey("desk_matches.id"), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    contract_type: Mapped[str] = mapped_column(String(16))
    seller: Mapped[str] = mapped_column(String(100))  # 卖方（受托方/让与方/许可方）
    buyer: Mapped[str] = mapped_column(String(100))  # 买方（委托方/受让方/被许可方）
    amount_wan: Mapped[float] = mapped_column(Float)
    # 技术交易额: the amount less what is not technology (equipment, materials …); null = all
    tech_amount_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    signed_on: Mapped[dt.date] = mapped_column(Date)
    registration_no: Mapped[str | None] = mapped_column(String(40), nullable=True)
    registered_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
