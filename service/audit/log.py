"""Recording listing events and reading them back merged with the desk's stage history.

The write path (``ListingWriter``) adds the events of a write to the write's own transaction
(``AuditLog.add``): a listing written is never left without its event, even by a crash.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, Integer, String, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session, sessionmaker

from service.accounts import Accounts, User
from service.audit.models import AuditRow
from service.audit.views import AuditAction, AuditEvent
from service.catalog.models import utcnow
from service.desk.models import DeskMatchRow, StageChangeRow
from service.desk.opening import AUCTION_CLOSE
from service.desk.stages import LostReason, Stage
from service.listings.schemas import Kind

log = logging.getLogger(__name__)
COMMAND_LINE = "命令行"
SYSTEM = AUCTION_CLOSE
BY_THE_CLOCK = frozenset({AuditAction.offer_sold, AuditAction.offer_unsold, AuditAction.stage})
"""Events no account causes: an auction closes when its time comes, and opens the winner's
pair on the desk (the only stage change made without an account: ``desk.opening``)."""
DETAIL_MAX = 200


def event_row(
    user_id: int | None,
    action: AuditAction,
    kind: Kind,
    listing_id: str,
    detail: str,
    at: dt.datetime,
) -> AuditRow:
    """One event to add in the caller's own transaction (the trading's state changes are
    recorded with the change itself, so neither stands without the other)."""
    return AuditRow(
        at=at,
        user_id=user_id,
        action=action.value,
        kind=kind.value,
        listing_id=listing_id,
        detail=detail[:DETAIL_MAX],
    )


class AuditLog:
    def __init__(self, engine: Engine, accounts: Accounts) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.accounts = accounts

    # ---- recording --------------------------------------------------------------------
    def add(
        self,
        session: Session,
        user: User | None,
        action: AuditAction,
        kind: Kind,
        listing_ids: Iterable[str],
        detail: str | None = None,
    ) -> None:
        """One event per listing, added to the transaction of the write it records: the
        write and its events commit together or not at all."""
        now = utcnow()
        session.add_all(
            AuditRow(
                at=now,
                user_id=None if user is None else user.id,
                action=action.value,
                kind=kind.value,
                listing_id=listing_id,
                detail=None if detail is None else detail[:DETAIL_MAX],
            )
            for listing_id in listing_ids
        )

    # ---- reading ----------------------------------------------------------------------
    def page(
        self, page: int = 1, page_size: int = 50, listing_id: str | None = None
    ) -> tuple[list[AuditEvent], int]:
        """Events, newest first, listing events and desk stage moves merged."""
        merged = _merged(listing_id).subquery()
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(merged)) or 0
            rows = session.execute(
                select(merged)
                .order_by(merged.c.at.desc(), merged.c.seq.desc())
                .offset((page - 1) * page_size)
                .limit(page_size)
            ).all()
        return self._events([r._mapping for r in rows]), total

    def all(self, listing_id: str | None = None) -> Iterable[AuditEvent]:
        """Every event, newest first, read in chunks (for the CSV)."""
        page = 1
        while True:
            events, _ = self.page(page, 1000, listing_id)
            yield from events
            if len(events) < 1000:
                return
            page += 1

    def _events(self, rows: Sequence[Any]) -> list[AuditEvent]:
        names = {
            uid: u.display_name
            for uid, u in self.accounts.get_many(
                r["user_id"] for r in rows if r["user_id"] is not None
            ).items()
        }
        return [_event(r, names) for r in rows]


def _merged(listing_id: str | None) -> Any:
    listing_events = select(
        AuditRow.at,
        AuditRow.id.label("seq"),
        AuditRow.user_id,
        AuditRow.action,
        AuditRow.kind,
        AuditRow.listing_id,
        cast(null(), Integer).label("match_id"),
        cast(null(), String).label("need_id"),
        cast(null(), String).label("achievement_id"),
        cast(null(), String).label("from_stage"),
        cast(null(), String).label("to_stage"),
        cast(null(), String).label("reason"),
        AuditRow.detail,
    )
    stage_events = select(
        StageChangeRow.at,
        StageChangeRow.id.label("seq"),
        StageChangeRow.user_id,
        literal(AuditAction.stage.value, String).label("action"),
        cast(null(), String).label("kind"),
        cast(null(), String).label("listing_id"),
        StageChangeRow.match_id,
        DeskMatchRow.need_id,
        DeskMatchRow.achievement_id,
        StageChangeRow.from_stage,
        StageChangeRow.to_stage,
        StageChangeRow.reason,
        cast(null(), String).label("detail"),
    ).join(DeskMatchRow, DeskMatchRow.id == StageChangeRow.match_id)
    if listing_id is not None:
        listing_events = listing_events.where(AuditRow.listing_id == listing_id)
        stage_events = stage_events.where(
            (DeskMatchRow.need_id == listing_id) | (DeskMatchRow.achievement_id == listing_id)
        )
    return union_all(listing_events, stage_events)


def _actor(user_id: int | None, action: AuditAction, names: dict[int, str]) -> str:
    if user_id is None:
        return SYSTEM if action in BY_THE_CLOCK else COMMAND_LINE
    return names.get(user_id, f"账号 {user_id}")


def _event(row: Any, names: dict[int, str]) -> AuditEvent:
    action = AuditAction(row["action"])
    detail = row["detail"]
    from_stage = Stage(row["from_stage"]) if row["from_stage"] else None
    to_stage = Stage(row["to_stage"]) if row["to_stage"] else None
    reason = LostReason(row["reason"]) if row["reason"] else None
    if action is AuditAction.stage and to_stage is not None:
        detail = f"{from_stage.label if from_stage else '上工作台'} → {to_stage.label}"
        detail += f"（原因：{reason.label}）" if reason else ""
    user_id = row["user_id"]
    return AuditEvent(
        at=row["at"],
        actor_id=user_id,
        actor_name=_actor(user_id, action, names),
        action=action,
        action_label=action.label,
        kind=Kind(row["kind"]) if row["kind"] else None,
        listing_id=row["listing_id"],
        match_id=row["match_id"],
        need_id=row["need_id"],
        achievement_id=row["achievement_id"],
        from_stage=from_stage,
        to_stage=to_stage,
        reason=reason,
        detail=detail,
    )
