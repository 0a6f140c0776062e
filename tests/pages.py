"""Helpers for page tests: an in-process client, signing in through the real login form."""

from __future__ import annotations

import re

import httpx

from service.accounts import Role, User
from service.app import create_app
from service.engine import Engine

PASSWORD = "password-123"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def page_client(engine: Engine) -> httpx.AsyncClient:
    """A cookie-keeping client of a fresh app (no token: it browses like a person)."""
    transport = httpx.ASGITransport(app=create_app(engine=engine))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


async def csrf(client: httpx.AsyncClient, path: str = "/login") -> str:
    """The session's CSRF token, read from a page's form like a browser would."""
    return csrf_of((await client.get(path)).text)


def account(engine: Engine, username: str, role: Role, org: str = "测试单位") -> User:
    found = engine.accounts.by_username(username)
    return found or engine.accounts.create_user(username, PASSWORD, role, org)


async def log_in(client: httpx.AsyncClient, username: str) -> str:
    """Sign in through the login form; returns the signed-in session's CSRF token."""
    token = await csrf(client)
    r = await client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert r.status_code == 303, r.text
    return await csrf(client, "/account")


async def sign_in(
    client: httpx.AsyncClient, engine: Engine, username: str, role: Role, org: str = "测试单位"
) -> str:
    """Make (if needed) and sign in an account through /login; returns the new CSRF token."""
    account(engine, username, role, org)
    return await log_in(client, username)
