"""Sign-up, login, logout and the account page with its API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from service.accounts import Accounts, AuthError, Role
from service.accounts.contact import account_problems, clean_email, clean_phone
from service.accounts.roles import SIGNUP_ROLES
from service.accounts.throttle import LOGIN_MESSAGE
from service.http.auth import SignedIn
from service.http.client_address import client_address
from service.http.deps import AccountsDep, RowId, ThrottleDep
from web.templating import flash, render

router = APIRouter(include_in_schema=False)
ROLE_OPTIONS = [(role.value, role.label) for role in SIGNUP_ROLES]
SIGNUP_LABELS = {
    "role": "账号类型",
    "organisation": "单位名称",
    "username": "用户名",
    "display_name": "联系人姓名",
    "phone": "手机号码",
    "email": "电子邮箱",
    "password": "密码",
    "password2": "确认密码",
}


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: never redirect a visitor to another site after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def start_session(request: Request, accounts: Accounts, user_id: int) -> None:
    """A fresh session (new CSRF token) for a signed-in account: no session fixation. It keeps
    a stamp of the password it began under: after a reset it is signed out."""
    request.session.clear()
    request.session["uid"] = user_id
    request.session["pw"] = accounts.session_stamp(user_id)


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    context = {"next": safe_next(next, ""), "errors": {}, "values": {}}
    return render(request, "login.html", context)


@router.post("/login")
def login(
    request: Request,
    accounts: AccountsDep,
    throttle: ThrottleDep,
    username: Annotated[str, Form(max_length=120)] = "",  # or the phone or e-mail address
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Failed sign-ins are counted per address (and name); past the limit none is tried."""
    address = client_address(request)
    context = {"next": safe_next(next, ""), "values": {"username": username}}
    if not throttle.login_allowed(address, username):
        context["errors"] = {"password": LOGIN_MESSAGE}
        return render(request, "login.html", context, status_code=429)
    try:
        user = accounts.authenticate(username, password)
    except AuthError as exc:
        throttle.login_failed(address, username)
        context["errors"] = {exc.field: exc.message}
        return render(request, "login.html", context, status_code=400)
    start_session(request, accounts, user.id)
    flash(request, f"欢迎回来，{user.display_name}")
    return RedirectResponse(safe_next(next, "/mine" if user.role.posts else "/desk"), 303)


@router.get("/signup")
def signup_form(request: Request) -> Response:
    context = {"roles": ROLE_OPTIONS, "errors": {}, "values": {}, "labels": SIGNUP_LABELS}
    return render(request, "signup.html", context)


@router.post("/signup")
def signup(
    request: Request,
    accounts: AccountsDep,
    username: Annotated[str, Form(max_length=60)] = "",
    display_name: Annotated[str, Form(max_length=60)] = "",
    organisation: Annotated[str, Form(max_length=120)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    password2: Annotated[str, Form(max_length=200)] = "",
    phone: Annotated[str, Form(max_length=30)] = "",
    email: Annotated[str, Form(max_length=160)] = "",
) -> Response:
    """Every problem of the form is shown at once, in the order of the fields."""
    values = {
        "username": username,
        "display_name": display_name,
        "organisation": organisation,
        "role": role,
        "phone": phone,
        "email": email,
    }
    found: dict[str, str] = {}
    if role not in {r.value for r in SIGNUP_ROLES}:
        found["role"] = "请选择账号类型：企业或高校/科研院所（经纪人账号由管理员开通）"
    found |= account_problems(
        username.strip(), password, organisation,
        phone=clean_phone(phone), email=clean_email(email), check_contact=True,
    )  # fmt: skip
    if password != password2:
        found["password2"] = "两次输入的密码不一致"
    if not found:
        try:
            user = accounts.create_user(
                username, password, Role(role), organisation, display_name or None,
                phone=phone, email=email, require_contact=True,
            )  # fmt: skip
        except AuthError as exc:
            found[exc.field] = exc.message
    if found:
        errors = {name: found[name] for name in SIGNUP_LABELS if name in found}
        context = {"roles": ROLE_OPTIONS, "errors": errors, "values": values}
        context["labels"] = SIGNUP_LABELS
        return render(request, "signup.html", context, status_code=400)
    start_session(request, accounts, user.id)
    flash(request, f"注册成功，欢迎 {user.display_name}（{user.organisation}）")
    return RedirectResponse("/mine", 303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    flash(request, "已退出登录")
    return RedirectResponse("/", 303)


@router.get("/account")
def account(request: Request, accounts: AccountsDep, user: SignedIn) -> Response:
    tokens = accounts.tokens(user.id)
    return render(request, "account.html", {"tokens": tokens, "new_token": None})


@router.post("/account/name")
def rename(
    request: Request,
    accounts: AccountsDep,
    user: SignedIn,
    display_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The name shown for the account: in the menu, on notes, reviews and the audit trail."""
    try:
        renamed = accounts.rename(user.id, display_name)
    except AuthError as exc:
        context = {
            "tokens": accounts.tokens(user.id), "new_token": None,
            "errors": {exc.field: exc.message}, "typed_name": display_name,
        }  # fmt: skip
        return render(request, "account.html", context, status_code=400)
    flash(request, f"姓名已改为“{renamed.display_name}”")
    return RedirectResponse("/account", 303)


@router.post("/account/tokens")
def create_token(
    request: Request,
    accounts: AccountsDep,
    user: SignedIn,
    name: Annotated[str, Form(max_length=60)] = "api",
) -> Response:
    token = accounts.create_token(user.id, name)
    tokens = accounts.tokens(user.id)
    return render(request, "account.html", {"tokens": tokens, "new_token": token})


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: RowId, accounts: AccountsDep, user: SignedIn
) -> Response:
    if accounts.revoke_token(user.id, token_id):
        flash(request, "令牌已作废")
    else:
        flash(request, "没有找到该令牌", "error")
    return RedirectResponse("/account", 303)
