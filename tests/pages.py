"""Helpers for page tests: an in-process client, signing in through the real login form."""

from __future__ import annotations

import re

import httpx

from service.accounts import Role, User
from service.app import create_app
from service.composition import Components
from tests.support.app_client import AppClient

PASSWORD = "password-123"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def page_client(market: Components) -> AppClient:
    """A cookie-keeping client of a fresh app (no token: it browses like a person)."""
    return AppClient(create_app(parts=market))


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


async def csrf(client: httpx.AsyncClient, path: str = "/login") -> str:
    """The session's CSRF token, read from a page's form like a browser would."""
    return csrf_of((await client.get(path)).text)


def account(market: Components, username: str, role: Role, org: str = "测试单位") -> User:
    found = market.accounts.by_username(username)
    return found or market.accounts.create_user(username, PASSWORD, role, org)


async def log_in(client: httpx.AsyncClient, username: str) -> str:
    """Sign in through the login form; returns the signed-in session's CSRF token."""
    token = await csrf(client)
    r = await client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert r.status_code == 303, r.text
    return await csrf(client, "/account")


async def sign_in(
    client: httpx.AsyncClient, market: Components, username: str, role: Role, org: str = "测试单位"
) -> str:
    """Make (if needed) and sign in an account through /login; returns the new CSRF token."""
    account(market, username, role, org)
    return await log_in(client, username)
