"""/admin/accounts: brokers and admins list accounts and hand out one-time password-reset
links; admins disable and re-enable accounts. /reset/{token}: setting the new password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from service.accounts import Role
from service.accounts.directory import RESET_HOURS, ResetError
from service.accounts.organisations import OrganisationError, Standing
from service.api import accounts_admin as api
from service.http.auth import BrokerUser, require_roles
from service.http.deps import AccountsDep, RowId, SettingsDep
from web.templating import flash, render

router = APIRouter(include_in_schema=False)


def _list_page(
    request: Request, accounts: AccountsDep, link: api.ResetLink | None = None
) -> Response:
    context = {"accounts": accounts.list_accounts(), "link": link, "hours": RESET_HOURS}
    return render(request, "admin_accounts.html", context)


@router.get("/admin/accounts")
def accounts_page(request: Request, accounts: AccountsDep, user: BrokerUser) -> Response:
    return _list_page(request, accounts)


@router.post("/admin/accounts/{user_id}/reset")
def reset_link(
    request: Request,
    user_id: RowId,
    accounts: AccountsDep,
    settings: SettingsDep,
    user: BrokerUser,
) -> Response:
    try:
        link = api.issue_reset(user_id, accounts, settings, user)
    except HTTPException as exc:
        flash(request, str(exc.detail), "error")
        return RedirectResponse("/admin/accounts", 303)
    return _list_page(request, accounts, link)


@router.post("/admin/accounts/{user_id}/standing")
def set_standing(
    request: Request,
    user_id: int,
    accounts: AccountsDep,
    user: BrokerUser,
    standing: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Confirm an account's claim to its organisation, or reject it."""
    if standing not in (Standing.confirmed, Standing.rejected):
        raise HTTPException(404)
    try:
        accounts.organisations.decide(user_id, Standing(standing), user.id)
    except OrganisationError as exc:
        flash(request, exc.message, "error")
    else:
        flash(
            request,
            "已确认该账号代表其单位" if standing == "confirmed" else "已驳回该账号的单位归属",
        )
    return RedirectResponse("/admin/accounts", 303)


@router.post("/admin/organisations/{organisation_id}/verify")
def verify_organisation(
    request: Request,
    organisation_id: int,
    accounts: AccountsDep,
    user: BrokerUser,
    verified: Annotated[bool, Form()] = True,
) -> Response:
    """Mark an organisation verified (a broker or admin checked it), or take it back."""
    try:
        found = accounts.organisations.verify(organisation_id, verified, user.id)
    except OrganisationError as exc:
        flash(request, exc.message, "error")
    else:
        flash(
            request, f"已核实单位「{found.name}」" if verified else f"已撤销「{found.name}」的核实"
        )
    return RedirectResponse("/admin/accounts", 303)


@router.post("/admin/accounts/{user_id}/{action}")
def set_disabled(
    request: Request, user_id: RowId, action: str, accounts: AccountsDep, user: BrokerUser
) -> Response:
    if action not in ("disable", "enable"):
        raise HTTPException(404)
    admin = require_roles(Role.admin)(user)
    try:
        api.change_disabled(accounts, user_id, action == "disable", admin)
    except HTTPException as exc:
        flash(request, str(exc.detail), "error")
    else:
        flash(request, "账号已停用" if action == "disable" else "账号已恢复")
    return RedirectResponse("/admin/accounts", 303)


@router.get("/reset/{token}", name="reset_form")
def reset_form(request: Request, token: str, accounts: AccountsDep) -> Response:
    try:
        username = accounts.reset_username(token)
    except ResetError as exc:
        return render(request, "reset.html", {"invalid": exc.message}, status_code=404)
    return render(request, "reset.html", {"username": username, "errors": {}, "invalid": None})


@router.post("/reset/{token}")
def reset_submit(
    request: Request,
    token: str,
    accounts: AccountsDep,
    password: Annotated[str, Form(max_length=200)] = "",
    password2: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    errors: dict[str, str] = {}
    try:
        username = accounts.reset_username(token)
    except ResetError as exc:
        return render(request, "reset.html", {"invalid": exc.message}, status_code=404)
    if password != password2:
        errors["password2"] = "两次输入的密码不一致"
    if not errors:
        try:
            accounts.redeem_reset(token, password)
        except ResetError as exc:
            errors[exc.field] = exc.message
    if errors:
        context = {"username": username, "errors": errors, "invalid": None}
        return render(request, "reset.html", context, status_code=400)
    flash(request, "密码已重置，请用新密码登录")
    return RedirectResponse("/login", 303)
