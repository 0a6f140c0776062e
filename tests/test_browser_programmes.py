"""End to end in headless Chromium: a matchmaking event from creation to an intent on the
desk, and the expert pool (an admin's Excel import, a broker finding the expert for a need)."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from seed_data import SEED_DIR
from service import clock
from service.accounts import Role
from service.composition import build_components
from tests.conftest import make_settings
from tests.live_server import chromium, chromium_path, live_server
from tests.test_browser import PASSWORD, log_in, new_page, shot, shots, sign_up

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium_path() is None and not os.environ.get("TECHMATCH_REQUIRE_BROWSER"),
        reason="Debian chromium is not installed (bin/browser installs it)",
    ),
]


@pytest.fixture(scope="module")
def market(seeded_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A seeded marketplace with the expert pool, served on loopback; a broker and an admin."""
    home = tmp_path_factory.mktemp("browser-programmes") / "home"
    shutil.copytree(seeded_home, home)
    market = build_components(make_settings(home))
    market.catalog.create_schema()
    market.experts.seed(SEED_DIR)
    with live_server(market) as url, chromium() as browser:
        market.accounts.create_user(
            "broker-wang", PASSWORD, Role.broker, "川东北技术交易市场", "王经纪"
        )
        market.accounts.create_user("dz-admin", PASSWORD, Role.admin, "达州市科学技术局", "科技局")
        shots().mkdir(parents=True, exist_ok=True)
        yield url, browser, market
    market.close()


def test_event_from_creation_to_an_intent_on_the_desk(market: Any) -> None:
    url, browser, parts = market
    broker = new_page(browser, url)
    log_in(broker, "broker-wang", "/desk")
    broker.get_by_role("link", name="对接活动").click()
    broker.get_by_label("活动名称").fill("2026 天然气化工科技成果推介会")
    broker.get_by_label("活动类型").select_option("推介会")
    broker.get_by_label("日期").fill(clock.today().isoformat())
    broker.get_by_label("地点").fill("宣汉县普光经开区会议中心")
    broker.get_by_label("主题领域").select_option("resources_env")
    broker.get_by_label("主题县区").select_option("宣汉县")
    broker.get_by_label("容纳人数").fill("40")
    broker.get_by_role("button", name="创建活动").click()
    broker.wait_for_url("**/events/*")
    event_url = broker.url
    first_row = broker.locator("table.invitations tbody tr").first
    invited = first_row.locator("td").nth(1).inner_text().splitlines()[0].strip()
    assert invited and "匹配" in first_row.inner_text()
    shot(broker, "event-invitations")
    with broker.expect_download() as download_info:
        broker.locator("#export-invitations").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    assert sheet is not None and sheet.cell(3, 2).value == invited

    enterprise = new_page(browser, url)
    sign_up(enterprise, "enterprise", "宣汉示例天然气化工有限公司", "xuanhan-gas")
    enterprise.goto(event_url)
    enterprise.get_by_label("参会人数").fill("2")
    enterprise.get_by_label("联系人及电话").fill("赵工 13900000000")
    enterprise.get_by_role("button", name="报名参加").click()
    assert "报名成功" in enterprise.locator(".flash").inner_text()
    assert "名额已确认" in enterprise.locator("#register").inner_text()

    broker.goto(event_url)
    registered = broker.locator("table.registrations tbody tr").first
    assert "宣汉示例天然气化工有限公司" in registered.inner_text()
    registered.get_by_role("button", name="签到").click()
    assert "已签到" in broker.locator(".flash").inner_text()
    broker.get_by_label("意向企业").select_option(invited)
    broker.get_by_label("意向说明").fill("希望到企业现场做小试验证")
    broker.get_by_role("button", name="登记意向").click()
    assert "意向已登记" in broker.locator(".flash").inner_text()
    broker.locator("#intents").get_by_role("link", name="工作台对接").first.click()
    broker.wait_for_url("**/desk/matches/*")
    body = broker.locator("main").inner_text()
    assert "已联系" in body and "2026 天然气化工科技成果推介会" in body
    shot(broker, "event-intent-on-desk")
    figures = parts.programme_stats.programmes()
    assert (figures.intents, figures.enterprises_attended, figures.attendance) == (1, 1, 2)


def test_admin_imports_experts_and_a_broker_finds_one_for_a_need(
    market: Any, tmp_path: Path
) -> None:
    url, browser, parts = market
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["id", "name", "organisation", "title", "fields", "expertise", "counties", "roles"]
    )
    sheet.append(["E901", "程示例", "西南石油大学", "教授", "resources_env.gas_lithium",
                  "高含硫天然气净化：MDEA 胺液降解与热稳定盐脱除、胺液复活，重沸器与管束腐蚀防护",
                  "宣汉县；达川区", "成果评价；科技特派员"])  # fmt: skip
    sheet.append(["E902", "缺字段", "某单位", "", "", "", "", ""])
    path = tmp_path / "专家名单.xlsx"
    book.save(path)
    admin = new_page(browser, url)
    log_in(admin, "dz-admin", "/desk")
    admin.goto("/experts")
    admin.get_by_role("link", name="从 Excel 导入专家").click()
    admin.get_by_label("专家文件").set_input_files(str(path))
    admin.get_by_role("button", name="上传并导入").click()
    status = admin.get_by_role("status").filter(has_text="新增").inner_text()
    assert "新增 1 位" in status and "拒绝 1 行" in status
    assert "fields" in admin.locator("#rejected").inner_text()
    shot(admin, "experts-import")
    assert parts.experts.get("E901").counties == ["宣汉县", "达川区"]

    broker = new_page(browser, url)
    log_in(broker, "broker-wang", "/desk")
    broker.goto("/needs/N2001")
    block = broker.locator("#experts")
    names = block.locator("ol.results h3 a").all_inner_texts()
    assert "程示例" in names[:3]
    assert "服务宣汉县" in block.inner_text()
    shot(broker, "need-experts")
    broker.goto("/experts?county=宣汉县")
    assert broker.locator("table.experts tbody tr").count() >= 15
