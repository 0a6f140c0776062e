"""Forgotten passwords — the JSON twin of /forgot. With SMTP configured, a one-time reset link
goes to the e-mail address of the account named (username, e-mail or phone); the answer is the
same whether or not there is such an account. Without SMTP it says to ask a broker or admin."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from service.accounts.throttle import RESET_MESSAGE, Throttle
from service.http.client_address import client_address
from service.http.deps import PasswordMailDep, ThrottleDep
from service.http.responses import responses
from service.mail.outbox import RESET_MAIL_HOURS, PasswordMail
from service.requests import RequestModel

router = APIRouter(prefix="/api", tags=["accounts"], responses=responses(400, 403, 413, 422, 429))
ACCOUNT_MAX = 160
SENT = (
    f"如果该账号存在并登记了电子邮箱，重置密码的链接已发送到该邮箱，{RESET_MAIL_HOURS} 小时内"
    "有效、只能使用一次。没有收到？请查看垃圾邮件，或联系技术经纪人、市场管理员。"
)
NO_MAIL = (
    "本站未开通邮件发送。请联系技术经纪人或市场管理员，由他们为您的账号生成一次性的重置密码链接。"
)


class ResetRequestIn(RequestModel):
    account: str = Field(
        min_length=1, max_length=ACCOUNT_MAX, description="username, e-mail address or phone"
    )


class ResetRequestOut(BaseModel):
    detail: str
    by_email: bool = Field(description="false: e-mail is off here, ask a broker or an admin")


class TooManyRequestsError(HTTPException):
    def __init__(self) -> None:
        super().__init__(429, RESET_MESSAGE, headers={"Retry-After": "900"})


def ask_for_reset(mail: PasswordMail, throttle: Throttle, address: str, typed: str) -> str:
    """Queue the reset mail (when e-mail is on) and say what happens next; raises
    TooManyRequestsError past the limit."""
    if not mail.enabled:
        return NO_MAIL
    if not throttle.reset_allowed(address):
        raise TooManyRequestsError()
    mail.request(typed)
    return SENT


@router.post("/password-reset", response_model=ResetRequestOut)
def request_reset(
    request: Request, body: ResetRequestIn, mail: PasswordMailDep, throttle: ThrottleDep
) -> ResetRequestOut:
    """Ask for a password-reset link by e-mail (no account needed)."""
    detail = ask_for_reset(mail, throttle, client_address(request), body.account)
    return ResetRequestOut(detail=detail, by_email=mail.enabled)
