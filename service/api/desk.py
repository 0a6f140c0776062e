"""The broker desk's JSON API (brokers and admins), and introduction requests (any owner).

Errors: unknown pair or listing 404, a move the stage does not allow 409, a bad value 422
naming its field, the wrong account 403, no account 401.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from service.desk.contracts import Contract, ContractIn
from service.desk.stages import LostReason, Stage
from service.desk.views import Card, DeskMatch, MatchDetail, Note, QueueItem
from service.http.auth import BrokerUser, SignedIn
from service.http.deps import BoardDep, DeskDep, QueueDep, RowId
from service.http.responses import BODY, responses
from service.listings.schemas import Money
from service.requests import RequestModel

router = APIRouter(prefix="/api/desk", tags=["desk"], responses=responses(401, 403, 422))
introductions = APIRouter(
    prefix="/api/introductions", tags=["desk"], responses={**responses(401, 403, 404), **BODY}
)
CHANGES = {**responses(404, 409), **BODY}

ListingId = Annotated[str, Field(min_length=1, max_length=64)]


_Body = RequestModel  # unknown keys refused, numbers are numbers (service/requests.py)


class PairIn(_Body):
    need_id: ListingId
    achievement_id: ListingId
    stage: Literal["shortlisted", "recommended", "dismissed"] = "shortlisted"
    score: Annotated[Money, Field(le=1)] | None = None


class MoveIn(_Body):
    stage: Stage
    reason: LostReason | None = None


class NoteIn(_Body):
    body: str = Field(max_length=4000, description="1–2000 characters after trimming")


class IntroductionIn(_Body):
    need_id: ListingId
    achievement_id: ListingId


class IntroductionOut(BaseModel):
    match_id: int
    need_id: str
    achievement_id: str
    stage: Stage
    created: bool


@router.get("/queue", response_model=list[QueueItem])
def queue(
    broker_queue: QueueDep, user: BrokerUser, limit: Annotated[int, Query(ge=1, le=100)] = 50
) -> list[QueueItem]:
    """Introduction requests, oldest first, then strong matches of the newest needs."""
    return broker_queue.items(limit)


@router.get("/matches", response_model=list[Card])
def matches(
    desk: DeskDep,
    board: BoardDep,
    user: BrokerUser,
    stage: Stage | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[Card]:
    """Pairs on the desk (of one stage when given), the most recently changed first."""
    found = desk.matches([stage] if stage else None, limit=limit)
    return board.cards(found)


@router.get("/matches/{match_id}", response_model=MatchDetail, responses=responses(404))
def match_detail(match_id: RowId, board: BoardDep, user: BrokerUser) -> MatchDetail:
    return board.detail(match_id)


@router.post(
    "/matches",
    response_model=DeskMatch,
    responses={201: {"model": DeskMatch, "description": "the pair, new on the desk"}, **CHANGES},
)
def place(body: PairIn, response: Response, desk: DeskDep, user: BrokerUser) -> DeskMatch:
    """Put a pair on the desk (201), or move the pair already there (200)."""
    new = desk.find(body.need_id, body.achievement_id) is None
    match = desk.place(body.need_id, body.achievement_id, Stage(body.stage), user, body.score)
    response.status_code = status.HTTP_201_CREATED if new else status.HTTP_200_OK
    return match


@router.post("/matches/{match_id}/stage", response_model=DeskMatch, responses=CHANGES)
def move(match_id: RowId, body: MoveIn, desk: DeskDep, user: BrokerUser) -> DeskMatch:
    return desk.move(match_id, body.stage, user, body.reason)


@router.post("/matches/{match_id}/notes", response_model=Note, status_code=201, responses=CHANGES)
def add_note(match_id: RowId, body: NoteIn, desk: DeskDep, user: BrokerUser) -> Note:
    return desk.add_note(match_id, user, body.body)


@router.put("/matches/{match_id}/contract", response_model=Contract, responses=CHANGES)
def save_contract(match_id: RowId, body: ContractIn, desk: DeskDep, user: BrokerUser) -> Contract:
    return desk.save_contract(match_id, body, user)


def csv_response(text: str) -> Response:
    filename = quote("技术合同登记.csv")
    return Response(
        content=text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename=deals.csv; filename*=UTF-8''{filename}"
        },
    )


@router.get("/deals.csv", response_class=Response)
def deals_csv(desk: DeskDep, user: BrokerUser) -> Response:
    """Every contract record, in the columns of a 技术合同登记 form (UTF-8 with BOM)."""
    return csv_response(desk.deals_csv())


@introductions.post(
    "",
    response_model=IntroductionOut,
    responses={201: {"model": IntroductionOut, "description": "a new request"}, **responses(409)},
)
def request_introduction(
    body: IntroductionIn, response: Response, desk: DeskDep, user: SignedIn
) -> IntroductionOut:
    """Ask a broker to introduce the two sides; the account must own one of them."""
    match, created = desk.request_introduction(body.need_id, body.achievement_id, user)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return IntroductionOut(
        match_id=match.id,
        need_id=match.need_id,
        achievement_id=match.achievement_id,
        stage=match.stage,
        created=created,
    )
