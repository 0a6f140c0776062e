"""End to end in headless Chromium: an admin reviews a proposed common need and publishes it
to the 重大科技需求目录, publishes a 揭榜挂帅 challenge from it, a university applies, the
admin selects it; both Excel exports open with the right rows. Then the admin tags an
achievement for the 万达开科技成果库 and downloads its export. The tests share one server and
run in file order."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from service.accounts import Role
from service.composition import build_components
from service.listings.schemas import Kind
from service.programmes.exports import WDK_HEADER
from tests.conftest import make_settings
from tests.live_server import chromium, chromium_path, live_server
from tests.test_browser import PASSWORD, log_in, new_page, shot, sign_up

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium_path() is None and not os.environ.get("TECHMATCH_REQUIRE_BROWSER"),
        reason="Debian chromium is not installed (bin/browser installs it)",
    ),
]
UNIVERSITY = "达州示例理工学院"
TITLE = "连续纤维拉丝漏板与断丝"


@pytest.fixture(scope="module")
def market(seeded_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    home = tmp_path_factory.mktemp("browser-programmes") / "home"
    shutil.copytree(seeded_home, home)
    market = build_components(make_settings(home))
    with live_server(market) as url, chromium() as browser:
        market.accounts.create_user("dz-admin", PASSWORD, Role.admin, "达州市科学技术局", "王科长")
        yield url, browser, market
    market.close()


def rows_of(download: Any) -> list[tuple[Any, ...]]:
    with open(download.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_admin_reviews_a_group_and_publishes_it_to_the_catalogue(market: Any) -> None:
    url, browser, parts = market
    group = next(g for g in parts.common_needs.list().groups if "N1001" in g.needs)
    page = new_page(browser, url)
    log_in(page, "dz-admin", "/desk")
    page.get_by_role("link", name="共性需求").first.click()
    page.wait_for_url("**/common-needs")
    assert page.locator("table.list tbody tr").count() >= 10
    shot(page, "common-needs")
    page.get_by_role("link", name=group.title, exact=True).click()
    page.wait_for_url(f"**/common-needs/{group.id}")
    assert page.locator("ol.matches li").count() >= 3  # achievements for the group as a whole
    page.get_by_label("名称", exact=True).fill(TITLE)
    page.get_by_role("button", name="更名").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith(TITLE)
    page.get_by_role("button", name="发布到重大科技需求目录").click()
    assert "已发布到重大科技需求目录" in page.locator(".flash").inner_text()
    page.goto("/common-needs?status=published")
    assert page.get_by_role("heading", level=1).inner_text() == "重大科技需求目录"
    with page.expect_download() as info:
        page.get_by_role("link", name="导出目录（Excel）").click()
    rows = rows_of(info.value)
    assert rows[2][:2] == ("序号", "名称") and rows[3][1] == TITLE and len(rows) == 4
    assert set(str(rows[3][2]).split("、")) == set(group.enterprises)
    shot(page, "common-needs-catalogue")


def test_admin_publishes_a_challenge_from_the_group(market: Any) -> None:
    url, browser, parts = market
    group = next(g for g in parts.common_needs.list().groups if g.title == TITLE)
    page = new_page(browser, url)
    log_in(page, "dz-admin", "/desk")
    page.goto(f"/common-needs/{group.id}")
    page.get_by_label("考核指标（每行一项）").fill("断丝次数每台每班≤1次\n漏板寿命≥18个月")
    page.get_by_label("榜单金额（万元）").fill("")
    page.get_by_role("button", name="发布榜单").click()  # the browser refuses the empty field
    assert "/common-needs/" in page.url
    page.get_by_label("榜单金额（万元）").fill("300")
    page.get_by_label("报名截止日期").fill((dt.date.today() + dt.timedelta(days=60)).isoformat())
    page.get_by_role("button", name="发布榜单").click()
    page.wait_for_url("**/challenges/*")
    assert page.locator("#stage").inner_text() == "发布"
    assert page.locator("ol.candidates > li").count() >= 3  # recommended solvers


def test_a_university_applies(market: Any) -> None:
    url, browser, _ = market
    page = new_page(browser, url)
    sign_up(page, "university", UNIVERSITY, "dzlg")
    page.get_by_role("link", name="揭榜挂帅").first.click()
    page.get_by_role("link", name=f"{TITLE}技术攻关").click()
    page.get_by_label("团队（负责人与成员）").fill("材料学院纤维团队，负责人张教授")
    page.get_by_label("技术方案").fill("铂铑合金漏板结构优化与多区温控，减少断丝。")
    page.get_by_label("承诺指标（每行一项）").fill("断丝次数每台每班≤1次")
    page.get_by_label("预算（万元）").fill("280")
    page.get_by_label("进度（月）").fill("0")
    page.get_by_role("button", name="提交揭榜申请").click()
    assert page.locator("#months-error").is_visible()  # inline, naming the field
    page.get_by_label("进度（月）").fill("18")
    page.get_by_role("button", name="提交揭榜申请").click()
    assert "揭榜申请已提交" in page.locator(".flash").inner_text()
    assert page.get_by_role("heading", name="我的揭榜申请").is_visible()
    shot(page, "challenge-applied")


def test_admin_selects_the_university_and_exports(market: Any) -> None:
    url, browser, _ = market
    page = new_page(browser, url)
    log_in(page, "dz-admin", "/desk")
    page.goto("/challenges")
    page.get_by_role("link", name=f"{TITLE}技术攻关").click()
    page.locator("article.application").get_by_label("选定理由").fill("方案完整，团队有漏板经验")
    page.get_by_role("button", name="选定揭榜方（挂帅）").click()
    assert page.locator("#stage").inner_text() == "已立项"
    assert UNIVERSITY in page.locator("#result").inner_text()
    shot(page, "challenge-selected")
    page.goto("/challenges")
    with page.expect_download() as info:
        page.get_by_role("link", name="导出榜单（Excel）").click()
    rows = rows_of(info.value)
    assert rows[3][1] == f"{TITLE}技术攻关" and rows[3][5] == "已立项" and rows[3][6] == UNIVERSITY


def test_admin_tags_an_achievement_for_the_wdk_library_and_exports(market: Any) -> None:
    url, browser, parts = market
    chengdu = next(
        a for a in parts.catalog.iter_all(Kind.achievement, published_only=True)
        if a.region == "成都市"
    )  # fmt: skip
    page = new_page(browser, url)
    log_in(page, "dz-admin", "/desk")
    page.get_by_role("link", name="共性需求").first.click()
    page.wait_for_url("**/common-needs")
    page.get_by_role("link", name="万达开科技成果库").click()
    page.wait_for_url("**/wdk-achievements")
    assert page.get_by_role("heading", level=1).inner_text() == "万达开科技成果库"
    assert page.get_by_role("heading", name="达州市").is_visible()
    page.get_by_label("标注成果入库（成果编号）").fill(chengdu.id)
    page.get_by_role("button", name="标注入库", exact=True).click()
    assert "已标注入万达开科技成果库" in page.locator(".flash").inner_text()
    page.get_by_label("只看管理员标注").check()
    page.get_by_role("button", name="筛选", exact=True).click()
    page.wait_for_url("**/wdk-achievements?*tagged=1")
    assert page.locator("#wdk-total").inner_text().startswith("共 1 项")
    assert "管理员标注" in page.locator(f"#row-{chengdu.id}").inner_text()
    shot(page, "wdk-achievements")
    with page.expect_download() as info:
        page.get_by_role("link", name="导出成果库（Excel）").click()
    rows = rows_of(info.value)
    assert rows[2] == WDK_HEADER and len(rows) == 4
    assert rows[3][:5] == (1, chengdu.title, chengdu.institution, rows[3][3], "成都市")
    assert rows[3][6] == chengdu.contact  # an admin sees the contact
