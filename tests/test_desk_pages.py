"""The desk pages through the login form: sign-in and role checks, CSRF, forms and errors."""

from __future__ import annotations

import pytest

from service.accounts import Role
from service.composition import Components
from service.desk.export import BOM
from service.desk.stages import Stage
from service.listings.schemas import Kind
from tests.desk_support import ACHIEVEMENT, NEED, OTHER_ACHIEVEMENT, login, make_user, own
from tests.pages import csrf as csrf_of
from tests.pages import page_client

pytestmark = pytest.mark.anyio

PAIR = {"need_id": NEED, "achievement_id": ACHIEVEMENT}
CONTRACT_FORM = {
    "title": "脱硫装置技术许可合同",
    "contract_type": "license",
    "seller": "示例化工研究院",
    "buyer": "达州示例天然气化工有限公司",
    "amount_wan": "80",
    "signed_on": "2026-03-02",
    "registration_no": "",
    "registered_on": "",
}
PAGE_POSTS = [
    ("/desk/queue", {**PAIR, "stage": "shortlisted"}),
    ("/desk/matches/1/stage", {"stage": "contacted"}),
    ("/desk/matches/1/notes", {"body": "你好"}),
    ("/desk/matches/1/contract", CONTRACT_FORM),
]
PAGE_GETS = ["/desk", "/desk/matches/1", "/desk/deals", "/desk/deals.csv"]


async def test_anonymous_visitors_are_sent_to_login(seeded_market: Components) -> None:
    broker = make_user(seeded_market, Role.broker)
    seeded_market.desk.recommend(NEED, ACHIEVEMENT, broker)
    async with page_client(seeded_market) as client:
        for path in PAGE_GETS:
            r = await client.get(path)
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
        for path, data in [*PAGE_POSTS, ("/introductions", {**PAIR, "next": "/"})]:
            r = await client.post(path, data=data)
            assert r.status_code == 403, path  # no CSRF token: refused before anything else
            token = await csrf_of(client)
            r = await client.post(path, data={**data, "csrf_token": token})
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    assert seeded_market.desk.get(1).stage is Stage.recommended
    assert seeded_market.desk.notes(1) == []


@pytest.mark.parametrize("role", [Role.enterprise, Role.university])
async def test_other_roles_get_403(seeded_market: Components, role: Role) -> None:
    broker = make_user(seeded_market, Role.broker)
    seeded_market.desk.recommend(NEED, ACHIEVEMENT, broker)
    async with page_client(seeded_market) as client:
        token = await login(client, make_user(seeded_market, role))
        for path in PAGE_GETS:
            r = await client.get(path)
            assert r.status_code == 403 and "无权" in r.text, path
        for path, data in PAGE_POSTS:
            r = await client.post(path, data={**data, "csrf_token": token})
            assert r.status_code == 403, path
    assert seeded_market.desk.get(1).stage is Stage.recommended
    assert seeded_market.desk.find(NEED, OTHER_ACHIEVEMENT) is None


async def test_a_form_without_the_csrf_token_is_refused(seeded_market: Components) -> None:
    broker = make_user(seeded_market, Role.broker)
    async with page_client(seeded_market) as client:
        token = await login(client, broker)
        r = await client.post("/desk/queue", data={**PAIR, "stage": "recommended"})
        assert r.status_code == 403 and "CSRF" in r.text
        r = await client.post(
            "/desk/queue", data={**PAIR, "stage": "recommended", "csrf_token": "forged"}
        )
        assert r.status_code == 403
        assert seeded_market.desk.find(NEED, ACHIEVEMENT) is None
        r = await client.post(
            "/desk/queue", data={**PAIR, "stage": "recommended", "csrf_token": token}
        )
        assert r.status_code == 303


async def test_a_broker_works_a_pair_through_the_pages(seeded_market: Components) -> None:
    broker = make_user(seeded_market, Role.broker)
    async with page_client(seeded_market) as client:
        token = await login(client, broker)
        home = await client.get("/desk")
        assert home.status_code == 200
        for text in ("待处理队列", "加入备选", "不予推荐", "对接进度", "未成", "desk.css"):
            assert text in home.text
        r = await client.post(
            "/desk/queue",
            data={**PAIR, "stage": "recommended", "score": "0.9", "csrf_token": token},
        )
        assert r.status_code == 303
        match = seeded_market.desk.find(NEED, ACHIEVEMENT)
        assert match is not None and r.headers["location"] == "/desk"
        board = (await client.get("/desk")).text
        assert "已将 N2001 × A2003 设为「推荐」" in board  # the flash
        path = f"/desk/matches/{match.id}"
        assert f'href="{path}"' in board  # its card in the 推荐 column
        detail = await client.get(path)
        assert detail.status_code == 200
        assert "匹配解释" in detail.text and 'class="components"' in detail.text
        assert '<option value="contacted"' in detail.text and "未成原因" in detail.text
        r = await client.post(f"{path}/stage", data={"stage": "lost", "csrf_token": token})
        assert r.status_code == 303
        assert "须选择原因" in (await client.get(path)).text
        assert seeded_market.desk.get(match.id).stage is Stage.recommended
        for stage in ("contacted", "negotiating", "signed"):
            r = await client.post(f"{path}/stage", data={"stage": stage, "csrf_token": token})
            assert r.status_code == 303
        assert seeded_market.desk.get(match.id).stage is Stage.signed
        r = await client.post(
            f"{path}/notes", data={"body": "买方要求分期付款", "csrf_token": token}
        )
        assert r.status_code == 303
        page = (await client.get(path)).text
        assert "买方要求分期付款" in page and broker.display_name in page
        assert "合同信息" in page and 'name="amount_wan"' in page
        bad = {**CONTRACT_FORM, "amount_wan": "-3", "signed_on": "昨天", "csrf_token": token}
        r = await client.post(f"{path}/contract", data=bad)
        assert r.status_code == 422
        assert 'id="amount_wan-error">不能小于 0' in r.text
        assert 'id="signed_on-error">日期格式应为 YYYY-MM-DD' in r.text
        assert 'value="示例化工研究院"' in r.text  # what was typed is kept
        assert seeded_market.desk.contract(match.id) is None
        r = await client.post(f"{path}/contract", data={**CONTRACT_FORM, "csrf_token": token})
        assert r.status_code == 303
        r = await client.post(f"{path}/stage", data={"stage": "registered", "csrf_token": token})
        assert "登记号" in (await client.get(path)).text
        numbered = {**CONTRACT_FORM, "registration_no": "5117010000456", "csrf_token": token}
        await client.post(f"{path}/contract", data=numbered)
        await client.post(f"{path}/stage", data={"stage": "registered", "csrf_token": token})
        assert seeded_market.desk.get(match.id).stage is Stage.registered
        deals = await client.get("/desk/deals")
        assert "脱硫装置技术许可合同" in deals.text and "导出 CSV" in deals.text
        assert "5117010000456" in deals.text
        csv = await client.get("/desk/deals.csv")
        assert csv.content.decode("utf-8").startswith(BOM + "合同名称")
        history = [h.to_stage for h in seeded_market.desk.history(match.id)]
        assert history == [
            Stage.recommended,
            Stage.contacted,
            Stage.negotiating,
            Stage.signed,
            Stage.registered,
        ]
        assert (await client.get("/desk/matches/999")).status_code == 404


async def test_the_introduction_button(seeded_market: Components) -> None:
    enterprise = make_user(seeded_market, Role.enterprise)
    own(seeded_market, enterprise, Kind.need, NEED)
    async with page_client(seeded_market) as client:
        token = await login(client, enterprise)
        form = {**PAIR, "next": f"/needs/{NEED}", "csrf_token": token}
        r = await client.post("/introductions", data=form)
        assert r.status_code == 303 and r.headers["location"] == f"/needs/{NEED}"
        match = seeded_market.desk.find(NEED, ACHIEVEMENT)
        assert match is not None and match.stage is Stage.requested
        page = await client.get(f"/needs/{NEED}")
        assert "已提交对接申请" in page.text
        r = await client.post("/introductions", data={**form, "next": "https://evil.example/"})
        assert r.headers["location"] == "/"
        r = await client.post(
            "/introductions", data={**form, "need_id": "N2002", "next": "/needs/N2002"}
        )
        assert r.status_code == 403
        assert seeded_market.desk.find("N2002", ACHIEVEMENT) is None
