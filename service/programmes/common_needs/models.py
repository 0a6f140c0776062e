"""SQL tables of 共性需求凝练: the groups (and the 重大科技需求目录 they are published to), their
members, and the mark that says which needs a grouping was made from (``TABLE_MODULES`` in
``service/catalog/schema.py`` lists this module)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
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


class CommonNeedRow(Base):
    """A group of needs sharing a technical core: proposed by the clustering, reviewed by an
    admin, then published into the 重大科技需求目录 (or dismissed)."""

    __tablename__ = "common_needs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), index=True, default="proposed")
    key_terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reviewed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class GroupingMarkRow(Base):
    """What the last grouping run saw: the fingerprint of the published needs it grouped.

    One row (``name`` = "common_needs"). Compared on read, so the needs are regrouped only
    when they changed, even when every proposal has since been reviewed or dismissed."""

    __tablename__ = "grouping_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CommonNeedMemberRow(Base):
    """One need in one group; ``suggested`` marks a new need proposed for a reviewed group."""

    __tablename__ = "common_need_members"
    __table_args__ = (UniqueConstraint("need_id", name="uq_common_need_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("common_needs.id"), index=True)
    need_id: Mapped[str] = mapped_column(String(64))
    suggested: Mapped[bool] = mapped_column(default=False)
    removed: Mapped[bool] = mapped_column(default=False)  # kept so it is not proposed again
    similarity: Mapped[float | None] = mapped_column(Float, nullable=True)
