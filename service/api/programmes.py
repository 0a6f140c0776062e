"""The programmes' JSON API: 共性需求 (``/api/common-needs``) and 揭榜挂帅 (``/api/challenges``).

Reads are public (applications: an applicant's own, all for brokers and admins). Review of
groups, publishing, selection and stages are for admins; brokers may score applications;
universities and enterprises apply. Unknown ids 404, a move the state forbids 409, a bad value
422 naming its field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from service.accounts import Role, User
from service.api.auth import AdminUser, Applicant, BrokerUser, CurrentUser, ForbiddenError, SignedIn
from service.api.deps import (
    CatalogDep,
    ChallengesDep,
    ChallengeStatsDep,
    CommonNeedsDep,
    RowId,
    TaxonomyDep,
)
from service.api.errors import responses
from service.listings.schemas import Kind
from service.programmes.challenge_views import (
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
from service.programmes.exports import XLSX, catalogue_xlsx, challenges_xlsx
from service.programmes.stats import ChallengeStats
from service.programmes.views import CommonNeed, CommonNeedList, GroupStatus

ERRORS = responses(400, 401, 403, 404, 409, 413, 422)
common_needs = APIRouter(prefix="/api/common-needs", tags=["programmes"], responses=ERRORS)
challenges = APIRouter(prefix="/api/challenges", tags=["programmes"], responses=ERRORS)
statistics = APIRouter(prefix="/api/stats", tags=["stats"], responses=responses(422))






def xlsx(content: bytes, name: str) -> Response:
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def catalogue_file(
    groups: CommonNeedList, taxonomy: TaxonomyDep, catalog: CatalogDep, user: User | None
) -> Response:
    published = [g for g in groups.groups if g.status is GroupStatus.published]
    contacts = None
    if user is not None and user.sees_everything:
        ids = [n for g in published for n in g.needs]
        contacts = {i: n.contact for i, n in catalog.get_many(Kind.need, ids).items()}
    return xlsx(catalogue_xlsx(published, taxonomy, contacts), "catalogue.xlsx")


# ---- common needs --------------------------------------------------------------------------
class TitleIn(BaseModel):
    title: str = Field(min_length=1, max_length=100)


class MergeIn(BaseModel):
    other_id: int


class SplitIn(BaseModel):
    need_ids: list[str] = Field(min_length=1)


class MemberIn(BaseModel):
    need_id: str = Field(min_length=1, max_length=64)


class GroupStatusIn(BaseModel):
    status: GroupStatus
    note: str | None = Field(default=None, max_length=2000)


@common_needs.get("", response_model=CommonNeedList)
def list_common_needs(
    groups: CommonNeedsDep,
    user: CurrentUser,
    group_status: Annotated[GroupStatus | None, Query(alias="status")] = None,
    achievements: Annotated[int, Query(ge=0, le=20)] = 3,
) -> CommonNeedList:
    """Groups of needs sharing a technical core, published first; each with its best
    achievements for the group as a whole. Dismissed groups only for admins."""
    if group_status is GroupStatus.dismissed and (user is None or user.role is not Role.admin):
        raise ForbiddenError("只有管理员可以查看已撤销的共性需求")
    wanted = [group_status] if group_status else [GroupStatus.proposed, GroupStatus.reviewed,
                                                  GroupStatus.published]  # fmt: skip
    return groups.list(wanted, achievements=achievements)


@common_needs.get("/catalogue.xlsx", response_class=Response)
def catalogue_export(
    groups: CommonNeedsDep, taxonomy: TaxonomyDep, catalog: CatalogDep, user: CurrentUser
) -> Response:
    """The 重大科技需求目录 as Excel (contacts only for brokers and admins)."""
    found = groups.list([GroupStatus.published])
    return catalogue_file(found, taxonomy, catalog, user)


@common_needs.get("/{group_id}", response_model=CommonNeed)
def get_common_need(group_id: RowId, groups: CommonNeedsDep) -> CommonNeed:
    return groups.get(group_id)


@common_needs.post("/{group_id}/title", response_model=CommonNeed)
def rename(group_id: RowId, body: TitleIn, groups: CommonNeedsDep, user: AdminUser) -> CommonNeed:
    groups.rename(group_id, body.title, user.id)
    return groups.get(group_id, achievements=0)


@common_needs.post("/{group_id}/merge", response_model=CommonNeed)
def merge(group_id: RowId, body: MergeIn, groups: CommonNeedsDep, user: AdminUser) -> CommonNeed:
    """Move every member of ``other_id`` into this group; the other group is gone."""
    groups.merge(group_id, body.other_id, user.id)
    return groups.get(group_id, achievements=0)


@common_needs.post("/{group_id}/split", response_model=CommonNeed, status_code=201)
def split(group_id: RowId, body: SplitIn, groups: CommonNeedsDep, user: AdminUser) -> CommonNeed:
    """Move ``need_ids`` into a new reviewed group (answered)."""
    new = groups.split(group_id, body.need_ids, user.id)
    return groups.get(new, achievements=0)


@common_needs.post("/{group_id}/remove", response_model=CommonNeed)
def remove_member(
    group_id: RowId, body: MemberIn, groups: CommonNeedsDep, user: AdminUser
) -> CommonNeed:
    groups.remove_member(group_id, body.need_id, user.id)
    return groups.get(group_id, achievements=0)


@common_needs.post("/{group_id}/accept", response_model=CommonNeed)
def accept_member(
    group_id: RowId, body: MemberIn, groups: CommonNeedsDep, user: AdminUser
) -> CommonNeed:
    """Accept a new need proposed for this group."""
    groups.accept_member(group_id, body.need_id, user.id)
    return groups.get(group_id, achievements=0)


@common_needs.post("/{group_id}/status", response_model=CommonNeed)
def set_status(
    group_id: RowId, body: GroupStatusIn, groups: CommonNeedsDep, user: AdminUser
) -> CommonNeed:
    """``published`` puts the group in the 重大科技需求目录; ``reviewed`` takes it out;
    ``dismissed`` drops it."""
    groups.set_status(group_id, body.status, user.id, body.note)
    return groups.get(group_id, achievements=0)


# ---- challenges ----------------------------------------------------------------------------
@challenges.get("", response_model=list[Challenge])
def list_challenges(board: ChallengesDep) -> list[Challenge]:
    return board.list()


@challenges.post("", response_model=Challenge, status_code=201)
def create_challenge(body: ChallengeIn, board: ChallengesDep, user: AdminUser) -> Challenge:
    """Publish a 榜单 from a common need (``common_need_id``) or from needs (``need_ids``)."""
    return board.create(body, user)


@challenges.get("/export.xlsx", response_class=Response)
def challenges_export(board: ChallengesDep) -> Response:
    return xlsx(challenges_xlsx(board.list()), "challenges.xlsx")


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
