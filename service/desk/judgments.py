"""Broker outcomes as relevance judgments, for ``techmatch tune``.

A pair the desk carried to 签约 (signed) or 合同登记 (registered) is judged relevant (grade 2);
a pair that ended 未成 because the technology did not fit (LostReason.mismatch) is judged not
relevant (grade 0). Other endings (price, maturity, no response) say nothing about whether the
achievement answers the need, so they are left out.
"""

from __future__ import annotations

from sqlalchemy import inspect, or_, select
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.orm import Session

from service.desk.models import DeskMatchRow
from service.desk.stages import LostReason, Stage

POSITIVE = (Stage.signed.value, Stage.registered.value)
GRADE_POSITIVE = 2
GRADE_NEGATIVE = 0


def broker_judgments(engine: SqlEngine) -> list[tuple[str, str, int]]:
    """(need_id, achievement_id, grade) for every decisive desk outcome, sorted by pair."""
    if not inspect(engine).has_table(DeskMatchRow.__tablename__):
        return []
    query = select(DeskMatchRow.need_id, DeskMatchRow.achievement_id, DeskMatchRow.stage).where(
        or_(
            DeskMatchRow.stage.in_(POSITIVE),
            (DeskMatchRow.stage == Stage.lost.value)
            & (DeskMatchRow.lost_reason == LostReason.mismatch.value),
        )
    )
    with Session(engine) as session:
        rows = session.execute(query).all()
    return sorted(
        (need, achievement, GRADE_POSITIVE if stage in POSITIVE else GRADE_NEGATIVE)
        for need, achievement, stage in rows
    )
