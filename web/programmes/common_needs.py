"""Pages of 共性需求凝练 (/common-needs): the groups, one group, and the admins' review.

JSON twin: /api/common-needs. The review posts back here; a bad value is shown as a message
naming the field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from service.http.auth import AdminUser, CurrentUser
from service.http.deps import RowId
from service.programmes.common_needs.api import CommonNeedsDep, visible_group
from service.programmes.common_needs.views import GroupStatus
from service.programmes.errors import ProgrammeError, ProgrammeInputError
from web.programmes.common import back, page
from web.templating import flash

router = APIRouter(include_in_schema=False)


@router.get("/common-needs", response_class=HTMLResponse)
def common_needs_page(
    request: Request, groups: CommonNeedsDep, user: CurrentUser, status: str = ""
) -> Response:
    """Proposed and reviewed groups; ``?status=published`` is the 重大科技需求目录."""
    chosen = GroupStatus(status) if status in {"proposed", "reviewed", "published"} else None
    wanted = [chosen] if chosen else [GroupStatus.proposed, GroupStatus.reviewed,
                                      GroupStatus.published]  # fmt: skip
    found = groups.list(wanted)
    return page(request, "common_needs.html", {"found": found, "status": chosen})


@router.get("/common-needs/{group_id}", response_class=HTMLResponse)
def common_need_page(
    request: Request, group_id: RowId, groups: CommonNeedsDep, user: CurrentUser
) -> Response:
    group = visible_group(groups.get(group_id), user)  # a dismissed one: the admins' only
    others = [g for g in groups.list(achievements=0).groups if g.id != group_id]
    context = {"group": group, "others": others, "errors": {}, "form": {}}
    return page(request, "common_need.html", context)


@router.post("/common-needs/{group_id}/review")
def review(
    request: Request,
    group_id: RowId,
    groups: CommonNeedsDep,
    user: AdminUser,
    action: Annotated[str, Form(max_length=20)],
    title: Annotated[str, Form(max_length=200)] = "",
    need_id: Annotated[str, Form(max_length=64)] = "",
    need_ids: Annotated[list[str] | None, Form()] = None,
    other_id: Annotated[str, Form(max_length=12)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """One review action of an admin: title, remove, accept, merge, split, publish, withdraw,
    dismiss."""
    target = f"/common-needs/{group_id}"
    try:
        if action == "title":
            groups.rename(group_id, title, user.id)
            flash(request, "已更名")
        elif action == "remove":
            groups.remove_member(group_id, need_id, user.id)
            flash(request, f"已将需求 {need_id} 移出本组")
        elif action == "accept":
            groups.accept_member(group_id, need_id, user.id)
            flash(request, f"已将需求 {need_id} 纳入本组")
        elif action == "merge":
            if not other_id.isdigit():
                raise ProgrammeInputError("other_id", "请选择要并入的共性需求")
            groups.merge(group_id, int(other_id), user.id)
            flash(request, f"已并入共性需求 {other_id}")
        elif action == "split":
            new = groups.split(group_id, need_ids or [], user.id)
            flash(request, "已拆分为新的共性需求")
            target = f"/common-needs/{new}"
        elif action in ("published", "reviewed", "dismissed"):
            groups.set_status(group_id, GroupStatus(action), user.id, note or None)
            flash(request, {"published": "已发布到重大科技需求目录", "reviewed": "已移出目录",
                            "dismissed": "已撤销此共性需求"}[action])  # fmt: skip
            if action == "dismissed":
                target = "/common-needs"
        else:
            raise ProgrammeInputError("action", "未知的操作")
    except ProgrammeInputError as exc:
        flash(request, f"{exc.field}：{exc.message}", "error")
    except ProgrammeError as exc:
        flash(request, str(exc), "error")
    return back(target)
