"""Statistics of the programmes: events held and attended, intents and the deals they led to,
expert services by county and month, evaluations done. Counted in SQL."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlalchemy import distinct, func, select
from sqlalchemy.engine import Engine

from service import clock
from service.desk.models import ContractRow, DeskMatchRow
from service.desk.stages import Stage
from service.programmes.events.models import EventRow, IntentRow, RegistrationRow
from service.programmes.experts.models import EvaluationRow, ServiceRow

DEAL_STAGES = (Stage.signed.value, Stage.registered.value)


class ServiceCount(BaseModel):
    key: str
    services: int
    adopted: int


class ProgrammeStats(BaseModel):
    events_held: int
    events_planned: int
    registrations: int = Field(description="confirmed registrations (not waitlisted)")
    attendance: int = Field(description="people of the registrations checked in on the day")
    enterprises_attended: int
    intents: int
    deals_from_events: int = Field(description="desk pairs opened by an intent, now signed")
    deal_amount_from_events_wan: float
    services: int
    services_adopted: int
    technologies_promoted: int = Field(description="distinct technologies adopted")
    services_by_county: list[ServiceCount]
    services_by_month: list[ServiceCount]
    evaluations: int
    achievements_evaluated: int


class ProgrammeStatistics:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def programmes(self, today: dt.date | None = None) -> ProgrammeStats:
        today = today or clock.today()
        with self.engine.connect() as conn:

            def one(query: object) -> int:
                return int(conn.scalar(query) or 0)  # type: ignore[call-overload]

            attended = RegistrationRow.attended.is_(True)
            confirmed = RegistrationRow.waitlisted.is_(False)
            traced = select(IntentRow.match_id).distinct().scalar_subquery()
            deal = DeskMatchRow.id.in_(traced) & DeskMatchRow.stage.in_(DEAL_STAGES)
            amount = conn.scalar(
                select(func.sum(ContractRow.amount_wan))
                .join(DeskMatchRow, DeskMatchRow.id == ContractRow.match_id)
                .where(deal)
            )
            month = func.substr(func.cast(ServiceRow.served_on, type_=ServiceRow.county.type), 1, 7)
            return ProgrammeStats(
                events_held=one(select(func.count()).where(EventRow.date <= today)),
                events_planned=one(select(func.count()).where(EventRow.date > today)),
                registrations=one(select(func.count()).where(confirmed)),
                attendance=one(select(func.sum(RegistrationRow.attendees)).where(attended)),
                enterprises_attended=one(select(func.count()).where(attended)),
                intents=one(select(func.count()).select_from(IntentRow)),
                deals_from_events=one(select(func.count()).where(deal)),
                deal_amount_from_events_wan=round(float(amount or 0), 2),
                services=one(select(func.count()).select_from(ServiceRow)),
                services_adopted=one(select(func.count()).where(ServiceRow.adopted.is_(True))),
                technologies_promoted=one(
                    select(func.count(distinct(ServiceRow.technology))).where(
                        ServiceRow.adopted.is_(True), ServiceRow.technology.is_not(None)
                    )
                ),
                services_by_county=self._services_by(conn, ServiceRow.county),
                services_by_month=self._services_by(conn, month),
                evaluations=one(select(func.count()).select_from(EvaluationRow)),
                achievements_evaluated=one(
                    select(func.count(distinct(EvaluationRow.achievement_id)))
                ),
            )

    @staticmethod
    def _services_by(conn: object, column: object) -> list[ServiceCount]:
        adopted = func.sum(func.cast(ServiceRow.adopted, type_=ServiceRow.id.type))
        query = (
            select(column, func.count(), adopted)  # type: ignore[call-overload]
            .select_from(ServiceRow)
            .group_by(column)
            .order_by(column)
        )
        return [
            ServiceCount(key=str(key), services=n, adopted=int(a or 0))
            for key, n, a in conn.execute(query)  # type: ignore[attr-defined]
        ]
