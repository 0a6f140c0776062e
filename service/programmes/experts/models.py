"""SQL tables of the expert pool: experts, their evaluations of achievements, their services.

Kept in this module (registered in ``TABLE_MODULES``) so schema management can move to
migrations without touching the listing tables.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.catalog.models import Base, utcnow


class ExpertRow(Base):
    """One expert of the pool (专家库)."""

    __tablename__ = "experts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    organisation: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(50), nullable=True)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    expertise: Mapped[str] = mapped_column(Text)
    counties: Mapped[list[str]] = mapped_column(JSON, default=list)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    team: Mapped[str | None] = mapped_column(String(100), nullable=True)
    assigned_enterprises: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class EvaluationRow(Base):
    """An expert's evaluation of an achievement (科技成果评价), recorded by a broker or admin."""

    __tablename__ = "expert_evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    achievement_id: Mapped[str] = mapped_column(String(64), index=True)
    expert_id: Mapped[str] = mapped_column(String(64), index=True)
    maturity: Mapped[int] = mapped_column(Integer)  # 技术成熟度 1–5
    novelty: Mapped[int] = mapped_column(Integer)  # 创新性 1–5
    market: Mapped[int] = mapped_column(Integer)  # 市场前景 1–5
    comment: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class ServiceRow(Base):
    """One visit or consultation of a 科技特派员 (the service log)."""

    __tablename__ = "expert_services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    expert_id: Mapped[str] = mapped_column(String(64), index=True)
    served_on: Mapped[dt.date] = mapped_column(Date, index=True)
    client: Mapped[str] = mapped_column(String(100))  # the enterprise or farm served
    county: Mapped[str] = mapped_column(String(40), index=True)
    problem: Mapped[str] = mapped_column(Text)
    advice: Mapped[str] = mapped_column(Text)
    adopted: Mapped[bool] = mapped_column(Boolean, default=False)
    technology: Mapped[str | None] = mapped_column(String(100), nullable=True)
    recorded_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
