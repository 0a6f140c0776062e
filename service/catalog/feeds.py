"""What search and the index sync read from the catalog in bulk, cheaper than whole listings.

- ``facts``: the few attributes that search sorts and counts by, without building the listing
  models (a search ranks and counts up to a thousand results and shows twenty; validating a
  thousand full listings cost more than the whole retrieval at 100,000 listings);
- ``published_ids`` and ``iter_published_since``: what an incremental index
  sync needs to look only at the listings written since the last one (``ListingSource``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from service.catalog.models import AchievementRow, NeedRow, row_to_dict
from service.listings.schemas import OUT_MODELS, Kind, Status
from service.stamps import Timestamp


@dataclass(frozen=True)
class ListingFacts:
    """What a result contributes to the facets and to the sort orders."""

    id: str
    kind: Kind
    field: str
    maturity: str | None  # an achievement's maturity, a need's lowest acceptable one
    region: str | None
    money: float | None  # price or budget (万元); None is 面议
    created_at: Timestamp


@dataclass(frozen=True)
class CandidateFacts:
    """What matching scores a candidate on (status and the structured features' attributes),
    read as a few columns instead of a whole listing; the attributes of the other kind are
    empty."""

    id: str
    kind: Kind
    status: Status
    field: str
    region: str | None
    maturity: str | None = None  # an achievement's
    transfer_modes: tuple[str, ...] = ()  # codes, sorted
    price_wan: float | None = None
    required_maturity: str | None = None  # a need's lowest acceptable maturity
    cooperation_modes: tuple[str, ...] = ()
    budget_wan: float | None = None

    @property
    def is_published(self) -> bool:
        return self.status is Status.published


_SIDE = {
    Kind.achievement: ("maturity", "transfer_modes", "price_wan"),
    Kind.need: ("required_maturity", "cooperation_modes", "budget_wan"),
}


def _table(kind: Kind) -> Any:
    return AchievementRow if kind is Kind.achievement else NeedRow


class CatalogFeeds:
    """Bulk reads of the catalog (mixed into ``Catalog``, which provides ``_sessions``)."""

    _sessions: sessionmaker[Session]

    def facts(self, kind: Kind, ids: Sequence[str]) -> dict[str, ListingFacts]:
        """Sort and facet attributes of listings by id (unknown ids are left out)."""
        table = _table(kind)
        maturity = table.maturity if kind is Kind.achievement else table.required_maturity
        money = table.price_wan if kind is Kind.achievement else table.budget_wan
        columns = (table.id, table.field, maturity, table.region, money, table.created_at)
        found: dict[str, ListingFacts] = {}
        with self._sessions() as session:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                for row in session.execute(select(*columns).where(table.id.in_(chunk))):
                    found[row[0]] = ListingFacts(row[0], kind, *row[1:])
        return found

    def candidate_facts(self, kind: Kind, ids: Sequence[str]) -> dict[str, CandidateFacts]:
        """The matching attributes of listings by id (unknown ids are left out)."""
        table = _table(kind)
        common = (table.id, table.status, table.field, table.region)
        if kind is Kind.achievement:
            extra = (table.maturity, table.transfer_modes, table.price_wan)
        else:
            extra = (table.required_maturity, table.cooperation_modes, table.budget_wan)
        found: dict[str, CandidateFacts] = {}
        with self._sessions() as session:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                query = select(*common, *extra).where(table.id.in_(chunk))
                for lid, status, field, region, level, modes, money in session.execute(query):
                    names = _SIDE[kind]
                    values = {names[0]: level, names[1]: tuple(sorted(modes or ())),
                              names[2]: money}  # fmt: skip
                    found[lid] = CandidateFacts(lid, kind, Status(status), field, region, **values)
        return found

    def published_ids(self, kind: str) -> set[str]:
        """Ids of the published listings of a kind named as the index names it."""
        table = _table(Kind(kind))
        query = select(table.id).where(table.status == Status.published.value)
        with self._sessions() as session:
            return set(session.scalars(query))

    def updated_times(self, kind: Kind, ids: Sequence[str] | None = None) -> dict[str, Any]:
        """When each listing last changed, by id: of ``ids`` (any status), or of every published
        listing of the kind. What a kept match list of the listing is stamped with."""
        table = _table(kind)
        query = select(table.id, table.updated_at)
        if ids is None:
            query = query.where(table.status == Status.published.value)
        else:
            query = query.where(table.id.in_(list(ids)))
        with self._sessions() as session:
            return {listing_id: at for listing_id, at in session.execute(query)}

    def iter_published_since(self, kind: str, since: dt.datetime) -> Iterator[Any]:
        """Published listings of a kind written at or after ``since``."""
        table = _table(Kind(kind))
        query = (
            select(table)
            .where(table.status == Status.published.value, table.updated_at >= since)
            .order_by(table.id)
        )
        model = OUT_MODELS[Kind(kind)]
        with self._sessions() as session:
            for row in session.scalars(query.execution_options(yield_per=500)):
                yield model.model_validate(row_to_dict(row))
