"""Matchmaking events (推介会 / 对接会 / 路演): the event, its programme, registrations.

Brokers and admins create events and choose the achievements presented; enterprises
register (capacity counted in attendees, a waiting list beyond it); brokers check attendance
on the day. Invitations are ranked in ``invitations.py``, intents recorded in ``intents.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from service import clock
from service.accounts import Role, User
from service.accounts.organisations import Organisations
from service.catalog import Catalog
from service.catalog.models import row_to_dict, utcnow
from service.listings.schemas import ID_PATTERN, Kind, Status
from service.listings.taxonomy import active_taxonomy
from service.programmes.errors import (
    ProgrammeConflictError,
    ProgrammeInputError,
    ProgrammeNotFoundError,
    ProgrammePermissionError,
)
from service.programmes.events.models import EventAchievementRow, EventRow, RegistrationRow
from service.requests import Day, RequestModel
from service.stamps import Timestamp

EventKind = Literal["推介会", "对接会", "路演"]
EVENT_KINDS: tuple[str, ...] = ("推介会", "对接会", "路演")
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
AchievementId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
PRESENTATIONS_MAX = 30


class EventIn(RequestModel):
    title: Line
    kind: EventKind
    date: Day
    place: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    organiser: Line = "川东北技术交易市场"
    field: str | None = None
    region: str | None = None
    capacity: int = Field(ge=1, le=5000)
    description: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None
    ) = None
    achievement_ids: list[AchievementId] | None = Field(
        default=None,
        max_length=PRESENTATIONS_MAX,
        description="achievements presented; none = the proposed ones",
    )

    @field_validator("field")
    @classmethod
    def _known_field(cls, code: str | None) -> str | None:
        if code and active_taxonomy().field(code) is None:
            raise ValueError(f"未知的技术领域代码 {code!r}（见 seed_data/taxonomy.json）")
        return code or None

    @field_validator("region")
    @classmethod
    def _known_region(cls, name: str | None) -> str | None:
        if name and name not in active_taxonomy().regions:
            raise ValueError(f"未知的地区 {name!r}（见 seed_data/taxonomy.json）")
        return name or None


class Event(BaseModel):
    id: int
    title: str
    kind: str
    date: dt.date
    place: str
    organiser: str
    field: str | None
    region: str | None
    capacity: int
    description: str | None
    achievement_ids: list[str]
    seats_taken: int = Field(description="attendees of confirmed registrations")
    waitlisted: int = Field(description="registrations on the waiting list")
    held: bool = Field(description="the event's date has come (Beijing time)")
    created_at: Timestamp


class EventPage(BaseModel):
    items: list[Event]
    total: int


class RegistrationIn(RequestModel):
    attendees: int = Field(ge=1, le=50)
    contact: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    enterprise: Line | None = Field(
        default=None, description="brokers and admins register an enterprise by name"
    )


class Registration(BaseModel):
    id: int
    event_id: int
    enterprise: str
    organisation_id: int | None = Field(description="the registered organisation's id")
    attendees: int
    contact: str | None
    waitlisted: bool
    attended: bool | None
    created_at: Timestamp


class RegistrationList(BaseModel):
    items: list[Registration]


class EventStore:
    def __init__(self, engine: Engine, catalog: Catalog, organisations: Organisations) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.catalog = catalog
        self.organisations = organisations

    # ---- events ----------------------------------------------------------------------
    def create(self, data: EventIn, achievement_ids: list[str], user: User) -> Event:
        self._check_achievements(achievement_ids)
        values = data.model_dump(exclude={"achievement_ids"})
        with self._sessions.begin() as session:
            row = EventRow(**values, created_by=user.id, created_at=utcnow())
            session.add(row)
            session.flush()
            self._write_achievements(session, row.id, achievement_ids)
            event_id = row.id
        return self.get(event_id)

    def set_achievements(self, event_id: int, achievement_ids: list[str]) -> Event:
        self.get(event_id)
        self._check_achievements(achievement_ids)
        with self._sessions.begin() as session:
            session.execute(
                delete(EventAchievementRow).where(EventAchievementRow.event_id == event_id)
            )
            self._write_achievements(session, event_id, achievement_ids)
        return self.get(event_id)

    def get(self, event_id: int) -> Event:
        with self._sessions() as session:
            row = session.get(EventRow, event_id)
            if row is None:
                raise ProgrammeNotFoundError(f"没有编号为 {event_id} 的活动")
            return self._event(session, row)

    def events(self, offset: int = 0, limit: int = 50) -> EventPage:
        with self._sessions() as session:
            rows = list(
                session.scalars(select(EventRow).order_by(EventRow.date.desc(), EventRow.id.desc()))
            )
            items = [self._event(session, r) for r in rows[offset : offset + limit]]
        return EventPage(items=items, total=len(rows))

    # ---- registrations --------------------------------------------------------------
    def register(self, event_id: int, data: RegistrationIn, user: User) -> Registration:
        """An enterprise registers (brokers and admins on an enterprise's behalf): one
        registration per organisation, whichever of its accounts makes it."""
        organisation_id, enterprise = self._registrant(data, user)
        with self._sessions.begin() as session:
            event = session.get(EventRow, event_id, with_for_update=True)
            if event is None:
                raise ProgrammeNotFoundError(f"没有编号为 {event_id} 的活动")
            if event.date < clock.today():
                raise ProgrammeConflictError("活动已经结束，不能再报名")
            taken = _seats_taken(session, event_id)
            if session.scalar(
                select(RegistrationRow.id).where(
                    RegistrationRow.event_id == event_id,
                    RegistrationRow.organisation_id == organisation_id,
                )
            ):
                raise ProgrammeConflictError(f"{enterprise} 已报名该活动")
            row = RegistrationRow(
                event_id=event_id,
                enterprise=enterprise,
                organisation_id=organisation_id,
                attendees=data.attendees,
                contact=data.contact,
                waitlisted=taken + data.attendees > event.capacity,
                user_id=user.id,
                created_at=utcnow(),
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError as exc:
                raise ProgrammeConflictError(f"{enterprise} 已报名该活动") from exc
            return Registration.model_validate(row_to_dict(row))

    def registrations(self, event_id: int) -> list[Registration]:
        self.get(event_id)
        query = (
            select(RegistrationRow)
            .where(RegistrationRow.event_id == event_id)
            .order_by(RegistrationRow.waitlisted, RegistrationRow.id)
        )
        with self._sessions() as session:
            return [Registration.model_validate(row_to_dict(r)) for r in session.scalars(query)]

    def registration_of(self, event_id: int, user: User) -> Registration | None:
        """The registration of the organisation this account may act for, if any."""
        mine = self.organisations.of(user.id)
        if mine is None or not mine.recognised:
            return None
        found = self.registrations(event_id)
        return next((r for r in found if r.organisation_id == mine.organisation_id), None)

    def _registrant(self, data: RegistrationIn, user: User) -> tuple[int, str]:
        """(organisation id, name) a registration is made for."""
        if user.sees_everything:
            if not data.enterprise:
                raise ProgrammeInputError("enterprise", "代企业报名时请填写企业名称")
            return self.organisations.ensure(data.enterprise)
        if user.role is not Role.enterprise:
            raise ProgrammeConflictError("只有企业账号（或经纪人代企业）可以报名")
        mine = self.organisations.of(user.id)
        if mine is None or not mine.recognised:
            raise ProgrammePermissionError(
                f"本账号与「{user.organisation}」的关系尚待经纪人或管理员核实，核实后才能以该单位名义报名"
            )
        return mine.organisation_id, mine.name

    def mark_attendance(self, event_id: int, registration_id: int, attended: bool) -> Registration:
        with self._sessions.begin() as session:
            row = session.get(RegistrationRow, registration_id)
            if row is None or row.event_id != event_id:
                raise ProgrammeNotFoundError(f"活动 {event_id} 没有编号为 {registration_id} 的报名")
            row.attended = attended
            session.flush()
            return Registration.model_validate(row_to_dict(row))

    # ---- helpers --------------------------------------------------------------------
    def _check_achievements(self, ids: list[str]) -> None:
        if len(set(ids)) != len(ids):
            raise ProgrammeInputError("achievement_ids", "同一项成果只能列入一次")
        found = self.catalog.get_many(Kind.achievement, ids)
        for achievement_id in ids:
            listing = found.get(achievement_id)
            if listing is None or listing.status != Status.published:
                raise ProgrammeInputError(
                    "achievement_ids", f"科技成果 {achievement_id} 不存在或未发布"
                )

    def _write_achievements(self, session: Session, event_id: int, ids: list[str]) -> None:
        for position, achievement_id in enumerate(ids, start=1):
            session.add(
                EventAchievementRow(
                    event_id=event_id, achievement_id=achievement_id, position=position
                )
            )

    def _event(self, session: Session, row: EventRow) -> Event:
        ids = session.scalars(
            select(EventAchievementRow.achievement_id)
            .where(EventAchievementRow.event_id == row.id)
            .order_by(EventAchievementRow.position)
        )
        waiting = session.scalars(
            select(RegistrationRow.id).where(
                RegistrationRow.event_id == row.id, RegistrationRow.waitlisted.is_(True)
            )
        )
        return Event.model_validate(
            {
                **row_to_dict(row),
                "achievement_ids": list(ids),
                "seats_taken": _seats_taken(session, row.id),
                "waitlisted": len(list(waiting)),
                "held": row.date <= clock.today(),
            }
        )


def _seats_taken(session: Session, event_id: int) -> int:
    rows = session.scalars(
        select(RegistrationRow.attendees).where(
            RegistrationRow.event_id == event_id, RegistrationRow.waitlisted.is_(False)
        )
    )
    return sum(rows)
