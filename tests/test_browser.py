"""End to end in headless Chromium: the three users' main flows, with screenshots.

Screenshots of the main pages land in a scratch directory, or in docs/screenshots/ (shown in
the README) when ``TECHMATCH_SCREENSHOTS=docs/screenshots`` asks for them, so an ordinary test
run never rewrites tracked files. The flows
share one server and run in file order: the enterprise's introduction request is what the
broker later carries to a signed, exported deal.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.accounts import Role
from service.composition import build_components
from tests.conftest import make_settings
from tests.live_server import chromium, chromium_path, live_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium_path() is None and not os.environ.get("TECHMATCH_REQUIRE_BROWSER"),
        reason="Debian chromium is not installed (bin/browser installs it)",
    ),
]


@functools.cache
def shots() -> Path:
    """Where screenshots go: TECHMATCH_SCREENSHOTS, or a scratch directory."""
    chosen = os.environ.get("TECHMATCH_SCREENSHOTS")
    return Path(chosen) if chosen else Path(tempfile.mkdtemp(prefix="techmatch-shots-"))


PASSWORD = "browser-pass-1"


@pytest.fixture(scope="module")
def market(seeded_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A seeded marketplace served on loopback, one browser, and a broker account."""
    home = tmp_path_factory.mktemp("browser") / "home"
    shutil.copytree(seeded_home, home)
    market = build_components(make_settings(home))
    with live_server(market) as url, chromium() as browser:
        market.accounts.create_user(
            "broker-li", PASSWORD, Role.broker, "川东北技术交易市场", "李经纪"
        )
        shots().mkdir(parents=True, exist_ok=True)
        yield url, browser, market
    market.close()


def new_page(browser: Any, url: str, width: int = 1280, height: int = 900) -> Any:
    context = browser.new_context(
        base_url=url, viewport={"width": width, "height": height}, locale="zh-CN"
    )
    context.set_default_timeout(20_000)
    return context.new_page()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(shots() / f"{name}.png"), full_page=True)


def sign_up(page: Any, role: str, org: str, username: str) -> None:
    page.goto("/signup")
    page.get_by_label("账号类型").select_option(role)
    page.get_by_label("单位名称").fill(org)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("联系人姓名").fill("张工")
    page.locator("#f-phone").fill("13900001111")
    page.locator("#f-password").fill(PASSWORD)
    page.locator("#f-password2").fill(PASSWORD)
    page.get_by_role("button", name="注册").click()
    page.wait_for_url("**/mine")


def log_in(page: Any, username: str, lands_on: str) -> None:
    """Sign in through the login form and wait for the role's own page."""
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{lands_on}")


def test_visitor_browses_home_and_search(market: Any) -> None:
    url, browser, _ = market
    page = new_page(browser, url)
    page.goto("/")
    assert page.get_by_role("heading", level=1).count() == 1
    shot(page, "home")
    page.get_by_role("searchbox").fill("玄武岩纤维 复合筋")
    page.get_by_role("button", name="搜索").first.click()
    page.wait_for_url("**/search?**")
    assert page.locator("ol.results mark").count() > 0  # matched terms highlighted
    page.get_by_label("成熟度").select_option("pilot")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**maturity=pilot**")
    shot(page, "search")
    phone = new_page(browser, url, width=390, height=844)
    phone.goto(page.url)  # the shareable URL reproduces the search on a phone
    assert phone.locator("ol.results li").count() > 0
    shot(phone, "search-phone")


def test_enterprise_signs_up_posts_a_need_and_sees_matches(market: Any) -> None:
    url, browser, _ = market
    page = new_page(browser, url)
    sign_up(page, "enterprise", "达州示例路桥工程有限公司", "luqiao")
    page.get_by_role("link", name="发布技术需求").click()
    page.get_by_label("需求名称").fill("桥面钢筋锈得厉害，想找不生锈的替代筋材")
    page.get_by_label("需求描述").fill(
        "公司承接农村公路桥梁维修，桥面钢筋锈蚀严重，返修频繁。希望找到一种不生锈、"
        "强度够、重量轻的筋材替代部分钢筋，并有配套的施工方法，最好能在达州本地生产供货。"
    )
    page.get_by_label("所在地区").select_option("达川区")
    page.get_by_label("预算（万元）").fill("60")
    page.get_by_label("合作开发").check()
    page.get_by_role("button", name="预览匹配结果").click()
    page.get_by_role("heading", name="发布前预览").wait_for()
    assert page.locator("#f-field").input_value() != ""  # a field suggested from the text
    assert page.locator("aside.preview ol li").count() > 0
    shot(page, "post-need-preview")
    page.get_by_role("button", name="发布", exact=True).click()
    page.wait_for_url("**/needs/N*")
    matches = page.locator("ol.matches > li")
    assert matches.count() > 0
    assert page.locator("table.components").first.is_visible()
    shot(page, "need-with-matches")
    page.get_by_role("button", name="申请经纪人对接").first.click()
    page.locator(".desk-state").first.wait_for()
    assert "申请对接" in page.locator(".desk-state").first.inner_text()


def test_university_imports_its_achievements(market: Any, tmp_path: Path) -> None:
    url, browser, _ = market
    page = new_page(browser, url)
    sign_up(page, "university", "川东北示例理工学院", "ligong")
    upload = tmp_path / "成果库.csv"
    with upload.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "summary", "institution", "field", "maturity", "keywords"])
        writer.writerow(
            [
                "天然气净化尾气余热回收发电装置",
                "利用天然气净化厂尾气焚烧余热驱动有机朗肯循环发电，单套装机500千瓦，已在川东北气田中试。",
                "川东北示例理工学院",
                "new_energy.energy_saving",
                "pilot",
                "余热回收;有机朗肯循环",
            ]
        )
        writer.writerow(["坏行", "太短", "川东北示例理工学院", "nowhere", "rocket", ""])
    page.get_by_role("link", name="批量导入成果库").click()
    page.get_by_label("成果库文件").set_input_files(str(upload))
    page.get_by_role("button", name="上传并导入").click()
    report = page.get_by_role("status").filter(has_text="新增")
    assert "新增 1 条" in report.inner_text() and "拒绝 1 行" in report.inner_text()
    assert page.locator("#rejected tbody tr").count() == 1
    shot(page, "import-report")
    page.get_by_role("link", name="查看我的成果").click()
    assert page.get_by_role("link", name="天然气净化尾气余热回收发电装置").is_visible()


def test_broker_carries_the_request_to_a_signed_exported_deal(market: Any) -> None:
    url, browser, _ = market
    page = new_page(browser, url)
    log_in(page, "broker-li", lands_on="/desk")
    requested = page.locator("ol.desk-queue li.requested").first
    assert "达州示例路桥工程有限公司" in requested.inner_text()
    shot(page, "desk-queue")
    requested.get_by_role("button", name="推荐", exact=True).click()
    page.locator(".column.stage-recommended a.card-link").first.click()
    page.wait_for_url("**/desk/matches/*")
    for stage in ("contacted", "negotiating", "signed"):
        page.get_by_label("改为").select_option(stage)
        page.get_by_role("button", name="更新阶段").click()
        page.locator(f"h1 .stage-{stage}").wait_for()
    page.get_by_label("新备注").fill("双方已在达州高新区完成现场考察，同意按许可方式合作。")
    page.get_by_role("button", name="添加备注").click()
    page.get_by_text("双方已在达州高新区完成现场考察").wait_for()
    page.get_by_label("合同名称").fill("玄武岩纤维复合筋桥面应用技术许可合同")
    page.get_by_label("合同类型").select_option("license")
    page.get_by_label("卖方").fill("四川示例大学")
    page.get_by_label("买方").fill("达州示例路桥工程有限公司")
    page.get_by_label("成交金额").fill("58")
    page.get_by_label("签订日期").fill("2026-11-20")
    page.get_by_role("button", name="保存合同信息").click()
    page.get_by_text("签约").first.wait_for()
    shot(page, "desk-match-signed")

    enterprise = new_page(browser, url)
    log_in(enterprise, "luqiao", lands_on="/mine")
    achievement_link = page.locator(".side-panel a").nth(1).get_attribute("href")
    enterprise.goto(achievement_link)
    assert "经纪人促成对接后可见" not in enterprise.locator("dl.facts").inner_text()

    page.goto("/desk/deals")
    shot(page, "desk-deals")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 CSV").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeff")  # Excel reads the BOM as UTF-8
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "合同名称" and rows[1][0] == "玄武岩纤维复合筋桥面应用技术许可合同"
    assert "58" in rows[1][4]

    page.goto("/stats")
    assert page.locator("svg").count() >= 3
    shot(page, "stats")
