"""Helpers of the broker desk tests: accounts, listing owners, API and page clients."""

from __future__ import annotations

import httpx
from sqlalchemy.orm import Session

from service.accounts import Role, User
from service.app import create_app
from service.catalog.models import ListingOwnerRow
from service.engine import Engine
from service.schemas import Kind
from tests.pages import PASSWORD, log_in

NEED = "N2001"
ACHIEVEMENT = "A2003"
OTHER_ACHIEVEMENT = "A2004"


def make_user(engine: Engine, role: Role, name: str | None = None) -> User:
    username = name or f"desk-{role.value}"
    found = engine.accounts.by_username(username)
    return found or engine.accounts.create_user(
        username, PASSWORD, role, f"{role.label}测试单位", display_name=f"{username}显示名"
    )


def own(engine: Engine, user: User, kind: Kind, listing_id: str) -> None:
    """Record ``user`` as the owner of a seed listing (seed listings have none)."""
    with Session(engine.catalog.engine) as session, session.begin():
        session.merge(ListingOwnerRow(kind=kind.value, listing_id=listing_id, user_id=user.id))


def api_client(engine: Engine, user: User | None) -> httpx.AsyncClient:
    """A client of a fresh app, signed in by API token as ``user`` (anonymous when None)."""
    headers = {}
    if user is not None:
        headers["Authorization"] = f"Bearer {engine.accounts.create_token(user.id)}"
    transport = httpx.ASGITransport(app=create_app(engine=engine))
    return httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers)


async def login(client: httpx.AsyncClient, user: User) -> str:
    """Sign in through the login form; returns the signed-in session's CSRF token."""
    return await log_in(client, user.username)
