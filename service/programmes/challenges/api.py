"""揭榜挂帅's JSON API (``/api/challenges``) and its statistics (``/api/stats/challenges``).

Reads are public (applications: an applicant's own, all for brokers and admins). Publishing,
invitations, selection and stages are for admins; appointed brokers score applications;
universities and enterprises apply. Unknown ids 404, a move the state forbids 409, a bad value
422 naming its field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from service.http.auth import (
    AdminUser,
    Applicant,
    BrokerUser,
    SignedIn,
)
from service.http.deps import RowId, dependency
from service.http.responses import attachment, responses
from service.programmes.challenges.service import Challenges
from service.programmes.challenges.stats import ChallengeStatistics, ChallengeStats
from service.programmes.challenges.views import (
    Application,
    ApplicationIn,
    Challenge,
    ChallengeIn,
    InviteIn,
    ReviewerIn,
    ScoreIn,
    SelectIn,
    SolverCandidate,
    StageIn,
)
from service.programmes.exports import XLSX, challenges_xlsx

ChallengesDep = Annotated[Challenges, dependency(Challenges)]
ChallengeStatsDep = Annotated[ChallengeStatistics, dependency(ChallengeStatistics)]


ERRORS = responses(400, 401, 403, 404, 409, 413, 422)
challenges = APIRouter(prefix="/api/challenges", tags=["programmes"], responses=ERRORS)
statistics = APIRouter(prefix="/api/stats", tags=["stats"], responses=responses(422))
routers = (challenges, statistics)


@challenges.get("", response_model=list[Challenge])
def list_challenges(board: ChallengesDep) -> list[Challenge]:
    return board.list()


@challenges.post("", response_model=Challenge, status_code=201)
def create_challenge(body: ChallengeIn, board: ChallengesDep, user: AdminUser) -> Challenge:
    """Publish a 榜单 from a common need (``common_need_id``) or from needs (``need_ids``)."""
    return board.create(body, user)


@challenges.get("/export.xlsx", response_class=Response)
def challenges_export(board: ChallengesDep) -> Response:
    return attachment(XLSX, challenges_xlsx(board.list()), "challenges.xlsx")


@challenges.get("/{challenge_id}", response_model=Challenge)
def get_challenge(challenge_id: RowId, board: ChallengesDep) -> Challenge:
    return board.get(challenge_id)


@challenges.get("/{challenge_id}/applications", response_model=list[Application])
def list_applications(
    challenge_id: RowId, board: ChallengesDep, user: SignedIn
) -> list[Application]:
    """All applications for brokers and admins; one's own for an applicant."""
    return board.applications(challenge_id, user)


@challenges.post("/{challenge_id}/applications", response_model=Application, status_code=201)
def apply(
    challenge_id: RowId, body: ApplicationIn, board: ChallengesDep, user: Applicant
) -> Application:
    """揭榜: a university, institute or enterprise applies with team, plan and indicators."""
    return board.apply(challenge_id, body, user)


@challenges.get("/{challenge_id}/candidates", response_model=list[SolverCandidate])
def candidates(
    challenge_id: RowId, board: ChallengesDep, limit: Annotated[int, Query(ge=1, le=30)] = 10
) -> list[SolverCandidate]:
    """Institutions likely to solve the challenge, ranked by their matching achievements."""
    return board.candidates(challenge_id, limit)


@challenges.post("/{challenge_id}/invitations", status_code=204)
def invite(challenge_id: RowId, body: InviteIn, board: ChallengesDep, user: AdminUser) -> None:
    board.invite(challenge_id, body.institution, user)


@challenges.post("/{challenge_id}/reviewers", response_model=Challenge)
def appoint(
    challenge_id: RowId, body: ReviewerIn, board: ChallengesDep, user: AdminUser
) -> Challenge:
    """Appoint a broker to score this challenge's applications."""
    return board.appoint(challenge_id, body.username, user)


@challenges.post("/{challenge_id}/selection", response_model=Challenge)
def select(challenge_id: RowId, body: SelectIn, board: ChallengesDep, user: AdminUser) -> Challenge:
    """挂帅: select one application with a reason; the challenge enters 已立项."""
    return board.select(challenge_id, body.application_id, body.reason, user)


@challenges.post("/{challenge_id}/stage", response_model=Challenge)
def advance(challenge_id: RowId, body: StageIn, board: ChallengesDep, user: AdminUser) -> Challenge:
    return board.advance(challenge_id, body.stage, body.note, user)


@challenges.post("/applications/{application_id}/score", response_model=Application)
def score(
    application_id: RowId, body: ScoreIn, board: ChallengesDep, user: BrokerUser
) -> Application:
    """Score an application against the published criteria (admins, appointed brokers)."""
    return board.score(application_id, body.score, body.note, user)


@statistics.get("/challenges", response_model=ChallengeStats)
def challenge_stats(stats: ChallengeStatsDep) -> ChallengeStats:
    """Common needs found and published, challenges by stage, applications, funding."""
    return stats.programmes()
