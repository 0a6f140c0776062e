"""Saved searches: an account keeps a query; new results are told in its inbox."""

from __future__ import annotations

import builtins
import json
from urllib.parse import urlencode

from pydantic import BaseModel
from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from service.catalog.db import retry_when_locked
from service.errors import Invalid
from service.listings.schemas import Kind
from service.matching.search import QUERY_MAX, Searcher
from service.notifications.inbox import Inbox
from service.notifications.models import SavedSearchRow
from service.stamps import Timestamp

WATCHED = 100  # the top results of a saved search that are watched for newcomers
SAVED_MAX = 20  # saved searches per account


class SavedSearch(BaseModel):
    id: int
    query: str
    kind: Kind | None
    created_at: Timestamp

    @property
    def url(self) -> str:
        params = {"q": self.query, **({"kind": self.kind.value} if self.kind else {})}
        return "/search?" + urlencode(params)


class SavedSearchError(Invalid):
    """A search that cannot be saved (422, naming the field)."""


class SavedSearches:
    def __init__(self, engine: Engine, searcher: Searcher, inbox: Inbox) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.searcher = searcher
        self.inbox = inbox

    def _ids(self, query: str, kind: Kind | None) -> list[str]:
        page = self.searcher.search(query, kind=kind, page_size=WATCHED)
        return [f"{item.kind.value}:{item.id}" for item in page.items]

    def save(self, user_id: int, query: str, kind: Kind | None) -> SavedSearch:
        query = query.strip()
        if not query or len(query) > QUERY_MAX:
            raise SavedSearchError("q", f"请填写要保存的搜索词（1–{QUERY_MAX} 字）")
        if len(self.list(user_id)) >= SAVED_MAX:
            raise SavedSearchError("q", f"最多保存 {SAVED_MAX} 个搜索，请先删除不用的")
        seen = json.dumps(self._ids(query, kind))  # what exists now is not news
        return self._insert(user_id, query, kind, seen)

    @retry_when_locked  # a burst of writers: wait for the lock, never a 500
    def _insert(self, user_id: int, query: str, kind: Kind | None, seen: str) -> SavedSearch:
        with self._sessions.begin() as session:
            row = SavedSearchRow(
                user_id=user_id, query=query, kind=kind.value if kind else None, seen=seen
            )
            session.add(row)
            session.flush()
            return _saved(row)

    def list(self, user_id: int) -> list[SavedSearch]:
        with self._sessions() as session:
            rows = session.scalars(
                select(SavedSearchRow)
                .where(SavedSearchRow.user_id == user_id)
                .order_by(SavedSearchRow.created_at.desc(), SavedSearchRow.id.desc())
            )
            return [_saved(r) for r in rows]

    @retry_when_locked
    def delete(self, user_id: int, search_id: int) -> bool:
        with self._sessions.begin() as session:
            row = session.get(SavedSearchRow, search_id)
            if row is None or row.user_id != user_id:
                return False
            session.delete(row)
            return True

    def check(self, user_id: int) -> int:
        """Tell the account about new results of each of its saved searches; how many told.
        The searches run with no transaction open; each search's new ``seen`` is written in a
        short transaction of its own (a read held across the writes would meet a stale
        snapshot under load: SQLite's "database is locked" at once, not after waiting)."""
        told = 0
        with self._sessions() as session:
            rows = [
                (row.id, _saved(row), set(json.loads(row.seen or "[]")))
                for row in session.scalars(
                    select(SavedSearchRow).where(SavedSearchRow.user_id == user_id)
                )
            ]
        for search_id, saved, seen in rows:
            current = self._ids(saved.query, saved.kind)
            new = [i for i in current if i not in seen]
            if new:
                key = f"saved:{search_id}:{','.join(sorted(new))}"[:160]
                title = f"保存的搜索「{saved.query}」有 {len(new)} 条新结果"
                told += self.inbox.notify(user_id, key, title, saved.url)
                self._mark_seen(search_id, sorted(seen | set(current)))
        return told

    @retry_when_locked
    def _mark_seen(self, search_id: int, seen: builtins.list[str]) -> None:
        with self._sessions.begin() as session:
            row = session.get(SavedSearchRow, search_id)
            if row is not None:  # deleted meanwhile: nothing to keep
                row.seen = json.dumps(seen)


def _saved(row: SavedSearchRow) -> SavedSearch:
    return SavedSearch(
        id=row.id, query=row.query, kind=Kind(row.kind) if row.kind else None,
        created_at=row.created_at,
    )  # fmt: skip
