"""Listing terms (有效期): a need runs for a year from posting unless renewed; when its term
ends it is withdrawn (so it leaves search and matching through the one write path) and its
owner is told. Owners are reminded a month before the term ends and two weeks before a need's
own deadline."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from service import clock
from service.accounts import Accounts
from service.catalog import Catalog
from service.catalog.models import utcnow
from service.listings.schemas import Kind, Listing, Status
from service.notifications.inbox import Inbox
from service.notifications.models import ListingTermRow
from service.publishing.writes import ListingWriter

TERM_DAYS = {Kind.need: 365}  # achievements do not expire by default
REMIND_TERM_DAYS = 30
REMIND_DEADLINE_DAYS = 14


class Terms:
    def __init__(
        self, engine: Engine, catalog: Catalog, accounts: Accounts, listings: ListingWriter,
        inbox: Inbox,
    ) -> None:  # fmt: skip
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.catalog = catalog
        self.accounts = accounts
        self.listings = listings
        self.inbox = inbox

    def expires_on(self, kind: Kind, listing: Listing) -> dt.date | None:
        """The last day of the listing's term, or None when it has no end."""
        with self._sessions() as session:
            row = session.get(ListingTermRow, (kind.value, listing.id))
        if row is not None:
            return row.expires_on
        days = TERM_DAYS.get(kind)
        return listing.created_at.date() + dt.timedelta(days=days) if days else None

    def is_expired(self, kind: Kind, listing_id: str) -> bool:
        with self._sessions() as session:
            row = session.get(ListingTermRow, (kind.value, listing_id))
            return row is not None and row.expired_at is not None

    def renew(self, kind: Kind, listing_id: str, today: dt.date | None = None) -> dt.date:
        """Another year from today (or from the current end, if later); an expired listing is
        published again."""
        today = today or clock.today()
        listing = self.catalog.get(kind, listing_id)
        current = self.expires_on(kind, listing) or today
        new_end = max(today, current) + dt.timedelta(days=TERM_DAYS.get(kind, 365))
        with self._sessions.begin() as session:
            row = session.get(ListingTermRow, (kind.value, listing_id))
            was_expired = row is not None and row.expired_at is not None
            if row is None:
                session.add(ListingTermRow(kind=kind.value, listing_id=listing_id,
                                           expires_on=new_end))  # fmt: skip
            else:
                row.expires_on, row.expired_at = new_end, None
        if was_expired and listing.status is Status.withdrawn:
            self.listings.set_status(kind, listing_id, Status.published)
        return new_end

    def run(self, today: dt.date | None = None) -> list[str]:
        """Withdraw the published listings whose term has ended and tell their owners; remind
        owners of terms and deadlines coming up. Returns the ids withdrawn."""
        today = today or clock.today()
        withdrawn = []
        for kind in TERM_DAYS:
            for listing in list(self.catalog.iter_published(kind.value)):
                end = self.expires_on(kind, listing)
                owner = self.accounts.owner_of(kind, listing.id)
                if end is not None and end < today:
                    self._expire(kind, listing, end)
                    withdrawn.append(listing.id)
                    if owner is not None:
                        self.inbox.notify(
                            owner, f"expired:{kind.value}:{listing.id}:{end}",
                            f"「{listing.title}」已过有效期（{end}），已停止展示和匹配；续期后即恢复。",
                            kind.path(listing.id),
                        )  # fmt: skip
                    continue
                if owner is None:
                    continue
                if end is not None and (end - today).days <= REMIND_TERM_DAYS:
                    self.inbox.notify(
                        owner, f"term:{kind.value}:{listing.id}:{end}",
                        f"「{listing.title}」的有效期到 {end}，需要继续征集请及时续期。",
                        kind.path(listing.id),
                    )  # fmt: skip
                deadline = getattr(listing, "deadline", None)
                if deadline is not None and 0 <= (deadline - today).days <= REMIND_DEADLINE_DAYS:
                    self.inbox.notify(
                        owner, f"deadline:{kind.value}:{listing.id}:{deadline}",
                        f"「{listing.title}」的截止日期 {deadline} 临近。",
                        kind.path(listing.id),
                    )  # fmt: skip
        return withdrawn

    def _expire(self, kind: Kind, listing: Listing, end: dt.date) -> None:
        with self._sessions.begin() as session:
            row = session.get(ListingTermRow, (kind.value, listing.id))
            if row is None:
                session.add(ListingTermRow(kind=kind.value, listing_id=listing.id,
                                           expires_on=end, expired_at=utcnow()))  # fmt: skip
            else:
                row.expired_at = utcnow()
        self.listings.set_status(kind, listing.id, Status.withdrawn)

    def expired_ids(self, kind: Kind) -> set[str]:
        with self._sessions() as session:
            return set(
                session.scalars(
                    select(ListingTermRow.listing_id).where(
                        ListingTermRow.kind == kind.value, ListingTermRow.expired_at.is_not(None)
                    )
                )
            )
