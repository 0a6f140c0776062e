"""/forgot (忘记密码): ask for a one-time reset link by e-mail when SMTP is configured; the
answer never says whether the account exists. Without SMTP: ask a broker or an admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from service.api.password import (
    ACCOUNT_MAX,
    NO_MAIL,
    TooManyRequestsError,
    ask_for_reset,
    client_address,
)
from service.http.deps import PasswordMailDep, ThrottleDep
from service.mail.outbox import RESET_MAIL_HOURS
from web.templating import flash, render

router = APIRouter(include_in_schema=False)
LABELS = {"account": "用户名、手机号码或电子邮箱"}


def _page(
    request: Request, mail: PasswordMailDep, errors: dict[str, str], value: str = "",
    status_code: int = 200,
) -> Response:  # fmt: skip
    context = {
        "by_email": mail.enabled, "no_mail": NO_MAIL, "hours": RESET_MAIL_HOURS,
        "errors": errors, "labels": LABELS, "value": value,
    }  # fmt: skip
    return render(request, "forgot.html", context, status_code=status_code)


@router.get("/forgot")
def forgot_form(request: Request, mail: PasswordMailDep) -> Response:
    return _page(request, mail, {})


@router.post("/forgot")
def forgot(
    request: Request,
    mail: PasswordMailDep,
    throttle: ThrottleDep,
    account: Annotated[str, Form(max_length=ACCOUNT_MAX)] = "",
) -> Response:
    if mail.enabled and not account.strip():
        return _page(request, mail, {"account": "请填写用户名、手机号码或电子邮箱"}, "", 400)
    try:
        message = ask_for_reset(mail, throttle, client_address(request), account)
    except TooManyRequestsError as exc:
        return _page(request, mail, {"account": str(exc.detail)}, account, 429)
    if message != NO_MAIL:  # without e-mail the page itself says what to do
        flash(request, message)
    return RedirectResponse("/forgot", 303)
