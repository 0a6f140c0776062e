"""Helpers of the broker desk tests: accounts, listing owners, API and page clients."""

from __future__ import annotations

import httpx
from sqlalchemy.orm import Session

from service.accounts import Role, User
from service.app import create_app
from service.catalog.models import ListingOwnerRow
from service.composition import Components
from service.listings.schemas import Kind
from tests.pages import PASSWORD, log_in
from tests.support.app_client import AppClient

NEED = "N2001"
ACHIEVEMENT = "A2003"
OTHER_ACHIEVEMENT = "A2004"


def make_user(market: Components, role: Role, name: str | None = None) -> User:
    """An account of its own organisation (accounts sharing an organisation's name would wait
    for a broker to confirm them: ``service/accounts/organisations.py``)."""
    username = name or f"desk-{role.value}"
    found = market.accounts.by_username(username)
    organisation = f"{role.label}测试单位" + (f"（{name}）" if name else "")
    return found or market.accounts.create_user(
        username, PASSWORD, role, organisation, display_name=f"{username}显示名"
    )


def own(market: Components, user: User, kind: Kind, listing_id: str) -> None:
    """Record ``user`` as the owner of a seed listing (seed listings have none)."""
    with Session(market.catalog.engine) as session, session.begin():
        session.merge(ListingOwnerRow(kind=kind.value, listing_id=listing_id, user_id=user.id))


def api_client(market: Components, user: User | None) -> AppClient:
    """A client of a fresh app, signed in by API token as ``user`` (anonymous when None)."""
    headers = {}
    if user is not None:
        headers["Authorization"] = f"Bearer {market.accounts.create_token(user.id)}"
    return AppClient(create_app(parts=market), headers=headers)


async def login(client: httpx.AsyncClient, user: User) -> str:
    """Sign in through the login form; returns the signed-in session's CSRF token."""
    return await log_in(client, user.username)
