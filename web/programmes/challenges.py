"""Pages of 揭榜挂帅 (/challenges): the list, one challenge, 揭榜 and the admins' management.

JSON twin: /api/challenges. Forms post back here; bad input is shown inline on the form
(challenge and application) or as a message naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.responses import Response

from service import clock
from service.accounts import Role
from service.error_messages import first_per_field
from service.http.auth import AdminUser, Applicant, CurrentUser, ForbiddenError, SignedIn
from service.http.deps import RowId
from service.programmes.challenges.api import ChallengesDep
from service.programmes.challenges.views import STAGES, ApplicationIn, ChallengeIn, ChallengeStage
from service.programmes.common_needs.api import CommonNeedsDep
from service.programmes.errors import ProgrammeError, ProgrammeInputError
from service.requests import FORM
from web.programmes.common import Text, back, lines, page
from web.templating import flash

router = APIRouter(include_in_schema=False)


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
        challenge = board.create(ChallengeIn.model_validate(values, context=FORM), user)
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


def next_stages(current: ChallengeStage, selected: bool) -> list[ChallengeStage]:
    """The stages an admin may move a challenge to, the next one first: 已立项 is entered by
    selecting an applicant, and 验收 only follows a selection."""
    later = STAGES[STAGES.index(current) + 1 :]
    closed = {ChallengeStage.selected} | (set() if selected else {ChallengeStage.accepted})
    return [s for s in later if s not in closed]


def _brokers(board: Any) -> list[tuple[str, str]]:
    """(username, shown name) of the enabled brokers an admin may appoint as reviewers."""
    return [
        (a.username, f"{a.display_name}（{a.username}）")
        for a in board.accounts.list_accounts()
        if a.role is Role.broker and not a.disabled
    ]


def _challenge_context(board: Any, challenge_id: int, user: Any, **extra: Any) -> dict[str, Any]:
    challenge = board.get(challenge_id)
    context = {
        "challenge": challenge,
        "next_stages": next_stages(challenge.stage, challenge.result is not None),
        "applications": board.applications(challenge_id, user),
        "candidates": board.candidates(challenge_id, 8),
        "may_score": board.may_review(challenge_id, user),
        "may_apply": user is not None and user.role in (Role.university, Role.enterprise),
        "brokers": _brokers(board) if user is not None and user.role is Role.admin else [],
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
        board.apply(challenge_id, ApplicationIn.model_validate(values, context=FORM), user)
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
            found = board.accounts.by_username(username)
            flash(request, f"已指定经纪人 {found.display_name if found else username} 评审此榜单")
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
