"""What every part of the desk shares: the SQL sessions and the row and role checks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from service.accounts import Accounts, User
from service.catalog import Catalog
from service.desk.errors import DeskNotFoundError, DeskPermissionError
from service.desk.models import DeskMatchRow
from service.desk.views import DeskMatch

log = logging.getLogger(__name__)


class DeskBase:
    """Sessions over the catalog's SQL engine, and the checks every desk operation makes."""

    def __init__(self, catalog: Catalog, accounts: Accounts) -> None:
        self.catalog = catalog
        self.accounts = accounts
        self._sessions = sessionmaker(catalog.engine, expire_on_commit=False)
        self._listeners: list[Callable[[DeskMatch], None]] = []

    def on_stage(self, listener: Callable[[DeskMatch], None]) -> None:
        """Call ``listener`` with the pair after each committed change of stage (the inbox
        tells the listings' owners at once)."""
        self._listeners.append(listener)

    def _told(self, pair: DeskMatch) -> DeskMatch:
        for listener in self._listeners:
            try:
                listener(pair)
            except Exception:  # the move stands; the next sweep tells them instead
                log.exception("telling the owners of pair %s of its new stage failed", pair.id)
        return pair

    def _row(self, session: Session, match_id: int, lock: bool = False) -> DeskMatchRow:
        row = session.get(DeskMatchRow, match_id, with_for_update=lock)
        if row is None:
            raise DeskNotFoundError(f"工作台上没有编号为 {match_id} 的对接")
        return row

    def _pair(self, session: Session, need_id: str, achievement_id: str) -> DeskMatchRow | None:
        return session.scalar(
            select(DeskMatchRow).where(
                DeskMatchRow.need_id == need_id, DeskMatchRow.achievement_id == achievement_id
            )
        )

    def _require_broker(self, user: User) -> None:
        if not user.sees_everything:
            raise DeskPermissionError("只有技术经纪人或管理员可以操作工作台")

    def _names(self, user_ids: Iterable[int]) -> dict[int, str]:
        return {uid: u.display_name for uid, u in self.accounts.get_many(user_ids).items()}
