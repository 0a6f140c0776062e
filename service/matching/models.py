"""The table of kept match lists (compute on write, read on request)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.catalog.models import Base, utcnow


class KeptMatchRow(Base):
    """A listing's match list as computed at ``stamp`` (the catalog's version and the index
    generation it was made from); any other stamp means the market changed since."""

    __tablename__ = "kept_matches"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    listing_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, primary_key=True)  # how many matches it holds
    stamp: Mapped[str] = mapped_column(String(120), index=True)
    body: Mapped[str] = mapped_column(Text)  # the MatchList as JSON
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
