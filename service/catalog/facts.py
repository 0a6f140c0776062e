"""The few attributes of listings that search sorts and counts by, read without building the
listing models: a search ranks and counts up to a thousand results and shows twenty, and
validating a thousand full listings cost more than the whole retrieval at 100,000 listings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from service.catalog.models import AchievementRow, NeedRow
from service.listings.schemas import Kind


@dataclass(frozen=True)
class ListingFacts:
    """What a result contributes to the facets and to the sort orders."""

    id: str
    kind: Kind
    field: str
    maturity: str | None  # an achievement's maturity, a need's lowest acceptable one
    region: str | None
    money: float | None  # price or budget (万元); None is 面议
    created_at: dt.datetime


def read_facts(
    sessions: sessionmaker[Session], kind: Kind, ids: Sequence[str]
) -> dict[str, ListingFacts]:
    """Facts of the listings with these ids (unknown ids are left out)."""
    table: Any = AchievementRow if kind is Kind.achievement else NeedRow
    maturity = table.maturity if kind is Kind.achievement else table.required_maturity
    money = table.price_wan if kind is Kind.achievement else table.budget_wan
    columns = (table.id, table.field, maturity, table.region, money, table.created_at)
    found: dict[str, ListingFacts] = {}
    with sessions() as session:
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            for row in session.execute(select(*columns).where(table.id.in_(chunk))):
                found[row[0]] = ListingFacts(row[0], kind, *row[1:])
    return found
