"""Intents (意向) recorded after an event: each opens a pair on the broker desk at 已联系.

The pair is (one of the enterprise's published needs, the achievement): the need named in the
request, else the enterprise's need the matcher ranks best for the achievement, else its need
in the same field. Every intent keeps its event id and desk pair, so a deal can be traced back.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StringConstraints
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from indexer.documents import top_field
from service import clock
from service.accounts import Accounts, User
from service.accounts.organisations import organisation_key
from service.catalog import Catalog
from service.catalog.models import row_to_dict, utcnow
from service.desk.stages import Stage
from service.desk.store import Desk
from service.desk.views import DeskMatch
from service.listings.schemas import ID_PATTERN, Kind, Need
from service.matching.matcher import Matcher
from service.programmes.errors import ProgrammeConflictError, ProgrammeInputError
from service.programmes.events.models import IntentRow
from service.programmes.events.service import EventStore
from service.requests import RequestModel
from service.stamps import Timestamp

BEFORE_PIPELINE = (Stage.requested, Stage.shortlisted, Stage.dismissed)


class IntentIn(RequestModel):
    enterprise: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)
    ]
    achievement_id: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    need_id: Annotated[str, StringConstraints(pattern=ID_PATTERN)] | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class Intent(BaseModel):
    id: int
    event_id: int
    enterprise: str
    organisation_id: int | None
    achievement_id: str
    need_id: str
    match_id: int
    stage: Stage
    note: str
    created_at: Timestamp


class IntentList(BaseModel):
    items: list[Intent]


class EventIntents:
    def __init__(
        self,
        engine: Engine,
        events: EventStore,
        catalog: Catalog,
        matcher: Matcher,
        desk: Desk,
        accounts: Accounts,
    ) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.accounts = accounts
        self.events = events
        self.catalog = catalog
        self.matcher = matcher
        self.desk = desk

    def record(self, event_id: int, data: IntentIn, user: User) -> Intent:
        event = self.events.get(event_id)
        if event.date > clock.today():
            raise ProgrammeConflictError("活动尚未举行：意向在活动之后登记")
        if data.achievement_id not in event.achievement_ids:
            raise ProgrammeInputError("achievement_id", "该成果不在本次活动的推介名单中")
        organisation_id, enterprise = self.accounts.organisations.ensure(data.enterprise)
        need_id = self._need_for(data, organisation_id)
        pair = self._open_pair(need_id, data.achievement_id, user)
        note = f"来自活动「{event.title}」（#{event.id}，{event.date}）的意向" + (
            f"：{data.note}" if data.note else ""
        )
        self.desk.add_note(pair.id, user, note)
        with self._sessions.begin() as session:
            row = IntentRow(
                event_id=event_id,
                enterprise=enterprise,
                organisation_id=organisation_id,
                achievement_id=data.achievement_id,
                need_id=need_id,
                match_id=pair.id,
                note=data.note,
                recorded_by=user.id,
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            values = row_to_dict(row)
        return Intent.model_validate({**values, "stage": self.desk.get(pair.id).stage})

    def of_event(self, event_id: int) -> list[Intent]:
        self.events.get(event_id)
        query = select(IntentRow).where(IntentRow.event_id == event_id).order_by(IntentRow.id)
        with self._sessions() as session:
            rows = [row_to_dict(r) for r in session.scalars(query)]
        return [
            Intent.model_validate({**values, "stage": self.desk.get(values["match_id"]).stage})
            for values in rows
        ]

    def _organisation_needs(self, name: str, organisation_id: int) -> list[Need]:
        """The published needs of the organisation: under its name, and posted by one of the
        accounts that may act for it, by a broker or admin, or by no account (seeded). A need
        posted by an account whose claim to the name is not confirmed is not the
        organisation's, and an intent never introduces its poster to the counterpart."""
        key = organisation_key(name)
        named = [
            n
            for n in self.catalog.iter_all(Kind.need, published_only=True)
            if organisation_key(n.enterprise) == key
        ]
        members = self.accounts.organisations.recognised_members(organisation_id)
        owners = {n.id: self.accounts.owner_of(Kind.need, n.id) for n in named}
        users = self.accounts.get_many(o for o in owners.values() if o is not None)
        staff = {user_id for user_id, user in users.items() if user.sees_everything}
        return [n for n in named if owners[n.id] in members | staff | {None}]

    def _need_for(self, data: IntentIn, organisation_id: int) -> str:
        needs = self._organisation_needs(data.enterprise, organisation_id)
        if data.need_id is not None:
            if data.need_id not in {n.id for n in needs}:
                raise ProgrammeInputError("need_id", f"{data.need_id} 不是该企业已发布的需求")
            return data.need_id
        if not needs:
            raise ProgrammeInputError(
                "enterprise", "该企业没有已发布的技术需求，无法在工作台建立对接；请先代其发布需求"
            )
        ranked = self.matcher.match(Kind.achievement, data.achievement_id, limit=100)
        own = {n.id for n in needs}
        for m in ranked.matches:
            if m.id in own:
                return m.id
        achievement = self.catalog.get(Kind.achievement, data.achievement_id)
        same = [n for n in needs if top_field(n.field) == top_field(achievement.field)]
        return (same or needs)[0].id

    def _open_pair(self, need_id: str, achievement_id: str, user: User) -> DeskMatch:
        """The desk pair at 已联系 (or wherever it already is beyond)."""
        pair = self.desk.find(need_id, achievement_id)
        if pair is None or pair.stage in BEFORE_PIPELINE or pair.stage is Stage.lost:
            pair = (
                self.desk.place(need_id, achievement_id, Stage.recommended, user)
                if pair is None or pair.stage is not Stage.lost
                else self.desk.move(pair.id, Stage.recommended, user)
            )
        if pair.stage is Stage.recommended:
            pair = self.desk.move(pair.id, Stage.contacted, user)
        return pair
