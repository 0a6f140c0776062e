"""Reading and writing listings. Every write is one transaction: it lands whole or not at all."""

from __future__ import annotations

import builtins
import importlib
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from service.catalog.db import make_engine
from service.catalog.models import (
    AchievementRow,
    Base,
    ListingOwnerRow,
    NeedRow,
    row_to_dict,
    utcnow,
)
from service.listings.schemas import IN_MODELS, OUT_MODELS, Kind, Status

TABLE_MODULES = ("service.accounts.models", "service.desk.models", "service.notifications.models")
ROWS: dict[Kind, Any] = {
    Kind.achievement: AchievementRow,
    Kind.need: NeedRow,
}
Listing = Any  # Achievement | Need; kept loose where both kinds flow through one function


class NotFoundError(LookupError):
    def __init__(self, kind: Kind, listing_id: str) -> None:
        super().__init__(f"{kind.value} {listing_id!r} not found")
        self.kind = kind
        self.listing_id = listing_id


class DuplicateIdError(ValueError):
    def __init__(self, kind: Kind, listing_id: str) -> None:
        super().__init__(f"{kind.value} {listing_id!r} already exists")
        self.kind = kind
        self.listing_id = listing_id


def new_id(kind: Kind) -> str:
    return ("A" if kind is Kind.achievement else "N") + uuid.uuid4().hex[:11].upper()


class Catalog:
    """The system of record: listings in SQL, validated by the pydantic models."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        """Create every table of the service (catalog, accounts, broker desk) if missing."""
        for module in TABLE_MODULES:  # importing a module registers its tables on Base
            importlib.import_module(module)

        Base.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # ---- reads -------------------------------------------------------------------------
    def get(self, kind: Kind, listing_id: str) -> Listing:
        with self._sessions() as session:
            row = session.get(ROWS[kind], listing_id)
            if row is None:
                raise NotFoundError(kind, listing_id)
            return _to_model(kind, row)

    def get_many(self, kind: Kind, ids: Sequence[str]) -> dict[str, Listing]:
        """Listings by id (unknown ids are left out)."""
        table = ROWS[kind]
        found: dict[str, Listing] = {}
        with self._sessions() as session:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                for row in session.scalars(select(table).where(table.id.in_(chunk))):
                    found[row.id] = _to_model(kind, row)
        return found

    def list(
        self,
        kind: Kind,
        *,
        statuses: Sequence[Status] = (Status.published,),
        field: str | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> tuple[list[Listing], int]:
        table = ROWS[kind]
        query = select(table).where(table.status.in_([s.value for s in statuses]))
        if field:
            query = query.where((table.field == field) | table.field.startswith(field + "."))
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(table.updated_at.desc(), table.id).offset(offset).limit(limit)
            )
            return [_to_model(kind, r) for r in rows], total

    def iter_all(self, kind: Kind, *, published_only: bool = False) -> Iterator[Listing]:
        table = ROWS[kind]
        query = select(table).order_by(table.id)
        if published_only:
            query = query.where(table.status == Status.published.value)
        with self._sessions() as session:
            for row in session.scalars(query.execution_options(yield_per=500)):
                yield _to_model(kind, row)

    def count(self, kind: Kind, *, published_only: bool = True) -> int:
        table = ROWS[kind]
        query = select(func.count()).select_from(table)
        if published_only:
            query = query.where(table.status == Status.published.value)
        with self._sessions() as session:
            return session.scalar(query) or 0

    def iter_published(self, kind: str) -> Iterator[Listing]:
        """Published listings of a kind named as the index names it (``ListingSource``)."""
        return self.iter_all(Kind(kind), published_only=True)

    def count_published(self, kind: str) -> int:
        return self.count(Kind(kind))

    # ---- writes ------------------------------------------------------------------------
    def create(self, kind: Kind, data: BaseModel, *, owner_id: int | None = None) -> Listing:
        """Insert a new listing (and its owner, in the same transaction).

        Raises DuplicateIdError when the id is taken.
        """
        values = data.model_dump(mode="python")
        listing_id = values.pop("id", None) or new_id(kind)
        with self._sessions.begin() as session:
            if session.get(ROWS[kind], listing_id) is not None:
                raise DuplicateIdError(kind, listing_id)
            row = ROWS[kind](id=listing_id, **_plain(values))
            session.add(row)
            if owner_id is not None:
                session.add(
                    ListingOwnerRow(kind=kind.value, listing_id=listing_id, user_id=owner_id)
                )
            session.flush()
            return _to_model(kind, row)

    def owners(self, kind: Kind, ids: Sequence[str]) -> dict[str, int]:
        """The owning account of each listing that has one."""
        found: dict[str, int] = {}
        with self._sessions() as session:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                query = select(ListingOwnerRow).where(
                    ListingOwnerRow.kind == kind.value, ListingOwnerRow.listing_id.in_(chunk)
                )
                found.update({r.listing_id: r.user_id for r in session.scalars(query)})
        return found

    def upsert_many(
        self, kind: Kind, items: Iterable[BaseModel], *, owner_id: int | None = None
    ) -> tuple[int, int, builtins.list[str]]:
        """Insert or replace listings by id in one transaction.

        Returns (created, updated, ids of the listings created or changed). With ``owner_id``
        the new listings are recorded as that account's.
        """
        created = updated = 0
        written: builtins.list[str] = []
        now = utcnow()
        with self._sessions.begin() as session:
            for data in items:
                values = _plain(data.model_dump(mode="python"))
                listing_id = values.pop("id", None) or new_id(kind)
                row = session.get(ROWS[kind], listing_id)
                if row is None:
                    session.add(ROWS[kind](id=listing_id, created_at=now, updated_at=now, **values))
                    if owner_id is not None:
                        session.add(
                            ListingOwnerRow(
                                kind=kind.value, listing_id=listing_id, user_id=owner_id
                            )
                        )
                    created += 1
                    written.append(listing_id)
                elif _differs(row, values):
                    for key, value in values.items():
                        setattr(row, key, value)
                    row.updated_at = now
                    updated += 1
                    written.append(listing_id)
        return created, updated, written

    def patch(self, kind: Kind, listing_id: str, changes: dict[str, Any]) -> Listing:
        """Apply a partial update, re-validating the whole listing before it is written."""
        with self._sessions.begin() as session:
            row = session.get(ROWS[kind], listing_id)
            if row is None:
                raise NotFoundError(kind, listing_id)
            current = row_to_dict(row)
            merged = {k: v for k, v in current.items() if k not in ("created_at", "updated_at")}
            merged.update(changes)
            checked = IN_MODELS[kind].model_validate(merged)
            values = _plain(checked.model_dump(mode="python"))
            values.pop("id", None)
            if _differs(row, values):
                for key, value in values.items():
                    setattr(row, key, value)
                row.updated_at = utcnow()
            session.flush()
            return _to_model(kind, row)


def _ownership(kind: Kind, listing_id: str, user_id: int) -> ListingOwnerRow:
    return ListingOwnerRow(kind=kind.value, listing_id=listing_id, user_id=user_id)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Enum members become their values so the JSON columns and comparisons stay simple."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, list):
            value = [getattr(v, "value", v) for v in value]
        out[key] = getattr(value, "value", value)
    return out


def _differs(row: Any, values: dict[str, Any]) -> bool:
    return any(getattr(row, key) != value for key, value in values.items())


def _to_model(kind: Kind, row: Any) -> Listing:
    return OUT_MODELS[kind].model_validate(row_to_dict(row))
