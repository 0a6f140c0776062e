"""Pages of the programmes: 共性需求 (/common-needs) and 揭榜挂帅 (/challenges).

JSON twins: /api/common-needs and /api/challenges. Forms post back here; bad input is shown
inline on the form (challenge and application) or as a message naming the field (review).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from service import clock
from service.accounts import Role
from service.api.auth import AdminUser, Applicant, CurrentUser, ForbiddenError, SignedIn
from service.api.deps import ChallengesDep, CommonNeedsDep, RowId
from service.error_messages import first_per_field
from service.programmes.challenge_views import ApplicationIn, ChallengeIn, ChallengeStage
from service.programmes.errors import ProgrammeError, ProgrammeInputError
from service.programmes.views import GroupStatus
from web.templating import flash, render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=5000)]


def back(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def page(request: Request, name: str, context: dict[str, Any], code: int = 200) -> Response:
    return render(request, name, {**context, "when": clock.format_time, "GroupStatus": GroupStatus,
                                  "ChallengeStage": ChallengeStage}, status_code=code)  # fmt: skip


# ---- common needs --------------------------------------------------------------------------
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
def common_need_page(request: Request, group_id: RowId, groups: CommonNeedsDep) -> Response:
    group = groups.get(group_id)
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


# ---- challenges ----------------------------------------------------------------------------
@router.get("/challenges", response_class=HTMLResponse)
def challenges_page(request: Request, board: ChallengesDep) -> Response:
    return page(request, "challenges.html", {"challenges": board.list()})


@router.post("/challenges")
def create_challenge(
    request: Request,
    board: ChallengesDep,
    groups: CommonNeedsDep,
    user: AdminUser,
    title: Annotated[str, Form(max_length=200)] = "",
    description: Text = "",
    indicators: Text = "",
    reward_wan: Annotated[str, Form(max_length=20)] = "",
    deadline: Annotated[str, Form(max_length=20)] = "",
    delivery_months: Annotated[str, Form(max_length=10)] = "",
    eligibility: Text = "",
    need_ids: Annotated[str, Form(max_length=2000)] = "",
    common_need_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Publish a 榜单 from the form on a common need's page (or from need ids)."""
    form = {"title": title, "description": description, "indicators": indicators,
            "reward_wan": reward_wan, "deadline": deadline, "delivery_months": delivery_months,
            "eligibility": eligibility, "need_ids": need_ids}  # fmt: skip
    values: dict[str, Any] = {
        "title": title, "description": description, "indicators": lines(indicators),
        "reward_wan": reward_wan or None, "deadline": deadline or None,
        "delivery_months": delivery_months or None, "eligibility": eligibility or None,
        "need_ids": need_ids.replace("，", ",").replace(",", " ").split(),
        "common_need_id": int(common_need_id) if common_need_id.isdigit() else None,
    }  # fmt: skip
    try:
        challenge = board.create(ChallengeIn.model_validate(values), user)
    except ValidationError as exc:
        errors = first_per_field(exc.errors())
    except ProgrammeInputError as exc:
        errors = {exc.field: exc.message}
    else:
        flash(request, "榜单已发布")
        return back(f"/challenges/{challenge.id}")
    if values["common_need_id"] is not None:
        try:
            group = groups.get(values["common_need_id"])
        except ProgrammeError:
            group = None
        if group is not None:
            others = [g for g in groups.list(achievements=0).groups if g.id != group.id]
            context = {"group": group, "others": others, "errors": errors, "form": form}
            return page(request, "common_need.html", context, 422)
    return page(request, "challenges.html", {"challenges": board.list(), "errors": errors,
                                             "form": form}, 422)  # fmt: skip


@router.get("/challenges/{challenge_id}", response_class=HTMLResponse)
def challenge_page(
    request: Request, challenge_id: RowId, board: ChallengesDep, user: CurrentUser
) -> Response:
    return page(request, "challenge.html", _challenge_context(board, challenge_id, user))


def _challenge_context(board: Any, challenge_id: int, user: Any, **extra: Any) -> dict[str, Any]:
    context = {
        "challenge": board.get(challenge_id),
        "applications": board.applications(challenge_id, user),
        "candidates": board.candidates(challenge_id, 8),
        "may_score": board.may_review(challenge_id, user),
        "may_apply": user is not None and user.role in (Role.university, Role.enterprise),
        "today": clock.today(),
        "errors": {},
        "form": {},
    }
    return {**context, **extra}


@router.post("/challenges/{challenge_id}/apply")
def apply(
    request: Request,
    challenge_id: RowId,
    board: ChallengesDep,
    user: Applicant,
    team: Text = "",
    plan: Text = "",
    promised_indicators: Text = "",
    budget_wan: Annotated[str, Form(max_length=20)] = "",
    months: Annotated[str, Form(max_length=10)] = "",
    achievement_ids: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    form = {"team": team, "plan": plan, "promised_indicators": promised_indicators,
            "budget_wan": budget_wan, "months": months,
            "achievement_ids": achievement_ids}  # fmt: skip
    values = {"team": team, "plan": plan, "promised_indicators": lines(promised_indicators),
              "budget_wan": budget_wan or None, "months": months or None,
              "achievement_ids": achievement_ids.replace(",", " ").split()}  # fmt: skip
    try:
        board.apply(challenge_id, ApplicationIn.model_validate(values), user)
    except ValidationError as exc:
        errors = first_per_field(exc.errors())
    except ProgrammeInputError as exc:
        errors = {exc.field: exc.message}
    except ProgrammeError as exc:
        flash(request, str(exc), "error")
        return back(f"/challenges/{challenge_id}")
    else:
        flash(request, "揭榜申请已提交")
        return back(f"/challenges/{challenge_id}")
    context = _challenge_context(board, challenge_id, user, errors=errors, form=form)
    return page(request, "challenge.html", context, 422)


@router.post("/challenges/{challenge_id}/manage")
def manage(
    request: Request,
    challenge_id: RowId,
    board: ChallengesDep,
    user: SignedIn,
    action: Annotated[str, Form(max_length=20)],
    application_id: Annotated[str, Form(max_length=12)] = "",
    score: Annotated[str, Form(max_length=10)] = "",
    reason: Text = "",
    stage: Annotated[str, Form(max_length=20)] = "",
    institution: Annotated[str, Form(max_length=100)] = "",
    username: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Score (admins, appointed brokers); select, advance, invite, appoint (admins)."""
    if action != "score" and user.role is not Role.admin:
        raise ForbiddenError("只有管理员（科技局）可以进行此操作")
    try:
        if action == "score":
            if not application_id.isdigit():
                raise ProgrammeInputError("application_id", "缺少揭榜申请")
            try:
                value = float(score)
            except ValueError:
                raise ProgrammeInputError("score", "请填写0–100的分数") from None
            if not 0 <= value <= 100:
                raise ProgrammeInputError("score", "请填写0–100的分数")
            board.score(int(application_id), value, reason or None, user)
            flash(request, "评分已保存")
        elif action == "select":
            if not reason.strip():
                raise ProgrammeInputError("reason", "请写明选定理由")
            if not application_id.isdigit():
                raise ProgrammeInputError("application_id", "缺少揭榜申请")
            board.select(challenge_id, int(application_id), reason, user)
            flash(request, "已选定揭榜方，榜单进入已立项")
        elif action == "stage":
            if stage not in {s.value for s in ChallengeStage}:
                raise ProgrammeInputError("stage", "未知的阶段")
            board.advance(challenge_id, ChallengeStage(stage), reason or None, user)
            flash(request, f"榜单已进入“{ChallengeStage(stage).label}”")
        elif action == "appoint":
            board.appoint(challenge_id, username, user)
            flash(request, f"已指定经纪人 {username} 评审此榜单")
        elif action == "invite":
            board.invite(challenge_id, institution, user)
            flash(request, f"已邀请{institution}揭榜")
        else:
            raise ProgrammeInputError("action", "未知的操作")
    except ProgrammeInputError as exc:
        flash(request, f"{exc.field}：{exc.message}", "error")
    except ProgrammeError as exc:
        flash(request, str(exc), "error")
    return back(f"/challenges/{challenge_id}")
