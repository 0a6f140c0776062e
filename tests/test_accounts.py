"""Sign-up, login, sessions, CSRF and API tokens, through the real pages and API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from service.accounts import AuthError, Role
from service.composition import Components
from tests.pages import PASSWORD, account, csrf, page_client, sign_in

pytestmark = pytest.mark.anyio


@pytest.fixture()
async def client(seeded_market: Components) -> AsyncIterator[httpx.AsyncClient]:
    async with page_client(seeded_market) as c:
        yield c


def test_passwords_are_hashed_and_checked(market: Components) -> None:
    user = market.accounts.create_user("qiye01", "long-password", Role.enterprise, "达州某公司")
    with market.catalog.engine.connect() as conn:
        stored = conn.exec_driver_sql("select password_hash from users").scalar_one()
    assert stored.startswith("$argon2id$") and "long-password" not in stored
    assert market.accounts.authenticate("qiye01", "long-password") == user
    with pytest.raises(AuthError):
        market.accounts.authenticate("qiye01", "wrong-password")
    with pytest.raises(AuthError) as bad:
        market.accounts.create_user("qiye01", "long-password", Role.enterprise, "另一家公司")
    assert bad.value.field == "username"
    with pytest.raises(AuthError) as short:
        market.accounts.create_user("qiye02", "short", Role.enterprise, "达州某公司")
    assert short.value.field == "password"


async def test_signup_logs_in_and_logout_ends_the_session(client: httpx.AsyncClient) -> None:
    token = await csrf(client, "/signup")
    form = {
        "role": "enterprise",
        "organisation": "达州示例化工有限公司",
        "username": "dz-chem",
        "display_name": "王工",
        "phone": "138 1234 5678",
        "email": "Wang@Example.com",
        "password": "secret-pass-1",
        "password2": "secret-pass-1",
        "csrf_token": token,
    }
    r = await client.post("/signup", data=form)
    assert r.status_code == 303
    page = await client.get("/account")
    assert page.status_code == 200 and "达州示例化工有限公司" in page.text
    assert "13812345678" in page.text and "wang@example.com" in page.text
    token = await csrf(client, "/account")
    assert (await client.post("/logout", data={"csrf_token": token})).status_code == 303
    assert (await client.get("/account")).status_code == 303  # back to the login page


async def test_signup_errors_name_the_field(client: httpx.AsyncClient) -> None:
    token = await csrf(client, "/signup")
    form = {"role": "broker", "organisation": "x", "username": "a", "password": "1"}
    r = await client.post("/signup", data={**form, "password2": "2", "csrf_token": token})
    assert r.status_code == 400
    assert "经纪人账号由管理员开通" in r.text and "两次输入的密码不一致" in r.text
    assert 'aria-invalid="true"' in r.text
    # every problem at once, the summary first: role, organisation, username, phone, password
    for field in ("role", "organisation", "username", "phone", "password", "password2"):
        assert f'href="#f-{field}"' in r.text, field
    r = await client.post(
        "/signup", data={**form, "phone": "12345", "email": "nobody@", "csrf_token": token}
    )
    assert "手机号码应为 11 位" in r.text and "电子邮箱格式不正确" in r.text


async def test_login_rejects_bad_password_and_keeps_next_local(
    client: httpx.AsyncClient, seeded_market: Components
) -> None:
    account(seeded_market, "uni01", Role.university)
    token = await csrf(client)
    bad = {"username": "uni01", "password": "nope-nope", "csrf_token": token}
    r = await client.post("/login", data=bad)
    assert r.status_code == 400 and "账号或密码不正确" in r.text
    good = {**bad, "password": PASSWORD, "next": "https://evil.example/"}
    r = await client.post("/login", data=good)
    assert r.status_code == 303 and r.headers["location"] == "/mine"


async def test_forms_without_csrf_token_are_refused(
    client: httpx.AsyncClient, seeded_market: Components
) -> None:
    account(seeded_market, "uni02", Role.university)
    r = await client.post("/login", data={"username": "uni02", "password": PASSWORD})
    assert r.status_code == 403 and "CSRF" in r.text
    await sign_in(client, seeded_market, "uni02", Role.university)
    r = await client.post("/account/tokens", data={"name": "x", "csrf_token": "forged"})
    assert r.status_code == 403
    r = await client.post("/logout")
    assert r.status_code == 403


async def test_api_tokens_from_the_account_page(
    client: httpx.AsyncClient, seeded_market: Components
) -> None:
    token = await sign_in(client, seeded_market, "qiye03", Role.enterprise)
    r = await client.post("/account/tokens", data={"name": "同步脚本", "csrf_token": token})
    assert r.status_code == 200
    api_token = r.text.split('id="new-token">')[1].split("<")[0]
    async with page_client(seeded_market) as script:
        headers = {"Authorization": f"Bearer {api_token}"}
        me = await script.get("/api/me", headers=headers)
        assert me.status_code == 200 and me.json()["role"] == "enterprise"
        tokens = (await script.get("/api/me/tokens", headers=headers)).json()
        assert [t["name"] for t in tokens] == ["同步脚本"]
        gone = await script.delete(f"/api/me/tokens/{tokens[0]['id']}", headers=headers)
        assert gone.status_code == 204
        assert (await script.get("/api/me", headers=headers)).status_code == 401


async def test_api_session_writes_need_the_csrf_header(
    client: httpx.AsyncClient, seeded_market: Components
) -> None:
    token = await sign_in(client, seeded_market, "qiye04", Role.enterprise)
    r = await client.post("/api/me/tokens", json={"name": "x"})
    assert r.status_code == 403
    r = await client.post("/api/me/tokens", json={"name": "x"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 201
