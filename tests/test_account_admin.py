"""Accounts (#14): the admin's account list, disabling, one-time reset links, and the phone
and e-mail given at sign-up used as a listing's fallback contact."""

from __future__ import annotations

import re

import pytest

from service.accounts import Role
from service.accounts.directory import ResetError
from service.composition import Components
from service.desk.stages import Stage
from service.listings.schemas import Kind
from tests.desk_support import ACHIEVEMENT, NEED, login, make_user, own
from tests.pages import PASSWORD, csrf, log_in, page_client

pytestmark = pytest.mark.anyio


def _enterprise(market: Components) -> int:
    user = market.accounts.create_user(
        "qiye-zhang", PASSWORD, Role.enterprise, "达州示例天然气化工有限公司", "张工",
        phone="13900002222", email="zhang@example.com", require_contact=True,
    )  # fmt: skip
    return user.id


async def test_admin_disables_and_enables_an_account(seeded_market: Components) -> None:
    uid = _enterprise(seeded_market)
    admin = make_user(seeded_market, Role.admin)
    async with page_client(seeded_market) as client:
        token = await login(client, admin)
        page = await client.get("/admin/accounts")
        assert page.status_code == 200 and "qiye-zhang" in page.text and "13900002222" in page.text
        r = await client.post(f"/admin/accounts/{uid}/disable", data={"csrf_token": token})
        assert r.status_code == 303
        assert "已停用" in (await client.get("/admin/accounts")).text
    async with page_client(seeded_market) as other:
        form = {"username": "qiye-zhang", "password": PASSWORD, "csrf_token": await csrf(other)}
        refused = await other.post("/login", data=form)
        assert refused.status_code == 400 and "已被管理员停用" in refused.text
    seeded_market.accounts.set_disabled(uid, False)
    async with page_client(seeded_market) as other:
        await log_in(other, "qiye-zhang")


async def test_a_broker_may_not_disable_but_may_issue_a_reset_link(
    seeded_market: Components,
) -> None:
    uid = _enterprise(seeded_market)
    broker = make_user(seeded_market, Role.broker)
    async with page_client(seeded_market) as client:
        token = await login(client, broker)
        r = await client.post(f"/admin/accounts/{uid}/disable", data={"csrf_token": token})
        assert r.status_code == 403
        page = await client.post(f"/admin/accounts/{uid}/reset", data={"csrf_token": token})
        site = re.escape(seeded_market.settings.site_url)
        link = re.search(site + r"(/reset/[A-Za-z0-9_-]+)", page.text)
        assert link, page.text
        admin = make_user(seeded_market, Role.admin)
        r = await client.post(f"/admin/accounts/{admin.id}/reset", data={"csrf_token": token})
        assert r.status_code == 303  # refused with a message: brokers reset only members
    async with page_client(seeded_market) as person:
        form = (await person.get(link.group(1))).text
        assert "qiye-zhang" in form
        token = await csrf(person, link.group(1))
        short = await person.post(
            link.group(1), data={"password": "x", "password2": "y", "csrf_token": token}
        )
        assert short.status_code == 400 and "两次输入的密码不一致" in short.text
        data = {"password": "brand-new-pass", "password2": "brand-new-pass", "csrf_token": token}
        done = await person.post(link.group(1), data=data)
        assert done.status_code == 303 and done.headers["location"] == "/login"
        again = await person.get(link.group(1))
        assert again.status_code == 404 and "已使用" in again.text
    assert seeded_market.accounts.authenticate("qiye-zhang", "brand-new-pass").id == uid


def test_reset_links_expire_and_are_single_use(market: Components) -> None:
    user = market.accounts.create_user("dx-lab", PASSWORD, Role.university, "示例大学")
    first = market.accounts.issue_reset(user.id, None)
    second = market.accounts.issue_reset(user.id, None)
    with pytest.raises(ResetError):
        market.accounts.reset_username(first)  # superseded by the newer link
    with pytest.raises(ResetError):
        market.accounts.redeem_reset(second, "short")
    assert market.accounts.redeem_reset(second, "long-enough-1") == "dx-lab"


async def test_api_twin_lists_accounts(seeded_market: Components) -> None:
    from tests.desk_support import api_client

    _enterprise(seeded_market)
    admin = make_user(seeded_market, Role.admin)
    async with api_client(seeded_market, admin) as client:
        listed = (await client.get("/api/admin/accounts")).json()
        row = next(a for a in listed if a["username"] == "qiye-zhang")
        assert row["phone"] == "13900002222" and row["disabled"] is False
        r = await client.post(f"/api/admin/accounts/{row['id']}/disable")
        assert r.json() == {"disabled": True}
        assert (await client.post(f"/api/admin/accounts/{admin.id}/disable")).status_code == 409


async def test_sign_up_contact_is_the_fallback_and_the_broker_sees_both_sides(
    seeded_market: Components,
) -> None:
    uid = _enterprise(seeded_market)
    owner = seeded_market.accounts.get(uid)
    assert owner is not None
    own(seeded_market, owner, Kind.need, NEED)
    need = seeded_market.catalog.get(Kind.need, NEED)
    seeded_market.listings.update(Kind.need, NEED, {"contact": None}, owner)
    broker = make_user(seeded_market, Role.broker)
    match = seeded_market.desk.recommend(NEED, ACHIEVEMENT, broker)
    for stage in (Stage.contacted, Stage.negotiating, Stage.signed):
        seeded_market.desk.move(match.id, stage, broker)
    async with page_client(seeded_market) as client:
        await login(client, owner)
        own_page = (await client.get(f"/needs/{NEED}")).text
        assert "13900002222" in own_page and "未填写" not in own_page.split("联系方式")[1][:80]
    async with page_client(seeded_market) as client:
        await login(client, broker)
        detail = (await client.get(f"/desk/matches/{match.id}")).text
        assert detail.count('class="contact"') == 2 and "13900002222" in detail
        modes = {m.value for m in need.cooperation_modes}
        chosen = re.search(
            r'<option value="(\w+)" selected>[^<]*</option>',
            detail.split('name="contract_type"')[1],
        )
        assert chosen is not None
        expected = {"transfer": "transfer", "equity": "transfer", "license": "license",
                    "joint_development": "development", "service": "service"}  # fmt: skip
        assert chosen.group(1) in {expected[m] for m in modes} | (
            {"transfer"} if not modes else set()
        )
