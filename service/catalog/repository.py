"""Reading and writing listings. Every write is one transaction: it lands whole or not at all."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from service.catalog.db import make_engine, retry_when_locked
from service.catalog.feeds import CatalogFeeds
from service.catalog.models import (
    AchievementRow,
    ListingOwnerRow,
    NeedRow,
    row_to_dict,
    utcnow,
)
from service.catalog.schema import ensure, metadata, upgrade
from service.errors import Conflict, NotFound
from service.listings.schemas import IN_MODELS, OUT_MODELS, Kind, Status

ROWS: dict[Kind, Any] = {
    Kind.achievement: AchievementRow,
    Kind.need: NeedRow,
}
Listing = Any  # Achievement | Need; kept loose where both kinds flow through one function
Created = Callable[[Session, Listing], None]
"""Run inside a create's transaction (the audit event of the write commits with it)."""
Patched = Callable[[Session, Listing, Listing], None]
"""Run inside a patch's transaction with the listing before and after."""
Upserted = Callable[[Session, builtins.list[str]], None]
"""Run inside an upsert's transaction with the ids created or changed."""


class NotFoundError(NotFound):
    def __init__(self, kind: Kind, listing_id: str) -> None:
        super().__init__(f"{kind.value} {listing_id!r} not found")
        self.kind = kind
        self.listing_id = listing_id


class DuplicateIdError(Conflict):
    def __init__(self, kind: Kind, listing_id: str) -> None:
        super().__init__(f"{kind.value} {listing_id!r} already exists")
        self.kind = kind
        self.listing_id = listing_id


def new_id(kind: Kind) -> str:
    return ("A" if kind is Kind.achievement else "N") + uuid.uuid4().hex[:11].upper()


class Catalog(CatalogFeeds):
    """The system of record: listings in SQL, validated by the pydantic models."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        """Bring the schema of every table of the service (catalog, accounts, broker desk) to
        the newest migration: creates a fresh database, upgrades an older one."""
        upgrade(self.engine)

    def ensure_schema(self) -> None:
        """What the service and the CLI do on start: a fresh database is created at the newest
        revision; an older schema raises ``SchemaOutdatedError`` (``techmatch migrate``)."""
        ensure(self.engine)

    def drop_schema(self) -> None:
        """Drop every table, migration record included (tests start from nothing with it)."""
        with self.engine.begin() as conn:
            metadata().drop_all(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")

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

    def version(self) -> tuple[Any, ...]:
        """Changes whenever any listing is created, edited, published or withdrawn (every write
        sets ``updated_at``); cheap (two indexed MAX lookups), for caches of derived results."""
        latest = [select(func.max(ROWS[kind].updated_at)).scalar_subquery() for kind in Kind]
        with self._sessions() as session:
            return tuple(session.execute(select(*latest)).one())

    def iter_published(self, kind: str) -> Iterator[Listing]:
        """Published listings of a kind named as the index names it (``ListingSource``)."""
        return self.iter_all(Kind(kind), published_only=True)

    def count_published(self, kind: str) -> int:
        return self.count(Kind(kind))

    # ---- writes ------------------------------------------------------------------------
    @retry_when_locked
    def create(
        self,
        kind: Kind,
        data: BaseModel,
        *,
        owner_id: int | None = None,
        then: Created | None = None,
    ) -> Listing:
        """Insert a new listing (and its owner, and what ``then`` adds: one transaction).

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
            listing = _to_model(kind, row)
            if then is not None:
                then(session, listing)
            return listing

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
        self,
        kind: Kind,
        items: Iterable[BaseModel],
        *,
        owner_id: int | None = None,
        then: Upserted | None = None,
    ) -> tuple[int, int, builtins.list[str]]:
        """Insert or replace listings by id in one transaction (all of them or none).

        Returns (created, updated, ids of the listings created or changed). With ``owner_id``
        the new listings are recorded as that account's. The existing rows are read first, in
        chunks, and every change is written in one flush, so SQLite's write lock is held for
        the writing only (about 2 s for 50,000 rows) and other writers wait, not fail.
        """
        rows = [_plain(data.model_dump(mode="python")) for data in items]
        for values in rows:
            values["id"] = values.get("id") or new_id(kind)
        return self._upsert_rows(kind, rows, owner_id, then)

    @retry_when_locked
    def _upsert_rows(
        self,
        kind: Kind,
        rows: builtins.list[dict[str, Any]],
        owner_id: int | None,
        then: Upserted | None,
    ) -> tuple[int, int, builtins.list[str]]:
        updated = 0
        written: builtins.list[str] = []
        fresh: dict[str, dict[str, Any]] = {}
        now = utcnow()
        table = ROWS[kind]
        with self._sessions.begin() as session, session.no_autoflush:
            existing = _existing(session, table, [values["id"] for values in rows])
            for row_values in rows:
                values = dict(row_values)
                listing_id = values.pop("id")
                row = existing.get(listing_id)
                if listing_id in fresh:  # repeated id: the later row wins
                    fresh[listing_id].update(values)
                elif row is None:
                    fresh[listing_id] = {"id": listing_id, "created_at": now, "updated_at": now}
                    fresh[listing_id].update(values)
                    written.append(listing_id)
                elif _differs(row, values):
                    for key, value in values.items():
                        setattr(row, key, value)
                    row.updated_at = now
                    if listing_id not in written:
                        updated += 1
                        written.append(listing_id)
            if fresh:  # one multi-row INSERT per chunk: the write lock is held briefly
                session.execute(insert(table), builtins.list(fresh.values()))
                if owner_id is not None:
                    owned = [_owner_values(kind, i, owner_id, now) for i in fresh]
                    session.execute(insert(ListingOwnerRow), owned)
            if then is not None and written:
                then(session, written)
        return len(fresh), updated, written

    @retry_when_locked
    def patch(
        self,
        kind: Kind,
        listing_id: str,
        changes: dict[str, Any],
        *,
        then: Patched | None = None,
    ) -> Listing:
        """Apply a partial update, re-validating the whole listing before it is written;
        ``then`` sees the listing before and after, in the same transaction."""
        with self._sessions.begin() as session:
            row = session.get(ROWS[kind], listing_id)
            if row is None:
                raise NotFoundError(kind, listing_id)
            current = row_to_dict(row)
            before = _to_model(kind, row)
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
            after = _to_model(kind, row)
            if then is not None:
                then(session, before, after)
            return after


def _existing(session: Session, table: Any, ids: Sequence[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    unique = builtins.list(dict.fromkeys(ids))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        found.update(
            (row.id, row) for row in session.scalars(select(table).where(table.id.in_(chunk)))
        )
    return found


def _owner_values(kind: Kind, listing_id: str, user_id: int, now: Any) -> dict[str, Any]:
    return {"kind": kind.value, "listing_id": listing_id, "user_id": user_id, "created_at": now}


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
