"""The event and expert pages through the login form: roles, forms, inline errors, blocks."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from seed_data import SEED_DIR
from service import clock
from service.accounts import Role
from service.composition import Components
from service.programmes.events.service import EventIn
from tests.desk_support import login, make_user
from tests.pages import page_client

pytestmark = pytest.mark.anyio


@pytest.fixture()
def market(seeded_market: Components) -> Components:
    seeded_market.catalog.create_schema()
    seeded_market.experts.seed(SEED_DIR)
    return seeded_market


def expert_workbook(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "name", "organisation", "fields", "expertise", "counties", "roles"])
    sheet.append(["E801", "测试甲", "四川文理学院", "materials.basalt_fiber",
                  "玄武岩纤维拉丝漏板与浸润剂配方研究", "达川区、通川区", "成果评价"])  # fmt: skip
    sheet.append(["E802", "测试乙", "达州职业技术学院", "nope", "太短", "", ""])
    book.save(path)
    return path


async def test_pages_keep_their_roles(market: Components) -> None:
    async with page_client(market) as client:
        assert (await client.get("/events")).status_code == 200
        r = await client.get("/experts")
        assert r.status_code == 303 and "/login" in r.headers["location"]
        await login(client, make_user(market, Role.enterprise))
        assert (await client.get("/experts")).status_code == 403
        page = (await client.get("/events")).text
        assert "新建活动" not in page
        need = (await client.get("/needs/N2001")).text
        assert "可提供咨询的专家" not in need


async def test_broker_creates_an_event_through_the_form(market: Components) -> None:
    async with page_client(market) as client:
        token = await login(client, make_user(market, Role.broker))
        bad = await client.post(
            "/events", data={"csrf_token": token, "title": "x", "kind": "推介会", "capacity": "0"}
        )
        assert bad.status_code == 422
        assert 'id="title-error"' in bad.text and 'id="capacity-error"' in bad.text
        form = {
            "csrf_token": token,
            "title": "玄武岩纤维成果对接会",
            "kind": "对接会",
            "date": clock.today().isoformat(),
            "place": "达州高新区",
            "field": "materials",
            "region": "",
            "capacity": "80",
        }
        r = await client.post("/events", data=form)
        assert r.status_code == 303, r.text
        page = (await client.get(r.headers["location"])).text
        assert "邀请名单" in page and "导出 Excel" in page and "按主题推荐的成果" in page
        assert "登记意向" in page
        printable = await client.get(r.headers["location"] + "/programme")
        assert printable.status_code == 200 and "推介成果" in printable.text


async def test_admin_imports_experts_with_a_row_report(market: Components, tmp_path: Path) -> None:
    path = expert_workbook(tmp_path / "experts.xlsx")
    async with page_client(market) as client:
        token = await login(client, make_user(market, Role.admin))
        files = {"file": ("专家.xlsx", path.read_bytes(), "application/octet-stream")}
        r = await client.post("/experts/import", data={"csrf_token": token}, files=files)
        assert r.status_code == 200
        assert "新增 1 位" in r.text and "拒绝 1 行" in r.text and "fields" in r.text
        bad = await client.post(
            "/experts/import",
            data={"csrf_token": token},
            files={"file": ("x.txt", io.BytesIO(b"hi"), "text/plain")},
        )
        assert bad.status_code == 422
    assert market.experts.get("E801").counties == ["达川区", "通川区"]


async def test_broker_sees_experts_and_records_an_evaluation(market: Components) -> None:
    async with page_client(market) as client:
        token = await login(client, make_user(market, Role.broker))
        need = (await client.get("/needs/N2001")).text
        assert "可提供咨询的专家" in need and "@example.cn" in need
        page = (await client.get("/achievements/A2003")).text
        assert "可评价该成果的专家" in page and "记录专家评价" in page
        form = {"csrf_token": token, "expert_id": "E001", "maturity": "4", "novelty": "3",
                "market": "5", "comment": "工艺成熟，可在本地推广"}  # fmt: skip
        r = await client.post("/achievements/A2003/evaluations", data=form)
        assert r.status_code == 303
        page = (await client.get("/achievements/A2003")).text
        assert "工艺成熟，可在本地推广" in page and "市场前景 5/5" in page
        broker = make_user(market, Role.broker)
        pair = market.desk.recommend("N2001", "A2003", broker)
        desk_page = (await client.get(f"/desk/matches/{pair.id}")).text
        assert "成果的专家评价" in desk_page and "工艺成熟，可在本地推广" in desk_page
        listing = (await client.get("/experts?role=科技特派员")).text
        assert "科技特派员" in listing
        expert = await client.get("/experts/E001")
        assert expert.status_code == 200
        service = {"csrf_token": token, "served_on": "2026-03-01", "client": "渠县示例农场",
                   "county": "渠县", "problem": "再生稻倒伏", "advice": "调整施肥",
                   "adopted": "yes", "technology": "低留桩机收"}  # fmt: skip
        assert (await client.post("/experts/E001/services", data=service)).status_code == 303
        assert "低留桩机收" in (await client.get("/experts/E001")).text
        stats = (await client.get("/stats")).text
        assert "对接活动与专家服务" in stats


async def test_enterprise_registers_on_the_event_page(market: Components) -> None:
    broker = make_user(market, Role.broker)
    event = market.events.create(
        EventIn(title="路演：智能制造", kind="路演", date=clock.today(), place="达州",
                capacity=2),
        [],
        broker,
    )  # fmt: skip
    async with page_client(market) as client:
        user = make_user(market, Role.enterprise)
        token = await login(client, user)
        form = {"csrf_token": token, "attendees": "3", "contact": "张工 138"}
        r = await client.post(f"/events/{event.id}/register", data=form)
        assert r.status_code == 303
        page = (await client.get(f"/events/{event.id}")).text
        assert "候补中" in page
