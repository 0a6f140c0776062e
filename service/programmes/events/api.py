"""Matchmaking events' JSON API.

Events are public; brokers and admins create them, choose the achievements, read the ranked
invitation list (JSON or Excel), the registrations, check attendance and record intents.
Enterprises (or a broker on an enterprise's behalf) register. Errors: unknown event 404, a
registration twice or after the event 409, a bad value 422 naming its field.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from service.accounts import User
from service.http.auth import BrokerUser, SignedIn
from service.http.deps import CatalogDep, RowId, dependency
from service.http.responses import responses
from service.listings.schemas import Kind
from service.programmes.events.export import invitation_workbook
from service.programmes.events.intents import EventIntents, Intent, IntentIn, IntentList
from service.programmes.events.invitations import InvitationList, Invitations, ProposedAchievement
from service.programmes.events.service import (
    Event,
    EventIn,
    EventPage,
    EventStore,
    Registration,
    RegistrationIn,
    RegistrationList,
)
from service.programmes.exports import XLSX
from service.programmes.programme_stats import ProgrammeStatistics
from service.requests import RequestModel

EventsDep = Annotated[EventStore, dependency(EventStore)]
InvitationsDep = Annotated[Invitations, dependency(Invitations)]
IntentsDep = Annotated[EventIntents, dependency(EventIntents)]
ProgrammeStatsDep = Annotated[ProgrammeStatistics, dependency(ProgrammeStatistics)]


router = APIRouter(
    prefix="/api/events",
    tags=["events"],
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
PROPOSED = 6  # achievements chosen for an event created without a list


class AchievementsIn(RequestModel):
    achievement_ids: list[str] = Field(max_length=30)


class AttendanceIn(RequestModel):
    attended: bool


class ProposalList(BaseModel):
    items: list[ProposedAchievement]


def create_event(body: EventIn, events: EventStore, invitations: Invitations, user: User) -> Event:
    """The one place events are created (API and page): proposals fill an empty list."""
    chosen = body.achievement_ids
    if chosen is None:
        chosen = [p.id for p in invitations.propose(body.field, body.region, PROPOSED)]
    return events.create(body, chosen, user)


@router.get("", response_model=EventPage)
def list_events(
    events: EventsDep,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 50,
) -> EventPage:
    """Events, the latest date first."""
    return events.events((page - 1) * page_size, page_size)


@router.post("", response_model=Event, status_code=201)
def post_event(
    body: EventIn, events: EventsDep, invitations: InvitationsDep, user: BrokerUser
) -> Event:
    """Create an event (brokers and admins); without ``achievement_ids`` the proposed ones."""
    return create_event(body, events, invitations, user)


@router.get("/proposals", response_model=ProposalList)
def proposals(
    invitations: InvitationsDep,
    user: BrokerUser,
    field: Annotated[str | None, Query(max_length=64)] = None,
    region: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=30)] = 10,
) -> ProposalList:
    """Achievements proposed for a theme (field and/or county), with the reasons."""
    return ProposalList(items=invitations.propose(field or None, region or None, limit))


@router.get("/{event_id}", response_model=Event)
def get_event(event_id: RowId, events: EventsDep) -> Event:
    return events.get(event_id)


@router.put("/{event_id}/achievements", response_model=Event)
def choose_achievements(
    event_id: RowId, body: AchievementsIn, events: EventsDep, user: BrokerUser
) -> Event:
    """Replace the achievements presented (in programme order)."""
    return events.set_achievements(event_id, body.achievement_ids)


@router.get("/{event_id}/invitations", response_model=InvitationList)
def invitations_of(
    event_id: RowId,
    invitations: InvitationsDep,
    user: BrokerUser,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    limit: Annotated[
        int | None,
        Query(ge=1, le=5000, description="how many to invite; default 3 × the capacity"),
    ] = None,
) -> InvitationList:
    """Enterprises to invite, ranked by their best match probability, each with the
    achievements that interest it and why (only needs at least a possible match)."""
    return invitations.page(event_id, page, page_size, limit)


@router.get("/{event_id}/invitations.xlsx", response_class=Response)
def invitations_xlsx(
    event_id: RowId,
    invitations: InvitationsDep,
    catalog: CatalogDep,
    user: BrokerUser,
    limit: Annotated[
        int | None,
        Query(ge=1, le=5000, description="how many to invite; default 3 × the capacity"),
    ] = None,
) -> Response:
    """The invitation list as an Excel workbook."""
    event = invitations.events.get(event_id)
    rows = invitations.for_event(event_id, limit)
    shown = catalog.get_many(Kind.achievement, event.achievement_ids)
    name = quote(f"邀请名单-{event.title}.xlsx")
    return Response(
        content=invitation_workbook(event, shown, rows),
        media_type=XLSX,
        headers={
            "Content-Disposition": f"attachment; filename=invitations-{event_id}.xlsx; "
            f"filename*=UTF-8''{name}"
        },
    )


@router.post("/{event_id}/registrations", response_model=Registration, status_code=201)
def register(
    event_id: RowId, body: RegistrationIn, events: EventsDep, user: SignedIn
) -> Registration:
    """An enterprise registers (beyond the capacity: on the waiting list)."""
    return events.register(event_id, body, user)


@router.get("/{event_id}/registrations", response_model=RegistrationList)
def registrations(event_id: RowId, events: EventsDep, user: BrokerUser) -> RegistrationList:
    return RegistrationList(items=events.registrations(event_id))


@router.post("/{event_id}/registrations/{registration_id}/attendance", response_model=Registration)
def attendance(
    event_id: RowId, registration_id: RowId, body: AttendanceIn, events: EventsDep, user: BrokerUser
) -> Registration:
    """Check an enterprise in (or out) on the day."""
    return events.mark_attendance(event_id, registration_id, body.attended)


@router.get("/{event_id}/intents", response_model=IntentList)
def intents_of(event_id: RowId, intents: IntentsDep, user: BrokerUser) -> IntentList:
    return IntentList(items=intents.of_event(event_id))


@router.post("/{event_id}/intents", response_model=Intent, status_code=201)
def record_intent(event_id: RowId, body: IntentIn, intents: IntentsDep, user: BrokerUser) -> Intent:
    """An intent after the event: opens the pair on the desk at 已联系."""
    return intents.record(event_id, body, user)


routers = (router,)
