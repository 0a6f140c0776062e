"""Matchmaking event pages: the list (and the broker's creation form), one event's page
(programme, registration, and for brokers the proposals, invitation list, attendance and
intents), and the printable programme. JSON twins under /api/events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.responses import Response

from service import clock
from service.error_messages import first_per_field
from service.http.auth import BrokerUser, SignedIn
from service.http.deps import CatalogDep, RowId, TaxonomyDep
from service.listings.schemas import Kind
from service.programmes.errors import ProgrammeError, ProgrammeInputError
from service.programmes.events.api import EventsDep, IntentsDep, InvitationsDep, create_event
from service.programmes.events.intents import IntentIn
from service.programmes.events.invitations import PER_SEAT
from service.programmes.events.service import EVENT_KINDS, EventIn, RegistrationIn
from service.requests import FORM
from web.desk import back, page
from web.listings import form_data
from web.templating import flash, viewer

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form(max_length=2000)]
INVITATIONS_SHOWN = 40
EVENT_FIELDS = ("title", "kind", "date", "place", "organiser", "field", "region", "capacity",
                "description")  # fmt: skip


def _options(taxonomy: Any) -> dict[str, Any]:
    return {
        "kinds": [(k, k) for k in EVENT_KINDS],
        "field": form_data.field_options(taxonomy),
        "region": form_data.region_options(taxonomy),
    }


@router.get("/events", response_class=HTMLResponse)
def events_page(
    request: Request,
    events: EventsDep,
    taxonomy: TaxonomyDep,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    context = {
        "events": events.events(0, 100).items,
        "options": _options(taxonomy),
        "errors": errors or {},
        "values": values or {"date": clock.today().isoformat(), "capacity": 60},
    }
    return page(request, "events.html", context, 422 if errors else 200)


@router.post("/events")
async def create_event_page(
    request: Request,
    events: EventsDep,
    invitations: InvitationsDep,
    taxonomy: TaxonomyDep,
    user: BrokerUser,
) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in EVENT_FIELDS}
    record = {k: v for k, v in values.items() if v != ""}
    try:
        body = EventIn.model_validate(record, context=FORM)
        event = create_event(body, events, invitations, user)
    except ValidationError as exc:
        return events_page(request, events, taxonomy, first_per_field(exc.errors()), values)
    except ProgrammeInputError as exc:
        return events_page(request, events, taxonomy, {exc.field: exc.message}, values)
    flash(request, f"活动「{event.title}」已创建，已按主题推荐 {len(event.achievement_ids)} 项成果")
    return back(f"/events/{event.id}")


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(
    request: Request,
    event_id: RowId,
    events: EventsDep,
    invitations: InvitationsDep,
    intents: IntentsDep,
    catalog: CatalogDep,
) -> Response:
    event = events.get(event_id)
    user = viewer(request)
    shown = catalog.get_many(Kind.achievement, event.achievement_ids)
    context: dict[str, Any] = {
        "event": event,
        "achievements": [shown[a] for a in event.achievement_ids if a in shown],
        "mine": None,
        "broker": user is not None and user.sees_everything,
        "today": clock.today(),
    }
    if user is not None and not user.sees_everything:
        context["mine"] = events.registration_of(event_id, user)
    if context["broker"]:
        eligible = invitations.eligible(event)
        invited = eligible[: PER_SEAT * event.capacity]
        context.update(
            invitations=invited[:INVITATIONS_SHOWN],
            invited_total=len(invited),
            eligible_total=len(eligible),
            proposals=invitations.propose(event.field, event.region, 12),
            registrations=events.registrations(event_id),
            intents=intents.of_event(event_id),
            enterprises=sorted(
                {i.enterprise for i in invited}
                | {r.enterprise for r in events.registrations(event_id)}
            ),
        )
    return page(request, "event.html", context)


@router.get("/events/{event_id}/programme", response_class=HTMLResponse)
def programme(
    request: Request, event_id: RowId, events: EventsDep, catalog: CatalogDep
) -> Response:
    """The printable programme: the event and the achievements presented, in order."""
    event = events.get(event_id)
    shown = catalog.get_many(Kind.achievement, event.achievement_ids)
    achievements = [shown[a] for a in event.achievement_ids if a in shown]
    return page(request, "event_programme.html", {"event": event, "achievements": achievements})


def attempt(request: Request, action: Callable[[], Any], message: str | None = None) -> None:
    """Run a write; flash ``message`` (or what the action returns), or the problem (naming the
    field) when it fails. Shared by the event and expert pages."""
    try:
        result = action()
    except ValidationError as exc:
        problems = first_per_field(exc.errors())
        flash(request, "；".join(f"{k}：{v}" for k, v in problems.items()), "error")
    except ProgrammeError as exc:
        flash(request, getattr(exc, "message", str(exc)), "error")
    else:
        flash(request, message or str(result))


def registration_state(attendees: int, left: int, waitlisted: bool) -> str:
    """What a registration came to, with the seats that were left when it was made."""
    if not waitlisted:
        return f"报名成功（{attendees} 人）"
    if left == 0:
        return f"名额已满，{attendees} 人已进入候补名单"
    return (
        f"报名 {attendees} 人，超过剩余的 {left} 个名额，已进入候补名单；改报 {left} 人以内即可确认"
    )


@router.post("/events/{event_id}/register")
def register(
    request: Request,
    event_id: RowId,
    events: EventsDep,
    user: SignedIn,
    attendees: FormText = "",
    contact: FormText = "",
    enterprise: FormText = "",
) -> Response:
    def act() -> str:
        record = {"attendees": attendees or None, "contact": contact}
        if enterprise:
            record["enterprise"] = enterprise
        event = events.get(event_id)
        left = max(event.capacity - event.seats_taken, 0)
        found = events.register(event_id, RegistrationIn.model_validate(record, context=FORM), user)
        return f"{found.enterprise}：{registration_state(found.attendees, left, found.waitlisted)}"

    attempt(request, act)
    return back(f"/events/{event_id}#register")


@router.post("/events/{event_id}/achievements")
async def choose(
    request: Request, event_id: RowId, events: EventsDep, user: BrokerUser
) -> Response:
    form = await request.form()
    chosen = [str(v) for v in form.getlist("achievement_id")]

    def act() -> str:
        event = events.set_achievements(event_id, chosen)
        return f"推介成果已更新（{len(event.achievement_ids)} 项）"

    attempt(request, act)
    return back(f"/events/{event_id}#achievements")


@router.post("/events/{event_id}/registrations/{registration_id}/attendance")
def attendance(
    request: Request,
    event_id: RowId,
    registration_id: RowId,
    events: EventsDep,
    user: BrokerUser,
    attended: FormText = "yes",
) -> Response:
    def act() -> str:
        found = events.mark_attendance(event_id, registration_id, attended == "yes")
        return f"{found.enterprise}：" + ("已签到" if found.attended else "已标记为未到场")

    attempt(request, act)
    return back(f"/events/{event_id}#registrations")


@router.post("/events/{event_id}/intents")
def intent(
    request: Request,
    event_id: RowId,
    intents: IntentsDep,
    user: BrokerUser,
    enterprise: FormText = "",
    achievement_id: FormText = "",
    note: FormText = "",
) -> Response:
    def act() -> str:
        body = IntentIn.model_validate(
            {"enterprise": enterprise, "achievement_id": achievement_id, "note": note}, context=FORM
        )
        found = intents.record(event_id, body, user)
        return f"意向已登记，工作台对接 #{found.match_id}（{found.stage.label}）"

    attempt(request, act)
    return back(f"/events/{event_id}#intents")
