"""Accounts for brokers and admins: the list, disabling and re-enabling (admins), and one-time
password-reset links (brokers and admins) — the JSON twin of /admin/accounts."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from service.accounts import Role, User
from service.accounts.directory import RESET_HOURS, AccountRow, ResetError
from service.config import Settings
from service.http.auth import AdminUser, BrokerUser
from service.http.deps import AccountsDep, RowId, SettingsDep
from service.http.responses import responses
from service.mail.outbox import RESET_PATH

router = APIRouter(
    prefix="/api/admin", tags=["accounts"], responses=responses(401, 403, 404, 409, 422)
)


class ResetLink(BaseModel):
    username: str
    url: str
    expires_in_hours: int


def reset_url(settings: Settings, token: str) -> str:
    """The link on the configured public address (``TECHMATCH_PUBLIC_URL``), never on the
    request's Host header, which the asker chooses."""
    return settings.site_url + RESET_PATH.format(token=token)


@router.get("/accounts", response_model=list[AccountRow])
def list_accounts(accounts: AccountsDep, user: BrokerUser) -> list[AccountRow]:
    return accounts.list_accounts()


def change_disabled(
    accounts: AccountsDep, user_id: int, disabled: bool, admin: User
) -> dict[str, bool]:
    if user_id == admin.id:
        raise HTTPException(409, "不能停用自己的账号")
    if not accounts.set_disabled(user_id, disabled):
        raise HTTPException(404, f"没有编号为 {user_id} 的账号")
    return {"disabled": disabled}


@router.post("/accounts/{user_id}/disable")
def disable(user_id: RowId, accounts: AccountsDep, user: AdminUser) -> dict[str, bool]:
    return change_disabled(accounts, user_id, True, user)


@router.post("/accounts/{user_id}/enable")
def enable(user_id: RowId, accounts: AccountsDep, user: AdminUser) -> dict[str, bool]:
    return change_disabled(accounts, user_id, False, user)


@router.post("/accounts/{user_id}/reset", response_model=ResetLink)
def issue_reset(
    user_id: RowId, accounts: AccountsDep, settings: SettingsDep, user: BrokerUser
) -> ResetLink:
    target = accounts.get_many([user_id]).get(user_id)
    if target is None:
        raise HTTPException(404, f"没有编号为 {user_id} 的账号")
    if target.sees_everything and user.role is not Role.admin:
        raise HTTPException(403, "经纪人和管理员账号的密码只能由管理员重置")
    try:
        token = accounts.issue_reset(user_id, user.id)
    except ResetError as exc:
        raise HTTPException(404, exc.message) from exc
    username = accounts.reset_username(token)
    return ResetLink(
        username=username, url=reset_url(settings, token), expires_in_hours=RESET_HOURS
    )
