"""Messages name things by their titles and reach the right accounts (#25 item 4); people sign
in with their phone number or e-mail address and go by a Chinese name (#25 item 7)."""

from __future__ import annotations

import pytest

from service.accounts import AuthError, Role
from service.composition import Components
from tests.desk_support import api_client, make_user
from tests.pages import PASSWORD, csrf, page_client
from tests.test_challenges_api import challenge_body

pytestmark = pytest.mark.anyio


async def test_inviting_an_institution_leaves_a_message_for_its_accounts(
    seeded_market: Components,
) -> None:
    admin = make_user(seeded_market, Role.admin)
    accounts = seeded_market.accounts
    member = accounts.create_user("sc-uni-1", PASSWORD, Role.university, "四川文理学院")
    colleague = accounts.create_user("sc-uni-2", PASSWORD, Role.university, "四川文理学院")
    stranger = accounts.create_user("other-uni", PASSWORD, Role.university, "别的大学")
    async with api_client(seeded_market, admin) as client:
        r = await client.post("/api/challenges", json=challenge_body())
        cid = r.json()["id"]
        r = await client.post(
            f"/api/challenges/{cid}/invitations", json={"institution": "四川文理学院"}
        )
        assert r.status_code in (200, 204), r.text
        await client.post(
            f"/api/challenges/{cid}/invitations", json={"institution": "四川文理学院"}
        )
    for user in (member, colleague):
        (message,) = seeded_market.inbox.items(user.id)
        assert "连续纤维拉丝断丝攻关" in message.title and "四川文理学院" in message.title
        assert message.link == f"/challenges/{cid}"
    assert seeded_market.inbox.items(stranger.id) == []


def test_sign_in_with_phone_or_email_as_well_as_the_username(market: Components) -> None:
    accounts = market.accounts
    user = accounts.create_user(
        "qiye-phone", PASSWORD, Role.enterprise, "达州某公司",
        phone="138 0818 1234", email="Zhang@Example.cn", require_contact=True,
    )  # fmt: skip
    for typed in ("qiye-phone", "13808181234", "138-0818-1234", "zhang@example.cn"):
        assert accounts.authenticate(typed, PASSWORD).id == user.id, typed
    with pytest.raises(AuthError) as wrong:
        accounts.authenticate("13808181234", "wrong-password")
    assert wrong.value.message == "账号或密码不正确"
    with pytest.raises(AuthError):
        accounts.authenticate("13900000000", PASSWORD)


async def test_a_chinese_display_name_is_set_on_the_account_page_and_shown(
    market: Components,
) -> None:
    market.accounts.create_user(
        "qiye-name", PASSWORD, Role.enterprise, "达州某公司", email="li@example.cn"
    )
    async with page_client(market) as client:
        token = await csrf(client)
        r = await client.post(
            "/login",
            data={"username": "li@example.cn", "password": PASSWORD, "csrf_token": token},
        )
        assert r.status_code == 303
        token = await csrf(client, "/account")
        bad = await client.post("/account/name", data={"display_name": " ", "csrf_token": token})
        assert bad.status_code == 400 and "请填写姓名" in bad.text
        r = await client.post("/account/name", data={"display_name": "李红梅", "csrf_token": token})
        assert r.status_code == 303
        page = (await client.get("/account")).text
    assert '李红梅<span class="tag">' in page  # the menu shows the new name
    assert market.accounts.by_username("qiye-name").display_name == "李红梅"


async def test_reviewers_are_chosen_and_shown_by_their_display_names(
    seeded_market: Components,
) -> None:
    from service.programmes.challenges.views import ChallengeIn
    from tests.desk_support import login

    admin = make_user(seeded_market, Role.admin)
    seeded_market.accounts.create_user(
        "broker-zhou", PASSWORD, Role.broker, "川东北技术交易市场", "周经纪"
    )
    challenge = seeded_market.challenges.create(ChallengeIn(**challenge_body()), admin)
    async with page_client(seeded_market) as client:
        token = await login(client, admin)
        page = (await client.get(f"/challenges/{challenge.id}")).text
        assert '<option value="broker-zhou">周经纪（broker-zhou）</option>' in page
        r = await client.post(
            f"/challenges/{challenge.id}/manage",
            data={"csrf_token": token, "action": "appoint", "username": "broker-zhou"},
            follow_redirects=True,
        )
    assert "已指定经纪人 周经纪 评审此榜单" in r.text and "评审经纪人：周经纪" in r.text
