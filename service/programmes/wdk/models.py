"""SQL table of the 万达开科技成果库: the achievements an admin tagged for the library."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    DateTime,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.catalog.models import Base, utcnow


class WdkTagRow(Base):
    """An achievement an admin tagged for the 万达开科技成果库 (whatever its region)."""

    __tablename__ = "wdk_tags"

    achievement_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tagged_by: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
