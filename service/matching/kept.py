"""Match lists kept in the catalog's database, shared by every worker process.

A list is stored with the stamp it was computed at (``Matcher.list_stamp``: the other kind's
version, the index generation and the listing's own last change, with the weights). A read at
the current stamp is one primary-key lookup and a JSON parse; a list of an older stamp is never
served. The background upkeep (``service/upkeep/``) recomputes the lists that are not current
after each change, and any request that misses computes the list and stores it (a
read-through).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import sessionmaker

from service.catalog.models import utcnow
from service.listings.schemas import Kind
from service.matching.models import KeptMatchRow
from service.matching.results import MatchList


def stamp_text(stamp: Iterable[Hashable]) -> str:
    """A market stamp as stored (datetimes in ISO form)."""
    return "|".join(v.isoformat() if isinstance(v, dt.datetime) else str(v) for v in stamp)[:120]


class KeptMatches:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._writer: ThreadPoolExecutor | None = None  # made on first use
        self._lock = threading.Lock()

    def put_later(
        self, kind: Kind, listing_id: str, size: int, stamp: str, result: MatchList
    ) -> None:
        """Keep a list on a writer thread: a request that computed a list does not wait for the
        write (about 10 ms on a busy machine) before it answers. The list is written as it is
        now (serialised here), whatever its caller does with it next."""
        body = result.model_dump_json()
        with self._lock:
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="techmatch-kept")
            writer = self._writer
        writer.submit(self._store, kind, listing_id, size, stamp, body)

    def flush(self) -> None:
        """Wait for the writes handed to the writer thread so far."""
        with self._lock:
            writer = self._writer
        if writer is not None:
            writer.submit(lambda: None).result()

    def close(self) -> None:
        """Finish the writes handed to the writer thread."""
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.shutdown(wait=True)

    def get(self, kind: Kind, listing_id: str, size: int, stamp: str) -> MatchList | None:
        """The kept list of this listing at this stamp, or None."""
        with self._sessions() as session:
            row = session.get(KeptMatchRow, (kind.value, listing_id, size))
            if row is None or row.stamp != stamp:
                return None
            return MatchList.model_validate_json(row.body)

    def stamps(self, kind: Kind, size: int) -> dict[str, str]:
        """The stamp of each kept list of this size of a kind's listings, by listing id."""
        query = select(KeptMatchRow.listing_id, KeptMatchRow.stamp).where(
            KeptMatchRow.kind == kind.value, KeptMatchRow.size == size
        )
        with self._sessions() as session:
            return {listing_id: stamp for listing_id, stamp in session.execute(query)}

    def _store(self, kind: Kind, listing_id: str, size: int, stamp: str, body: str) -> bool:
        """Keep a list (replacing the listing's older one); False when the database was busy
        or another process stored it at the same moment (the list is then simply not kept)."""
        try:
            with self._sessions.begin() as session:
                row = session.get(KeptMatchRow, (kind.value, listing_id, size))
                if row is None:
                    row = KeptMatchRow(kind=kind.value, listing_id=listing_id, size=size)
                    session.add(row)
                row.stamp, row.body, row.computed_at = stamp, body, utcnow()
            return True
        except (IntegrityError, OperationalError):
            return False

    def prune(self, kind: Kind, current: dict[str, str]) -> int:
        """Drop a kind's lists not kept at their listing's ``current`` stamp (listings
        withdrawn since, and leftovers of older stamps)."""
        dropped = 0
        with self._sessions.begin() as session:
            rows = session.execute(
                select(KeptMatchRow.listing_id, KeptMatchRow.size, KeptMatchRow.stamp).where(
                    KeptMatchRow.kind == kind.value
                )
            ).all()
            for listing_id, size, stamp in rows:
                if current.get(listing_id) != stamp:
                    session.execute(
                        delete(KeptMatchRow).where(
                            KeptMatchRow.kind == kind.value,
                            KeptMatchRow.listing_id == listing_id,
                            KeptMatchRow.size == size,
                        )
                    )
                    dropped += 1
        return dropped
