"""Posting, editing, withdrawing and importing listings through the pages; permissions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from service.accounts import Role
from service.composition import Components
from service.listings.schemas import Kind, Status
from tests.pages import account, csrf, page_client, sign_in

pytestmark = pytest.mark.anyio

NEED_FORM = {
    "title": "桥面钢筋锈蚀，想换一种不生锈的筋材",
    "description": "我们承接农村公路桥梁维修，桥面钢筋锈得很厉害，"
    "想找一种不生锈、强度够的替代筋材和配套施工方法，最好能在达州本地生产。",
    "region": "达川区",
    "budget_wan": "60",
    "cooperation_modes": ["license", "joint_development"],
    "required_maturity": "pilot",
    "contact": "王工 0818-0000000",
}


@pytest.fixture()
async def client(seeded_market: Components) -> AsyncIterator[httpx.AsyncClient]:
    async with page_client(seeded_market) as c:
        yield c


async def test_anonymous_and_wrong_roles_are_turned_away(
    client: httpx.AsyncClient, seeded_market: Components
) -> None:
    r = await client.get("/needs/new")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/needs/new")
    token = await csrf(client)
    r = await client.post("/needs/new", data={**NEED_FORM, "csrf_token": token})
    assert r.status_code == 303 and "/login" in r.headers["location"]
    await sign_in(client, seeded_market, "uni-a", Role.university)
    assert (await client.get("/needs/new")).status_code == 403
    assert (await client.get("/achievements/new")).status_code == 200
    assert (await client.get("/needs/N1001/edit")).status_code == 403  # a seed need: no owner


async def test_enterprise_previews_publishes_edits_and_withdraws(
    client: httpx.AsyncClient, seeded_market: Components
) -> None:
    token = await sign_in(client, seeded_market, "qiye-a", Role.enterprise, "达州示例路桥公司")
    form = {**NEED_FORM, "field": "materials.basalt_fiber", "csrf_token": token}
    before = seeded_market.catalog.count(Kind.need)
    preview = await client.post("/needs/new", data={**form, "action": "preview"})
    assert preview.status_code == 200 and "发布前预览" in preview.text
    assert seeded_market.catalog.count(Kind.need) == before  # a preview saves nothing
    r = await client.post("/needs/new", data={**form, "action": "publish"})
    assert r.status_code == 303
    path = r.headers["location"]
    need_id = path.rsplit("/", 1)[1]
    need = seeded_market.catalog.get(Kind.need, need_id)
    assert need.enterprise == "达州示例路桥公司" and need.status is Status.published
    page = await client.get(path)
    assert page.status_code == 200 and "可能解决该需求的科技成果" in page.text
    assert "王工 0818" in page.text  # the owner sees its own contact
    edited = {**form, "title": "桥面钢筋锈蚀：寻找耐腐蚀筋材", "budget_wan": ""}
    r = await client.post(f"/needs/{need_id}/edit", data=edited)
    assert r.status_code == 303
    need = seeded_market.catalog.get(Kind.need, need_id)
    assert need.title == "桥面钢筋锈蚀：寻找耐腐蚀筋材" and need.budget_wan is None
    r = await client.post(f"/needs/{need_id}/withdraw", data={"csrf_token": token})
    assert r.status_code == 303
    assert seeded_market.catalog.get(Kind.need, need_id).status is Status.withdrawn
    mine = await client.get("/mine")
    assert "已撤回" in mine.text and need_id in mine.text

    async with page_client(seeded_market) as stranger:
        assert (await stranger.get(path)).status_code == 404  # withdrawn: owner only
        await sign_in(stranger, seeded_market, "qiye-b", Role.enterprise)
        assert (await stranger.get(f"/needs/{need_id}/edit")).status_code == 403


async def test_form_errors_are_inline_and_nothing_is_saved(
    client: httpx.AsyncClient, seeded_market: Components
) -> None:
    token = await sign_in(client, seeded_market, "qiye-c", Role.enterprise)
    before = seeded_market.catalog.count(Kind.need)
    bad = {**NEED_FORM, "field": "materials", "title": "桥", "budget_wan": "很多"}
    r = await client.post("/needs/new", data={**bad, "action": "publish", "csrf_token": token})
    assert r.status_code == 400
    assert "至少 2 个字" in r.text and "请填写数字" in r.text
    assert 'aria-invalid="true"' in r.text and 'href="#f-title"' in r.text
    assert seeded_market.catalog.count(Kind.need) == before


async def test_posting_without_csrf_token_is_refused(
    client: httpx.AsyncClient, seeded_market: Components
) -> None:
    await sign_in(client, seeded_market, "qiye-d", Role.enterprise)
    form = {**NEED_FORM, "field": "materials", "action": "publish"}
    r = await client.post("/needs/new", data=form)
    assert r.status_code == 403


async def test_university_imports_a_file_with_a_row_report(
    client: httpx.AsyncClient, seeded_market: Components
) -> None:
    token = await sign_in(client, seeded_market, "uni-b", Role.university, "川东北示例大学")
    csv_text = (
        "title,summary,institution,field,maturity,keywords\n"
        "秸秆基缓释肥制备技术,以农作物秸秆为载体制备缓释肥料，肥效期延长到九十天以上。,"
        "川东北示例大学,agriculture,pilot,秸秆;缓释肥\n"
        "坏行,太短,川东北示例大学,agriculture,rocket,\n"
    )
    files = {"file": ("成果库.csv", csv_text.encode("utf-8"), "text/csv")}
    r = await client.post("/import", data={"csrf_token": token}, files=files)
    assert r.status_code == 200
    assert "新增 1 条" in r.text and "拒绝 1 行" in r.text
    assert "maturity：" in r.text and "summary：" in r.text  # the file's own headers
    user = seeded_market.accounts.by_username("uni-b")
    assert user is not None
    owned = seeded_market.accounts.owned_ids(user.id, Kind.achievement)
    assert len(owned) == 1
    found = (await client.get("/search", params={"q": "秸秆 缓释肥"})).text
    assert "<mark>秸秆</mark>基<mark>缓释肥</mark>" in found  # searchable, highlighted

    bad = {"file": ("list.txt", b"hello", "text/plain")}
    r = await client.post("/import", data={"csrf_token": token}, files=bad)
    assert r.status_code == 400 and "不支持的文件类型" in r.text


async def test_import_cannot_overwrite_other_accounts_listings(
    client: httpx.AsyncClient, seeded_market: Components
) -> None:
    token = await sign_in(client, seeded_market, "uni-c", Role.university)
    record = {
        "id": "A1001",
        "title": "改写别人的成果",
        "summary": "试图覆盖一条不属于本账号的成果记录。",
        "institution": "某大学",
        "field": "materials",
        "maturity": "lab",
    }
    line = json.dumps(record, ensure_ascii=False) + "\n"
    files = {"file": ("x.jsonl", line.encode(), "application/json")}
    r = await client.post("/import", data={"csrf_token": token}, files=files)
    assert "拒绝 1 行" in r.text and "该编号属于其他账号的成果" in r.text
    assert seeded_market.catalog.get(Kind.achievement, "A1001").title != "改写别人的成果"


async def test_enterprise_cannot_import_and_api_roles_hold(
    client: httpx.AsyncClient, seeded_market: Components
) -> None:
    await sign_in(client, seeded_market, "qiye-e", Role.enterprise)
    assert (await client.get("/import")).status_code == 403
    owner = account(seeded_market, "qiye-f", Role.enterprise)
    token = seeded_market.accounts.create_token(owner.id)
    headers = {"Authorization": f"Bearer {token}"}
    achievement = {
        "title": "一种成果",
        "summary": "企业账号不能发布科技成果，这一条应当被拒绝。",
        "institution": "某公司",
        "field": "materials",
        "maturity": "lab",
    }
    async with page_client(seeded_market) as api:
        assert (await api.post("/api/achievements", json=achievement)).status_code == 401
        r = await api.post("/api/achievements", json=achievement, headers=headers)
        assert r.status_code == 403
        r = await api.patch("/api/needs/N1001", json={"title": "改一下标题"}, headers=headers)
        assert r.status_code == 403
        bad = {"Authorization": "Bearer tm_not-a-real-token"}
        assert (await api.get("/api/me", headers=bad)).status_code == 401
