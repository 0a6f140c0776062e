"""共性需求凝练's JSON API (``/api/common-needs``): the proposed, reviewed and published groups,
the 重大科技需求目录 export, and the admins' review (rename, merge, split, members, status).

Reads are public; review is for admins. Unknown ids 404, a bad value 422 naming its field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import Field

from service.accounts import Role, User
from service.http.auth import (
    AdminUser,
    CurrentUser,
    ForbiddenError,
)
from service.http.deps import CatalogDep, RowId, TaxonomyDep, dependency
from service.http.responses import attachment, responses
from service.listings.schemas import Kind
from service.programmes.common_needs.service import CommonNeeds
from service.programmes.common_needs.views import CommonNeed, CommonNeedList, GroupStatus
from service.programmes.errors import ProgrammeNotFoundError
from service.programmes.exports import XLSX, catalogue_xlsx
from service.requests import RequestModel, RowRef

CommonNeedsDep = Annotated[CommonNeeds, dependency(CommonNeeds)]


ERRORS = responses(400, 401, 403, 404, 409, 413, 422)
common_needs = APIRouter(prefix="/api/common-needs", tags=["programmes"], responses=ERRORS)


def catalogue_file(
    groups: CommonNeedList, taxonomy: TaxonomyDep, catalog: CatalogDep, user: User | None
) -> Response:
    published = [g for g in groups.groups if g.status is GroupStatus.published]
    contacts = None
    if user is not None and user.sees_everything:
        ids = [n for g in published for n in g.needs]
        contacts = {i: n.contact for i, n in catalog.get_many(Kind.need, ids).items()}
    return attachment(XLSX, catalogue_xlsx(published, taxonomy, contacts), "catalogue.xlsx")


# ---- common needs --------------------------------------------------------------------------
class TitleIn(RequestModel):
    title: str = Field(min_length=1, max_length=100)


class MergeIn(RequestModel):
    other_id: RowRef


class SplitIn(RequestModel):
    need_ids: list[str] = Field(min_length=1)


class MemberIn(RequestModel):
    need_id: str = Field(min_length=1, max_length=64)


class GroupStatusIn(RequestModel):
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
def get_common_need(group_id: RowId, groups: CommonNeedsDep, user: CurrentUser) -> CommonNeed:
    """A group by id; a dismissed one (and its note) only for admins, 404 for anyone else,
    as the list shows them."""
    return visible_group(groups.get(group_id), user)


def visible_group(group: CommonNeed, user: User | None) -> CommonNeed:
    """The group, unless it is dismissed and the viewer is not an admin (then: unknown)."""
    if group.status is GroupStatus.dismissed and (user is None or user.role is not Role.admin):
        raise ProgrammeNotFoundError(f"没有编号为 {group.id} 的共性需求")
    return group


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


routers = (common_needs,)
