"""Resets and limits (#22 items 5 and 6): a password reset signs out every session and revokes
every API token; a disabled account's link cannot be redeemed; a reset link is built on the
configured public address, never the request's Host header; X-Forwarded-For is believed only
from the configured proxies."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from service.accounts import Role
from service.accounts.directory import ResetError
from service.app import create_app
from service.composition import Components
from service.http.client_address import forwarded_client, trusted_networks
from tests.desk_support import api_client, make_user
from tests.pages import PASSWORD, csrf, log_in, page_client
from tests.support.app_client import AppClient

pytestmark = pytest.mark.anyio


async def test_a_reset_signs_out_every_session_and_revokes_every_token(
    market: Components,
) -> None:
    victim = make_user(market, Role.enterprise, "victim")
    token = market.accounts.create_token(victim.id, "intruder's script")
    broker = make_user(market, Role.broker)
    async with page_client(market) as intruder:
        await log_in(intruder, victim.username)
        assert (await intruder.get("/api/me")).status_code == 200
        async with AppClient(
            create_app(parts=market),
            headers={"Authorization": f"Bearer {market.accounts.create_token(broker.id)}",
                     "Host": "evil.example"},
        ) as desk:  # fmt: skip
            r = await desk.post(f"/api/admin/accounts/{victim.id}/reset")
            assert r.status_code == 200
            link = r.json()["url"]
        assert link.startswith(market.settings.site_url + "/reset/") and "evil" not in link
        path = "/reset/" + link.split("/reset/", 1)[1]
        async with page_client(market) as owner:
            form = {"password": "new-pass-123", "password2": "new-pass-123"}
            form["csrf_token"] = await csrf(owner, path)
            assert (await owner.post(path, data=form)).status_code == 303
        assert (await intruder.get("/api/me")).status_code == 401  # the old session is over
    async with api_client(market, None) as client:
        r = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401
    assert market.accounts.authenticate(victim.username, "new-pass-123").id == victim.id


async def test_a_disabled_accounts_link_cannot_be_redeemed(market: Components) -> None:
    person = make_user(market, Role.university, "soon-disabled")
    token = market.accounts.issue_reset(person.id, None)
    market.accounts.set_disabled(person.id, True)
    with pytest.raises(ResetError):
        market.accounts.redeem_reset(token, "another-pass-1")
    async with page_client(market) as client:
        assert (await client.get(f"/reset/{token}")).status_code == 404
    market.accounts.set_disabled(person.id, False)
    assert market.accounts.redeem_reset(token, "another-pass-1") == person.username


async def test_a_forged_forwarded_for_does_not_reset_the_sign_in_limit(
    market: Components,
) -> None:
    make_user(market, Role.enterprise, "guessed")
    async with page_client(market) as client:
        answers = []
        for i in range(12):
            form = {"username": "guessed", "password": "wrong", "csrf_token": await csrf(client)}
            headers = {"X-Forwarded-For": f"203.0.113.{i}"}
            answers.append((await client.post("/login", data=form, headers=headers)).status_code)
    assert answers[:10] == [400] * 10 and answers[10:] == [429, 429]
    form = {"username": "guessed", "password": PASSWORD}
    async with page_client(market) as client:  # the same peer: still refused
        form["csrf_token"] = await csrf(client)
        r = await client.post("/login", data=form, headers={"X-Forwarded-For": "198.51.100.7"})
        assert r.status_code == 429


def test_forwarded_for_is_read_only_from_trusted_proxies() -> None:
    proxies = trusted_networks("127.0.0.1, 10.0.0.0/8")
    assert proxies == (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"))
    assert forwarded_client("127.0.0.1", "203.0.113.9", ()) == "127.0.0.1"  # none configured
    assert forwarded_client("198.51.100.1", "203.0.113.9", proxies) == "198.51.100.1"
    assert forwarded_client("127.0.0.1", "203.0.113.9", proxies) == "203.0.113.9"
    # a client's own header comes first; the proxies append what they saw on the right
    assert forwarded_client("127.0.0.1", "1.2.3.4, 203.0.113.9, 10.1.2.3", proxies) == "203.0.113.9"


def test_a_bad_proxy_setting_is_refused_at_start() -> None:
    from pydantic import ValidationError

    from service.config import Settings

    with pytest.raises(ValidationError, match="not an address"):
        Settings(trusted_proxies="127.0.0.1, proxy.example")


def test_serve_tells_uvicorn_to_believe_no_forwarded_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn believes X-Forwarded-For from 127.0.0.1 unless told not to; the app reads it
    itself, from the configured proxies only."""
    import uvicorn
    from typer.testing import CliRunner

    from service.cli import app as cli
    from service.config import get_settings

    monkeypatch.setenv("TECHMATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TECHMATCH_EMBEDDING_MODEL", "")
    get_settings.cache_clear()
    ran: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: ran.update(kwargs))
    try:
        result = CliRunner().invoke(cli, ["serve", "--workers", "1"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert ran["proxy_headers"] is False
