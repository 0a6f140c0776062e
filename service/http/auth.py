"""Who is asking: the session cookie or an API token, the role checks, and CSRF.

Pages sign in with a session held in a signed cookie (Starlette's SessionMiddleware, signed
by itsdangerous). Scripts send ``Authorization: Bearer <token>``. A request that changes
something and rides on the session cookie must carry the session's CSRF token, as the
``csrf_token`` form field or the ``X-CSRF-Token`` header; bearer requests need none, since
a browser never attaches them on its own.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from service.accounts import Accounts, Role, User
from service.errors import Forbidden
from service.http.deps import part
from service.listings.schemas import Kind

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class NotSignedInError(Exception):
    """The route needs an account and the request has none."""


class ForbiddenError(Forbidden):
    """Signed in, but this account may not do this."""


class CsrfError(Forbidden):
    """A cookie-authenticated write without the session's CSRF token."""


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_user(request: Request) -> User | None:
    """The account behind the request, or None; looked up once per request."""
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    accounts = part(request, Accounts)
    token = bearer_token(request)
    user: User | None = None
    if token is not None:
        user = accounts.user_for_token(token)
        if user is None:
            request.state.user = None
            raise NotSignedInError("the API token is unknown or revoked")
        request.state.via_token = True
    elif "session" in request.scope:
        uid = request.session.get("uid")
        stamp = request.session.get("pw")
        user = accounts.for_session(uid, stamp) if isinstance(uid, int) else None
        if uid is not None and user is None:
            request.session.clear()
    request.state.user = user
    return user


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe, cookie-borne request whose CSRF token is missing or wrong."""
    if request.method not in UNSAFE_METHODS or bearer_token(request) is not None:
        return
    session = request.session if "session" in request.scope else {}
    if request.url.path.startswith("/api/") and "uid" not in session:
        return  # no ambient credentials to abuse; the route's own sign-in check answers 401
    expected = session.get(CSRF_FIELD)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise CsrfError("表单已过期或缺少安全令牌（CSRF），请刷新页面后重试")


CurrentUser = Annotated[User | None, Depends(current_user)]


def require_user(user: CurrentUser) -> User:
    if user is None:
        raise NotSignedInError("sign in first, or send Authorization: Bearer <token>")
    return user


SignedIn = Annotated[User, Depends(require_user)]


def require_roles(*roles: Role) -> Callable[..., Any]:
    """A dependency admitting only these roles (admins are always admitted)."""
    allowed = frozenset(roles) | {Role.admin}

    def check(user: SignedIn) -> User:
        if user.role not in allowed:
            names = "、".join(r.label for r in roles)
            raise ForbiddenError(f"只有{names}可以进行此操作（当前账号：{user.role.label}）")
        return user

    return check


BrokerUser = Annotated[User, Depends(require_roles(Role.broker))]
AdminUser = Annotated[User, Depends(require_roles(Role.admin))]
Applicant = Annotated[User, Depends(require_roles(Role.university, Role.enterprise))]


def require_poster(user: User, kind: Kind) -> None:
    """Enterprises post needs, universities achievements; brokers and admins either."""
    if user.sees_everything or user.role.posts is kind:
        return
    raise ForbiddenError(f"{user.role.label}账号不能发布{kind.label}")


def require_editor(accounts: Accounts, user: User, kind: Kind, listing_id: str) -> None:
    """Only the account that posted a listing (or a broker or admin) may change it."""
    if not accounts.may_edit(user, kind, listing_id):
        raise ForbiddenError(f"只能修改本账号发布的{kind.label}")
