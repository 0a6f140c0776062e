"""A deal struck outside the pipeline's steps (an auction won, a 挂牌 taken up) opens its pair
on the desk at 洽谈, in the caller's transaction.

A new pair starts at 洽谈 with one history row (上工作台 → 洽谈); a pair already on the desk
before 洽谈 is moved there (its history says from where); a pair at 洽谈 or beyond is left
alone. The funnel counts a pair by the furthest stage it reached, so such a pair counts as
recommended, contacted and negotiating, which it was, off the desk.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.desk.models import DeskMatchRow, StageChangeRow
from service.desk.stages import Stage

AT_OR_BEYOND = (Stage.negotiating.value, Stage.signed.value, Stage.registered.value)
AUCTION_CLOSE = "系统（竞价截止）"
"""Who moved a pair when no account did: only an auction's close opens a pair without a user
(a 挂牌 taken up is opened by the enterprise that took it)."""


def open_negotiation(
    session: Session, need_id: str, achievement_id: str, user_id: int | None, now: dt.datetime
) -> DeskMatchRow:
    """The pair, at 洽谈 or beyond, with its history row added when it moved."""
    row = session.scalar(
        select(DeskMatchRow)
        .where(DeskMatchRow.need_id == need_id, DeskMatchRow.achievement_id == achievement_id)
        .with_for_update()
    )
    if row is not None and row.stage in AT_OR_BEYOND:
        return row
    before = None if row is None else row.stage
    if row is None:
        row = DeskMatchRow(need_id=need_id, achievement_id=achievement_id, created_at=now)
        session.add(row)
    row.stage = Stage.negotiating.value
    row.lost_reason = None
    row.updated_at = now
    row.introduced_at = row.introduced_at or now
    session.flush()
    session.add(
        StageChangeRow(
            match_id=row.id, from_stage=before, to_stage=row.stage, user_id=user_id, at=now
        )
    )
    return row
