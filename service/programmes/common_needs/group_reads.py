"""Cheap reads of the common needs: what decides whether to regroup, and the per-process cache
of answered lists.

Regrouping is decided in two steps. In one process, nothing is looked at again while the
catalog's version (``Catalog.version()``: the newest ``updated_at`` of each kind) and the
encoder's availability stay the same. When they change, the published needs' fingerprint (ids
and update times) is compared with the one the last grouping run stored (``grouping_marks``);
only a different fingerprint regroups (it also names the grouping method, so an upgrade that
changes how needs are compared regroups once), and then under the write lock, so two worker
processes never regroup the same needs twice.

A listed answer (groups with their ranked achievements) is kept per process under a key of
everything it is made of: the catalog's version, the index generation, the groups' own stamp
(review actions and regrouping change it) and the statuses asked for. It is made with the most
achievements per group a request may ask for (``MAX_ACHIEVEMENTS``), and a request for fewer
gets the first of them: the ranking is by fused rank, so the first N of twenty are the N best,
and a request with another ``achievements=N`` never ranks again.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.catalog.models import utcnow
from service.programmes.common_needs.grouping import METHOD
from service.programmes.common_needs.models import (
    CommonNeedMemberRow,
    CommonNeedRow,
    GroupingMarkRow,
)

LISTS_KEPT = 32  # answered lists kept per process (by statuses)
MAX_ACHIEVEMENTS = 20  # achievements per group a request may ask for; fewer are a cut of these
MARK = "common_needs"  # the row of ``grouping_marks`` the grouping keeps its fingerprint in
T = TypeVar("T")


def needs_mark(needs: Iterable[Any], semantic: bool) -> str:
    """The fingerprint of the published needs (ids and update times), of the grouping method and
    of the encoder's part."""
    text = METHOD + "|" + "|".join(f"{n.id}@{n.updated_at.isoformat()}" for n in needs)
    return hashlib.sha256(text.encode()).hexdigest()[:32] + ("" if semantic else "-lex")


def stored_mark(session: Session) -> str | None:
    row = session.get(GroupingMarkRow, MARK)
    return row.fingerprint if row is not None else None


def lock_mark(session: Session) -> None:
    """Take the write lock (SQLite) or the mark's row lock (PostgreSQL) before regrouping."""
    session.execute(update(GroupingMarkRow).where(GroupingMarkRow.name == MARK).values(at=utcnow()))


def store_mark(session: Session, mark: str) -> None:
    row = session.get(GroupingMarkRow, MARK)
    if row is None:
        session.add(GroupingMarkRow(name=MARK, fingerprint=mark))
    else:
        row.fingerprint, row.at = mark, utcnow()


def groups_stamp(session: Session) -> tuple[Any, ...]:
    """Changes whenever a group or a member row is added, moved, reviewed or removed: every
    review action sets the group's ``updated_at``; regrouping adds rows with new ids."""
    groups = select(func.count(CommonNeedRow.id), func.max(CommonNeedRow.updated_at),
                    func.max(CommonNeedRow.id))  # fmt: skip
    members = select(func.count(CommonNeedMemberRow.id), func.max(CommonNeedMemberRow.id))
    return tuple(session.execute(groups).one()) + tuple(session.execute(members).one())


class Lru(Generic[T]):
    """A small thread-safe least-recently-used map; values are handed out as stored, so the
    caller copies what it may change."""

    def __init__(self, size: int = LISTS_KEPT) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> T | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, value: T) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
