"""Issue 14 in headless Chromium: axe-core (WCAG 2.2 AA, target size included) clean on every
page state at desktop and phone width, and the fixed journeys — a draft opened by its owner,
the search at phone width, a failed form focusing its error summary, an admin's reset link, a
reset link asked for on 忘记密码 and read from the mail (a local aiosmtpd sink).

axe-core is vendored (tests/vendor/axe.min.js, MPL-2.0, from the npm package ``axe-core``)
so the tests never download; the pages' Content-Security-Policy allows no injected script,
so the axe contexts bypass it (the ordinary contexts keep it and would report a violation).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.accounts import Role
from service.composition import build_components
from service.listings.schemas import Kind, Status
from tests.conftest import make_settings
from tests.live_server import chromium, live_server
from tests.support.smtp_sink import Sink, body, mail_settings, smtp_sink
from tests.test_browser import PASSWORD, pytestmark, shot, shots  # noqa: F401

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
PUBLIC = ["/", "/search", "/search?q=玄武岩纤维&kind=achievement", "/search?page=99",
          "/needs/N2001", "/achievements/A1001", "/stats", "/login", "/signup",
          "/wdk-achievements?city=wanzhou", "/forgot"]  # fmt: skip
SIGNED_IN = {
    "ux-ent": ["/mine", "/account", "/needs/new", "/needs/N2002", "/inbox", "/search?q=玄武岩"],
    "ux-uni": ["/import"],
    "ux-admin": ["/desk", "/desk/deals", "/admin/accounts", "/wdk-achievements?city=wanzhou"],
}  # N2002 is ux-ent's own draft


@pytest.fixture(scope="module")
def mail_sink() -> Iterator[Sink]:
    with smtp_sink() as sink:
        yield sink


@pytest.fixture(scope="module")
def site(
    seeded_home: Path, tmp_path_factory: pytest.TempPathFactory, mail_sink: Sink
) -> Iterator[Any]:
    home = tmp_path_factory.mktemp("browser-ux") / "home"
    shutil.copytree(seeded_home, home)
    market = build_components(make_settings(home, **mail_settings(mail_sink.port)))
    with live_server(market) as url, chromium() as browser:
        accounts = market.accounts
        ent = accounts.create_user("ux-ent", PASSWORD, Role.enterprise, "达州示例化工有限公司",
                                   "王工", phone="13800001111", require_contact=True)  # fmt: skip
        accounts.create_user("ux-uni", PASSWORD, Role.university, "川东北示例理工学院")
        accounts.create_user("ux-admin", PASSWORD, Role.admin, "川东北技术交易市场", "管理员")
        accounts.create_user(
            "ux-mail",
            PASSWORD,
            Role.university,
            "川东北示例农业科学院",
            "赵老师",
            phone="13800002222",
            email="zhao@example.com",
            require_contact=True,
        )
        from tests.desk_support import own

        own(market, ent, Kind.need, "N2002")
        market.listings.set_status(Kind.need, "N2002", Status.draft)
        shots().mkdir(parents=True, exist_ok=True)
        yield url, browser, market
    market.close()


def context(browser: Any, url: str, size: str, audit: bool = False) -> Any:
    width, height = SIZES[size]
    made = browser.new_context(
        base_url=url, viewport={"width": width, "height": height}, locale="zh-CN",
        bypass_csp=audit,
    )  # fmt: skip
    made.set_default_timeout(20_000)
    return made


def log_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def violations(page: Any) -> list[str]:
    """axe-core's violations, and the page being wider than the screen (cut-off content)."""
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.add_script_tag(path=str(AXE))
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}}
    result = page.evaluate("async (o) => await axe.run(document, o)", options)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(json.dumps(n["target"]) for n in v["nodes"][:3])
        for v in result["violations"]
    ] + ([f"page {wide}px wider than the screen"] if wide > 0 else [])


@pytest.mark.parametrize("size", list(SIZES))
def test_axe_finds_nothing_on_any_page_state(site: Any, size: str) -> None:
    url, browser, _ = site
    found: dict[str, list[str]] = {}
    anonymous = context(browser, url, size, audit=True).new_page()
    for path in PUBLIC:
        anonymous.goto(path)
        found[path] = violations(anonymous)
    anonymous.goto("/signup")
    anonymous.get_by_role("button", name="注册").click()  # every error at once
    anonymous.locator("#form-errors").wait_for()
    found["/signup (errors)"] = violations(anonymous)
    for username, paths in SIGNED_IN.items():
        page = context(browser, url, size, audit=True).new_page()
        log_in(page, username)
        for path in paths:
            page.goto(path)
            found[path] = violations(page)
    bad = {path: v for path, v in found.items() if v}
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)


def test_phone_search_shows_the_first_result_near_the_top(site: Any) -> None:
    url, browser, _ = site
    page = context(browser, url, "phone").new_page()
    page.goto("/search?q=玄武岩纤维")
    first = page.locator("ol.results > li").first.bounding_box()
    assert first is not None and first["y"] < 600, first
    assert not page.locator("#filter-panel").evaluate("d => d.open")
    page.get_by_text("筛选条件与分布").click()
    assert page.get_by_label("成熟度").is_visible()
    shot(page, "search-phone-filters")
    desktop = context(browser, url, "desktop").new_page()
    desktop.goto("/search?q=玄武岩纤维")
    assert desktop.get_by_label("成熟度").is_visible()  # open beside the results
    assert desktop.locator("h1").count() == 1
    desktop.get_by_label("排序").select_option("price")
    desktop.get_by_role("button", name="排序").click()
    desktop.wait_for_url(re.compile(r"sort=price"))
    shot(desktop, "search-sorted")


def test_failed_sign_up_focuses_the_error_summary(site: Any) -> None:
    url, browser, _ = site
    page = context(browser, url, "phone").new_page()
    page.goto("/signup")
    page.get_by_label("用户名").fill("ab")
    page.get_by_role("button", name="注册").click()
    summary = page.locator("#form-errors")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "form-errors"
    assert summary.locator("a").count() >= 4  # role, organisation, username, phone, password …
    border = page.locator("#f-username").evaluate("e => getComputedStyle(e).borderTopColor")
    assert border == "rgb(162, 59, 31)"  # the invalid field looks invalid
    shot(page, "signup-errors")


def test_owner_opens_a_draft_and_publishes_it(site: Any) -> None:
    url, browser, market = site
    page = context(browser, url, "desktop").new_page()
    log_in(page, "ux-ent")
    page.goto("/needs/N2002")
    assert page.get_by_role("heading", name="这是一份草稿").is_visible()
    shot(page, "need-draft")
    page.get_by_role("button", name="发布", exact=True).click()
    page.wait_for_url("**/mine")
    assert market.catalog.get(Kind.need, "N2002").status is Status.published
    progress = page.locator("table.data")
    assert progress.get_by_text("对接进展").is_visible()


def test_admin_issues_a_reset_link_that_works_once(site: Any) -> None:
    url, browser, market = site
    admin = context(browser, url, "desktop").new_page()
    log_in(admin, "ux-admin")
    admin.goto("/admin/accounts")
    row = admin.locator("#accounts tr").filter(has_text="ux-uni")
    row.get_by_role("button", name="重置密码").click()
    link = admin.locator("#reset-link code").inner_text()
    assert admin.evaluate("document.activeElement.id") == "reset-link"
    shot(admin, "admin-accounts")
    person = context(browser, url, "phone").new_page()
    assert link.startswith(market.settings.site_url + "/reset/")  # never the Host header
    person.goto("/reset/" + link.split("/reset/", 1)[1])
    person.locator("#f-password").fill("a-new-password")
    person.locator("#f-password2").fill("a-new-password")
    person.get_by_role("button", name="设置新密码").click()
    person.wait_for_url("**/login")
    person.get_by_label("用户名").fill("ux-uni")
    person.get_by_label("密码").fill("a-new-password")
    person.get_by_role("button", name="登录").click()
    person.wait_for_url("**/mine")


def test_forgotten_password_by_email_link_works_once(site: Any, mail_sink: Sink) -> None:
    url, browser, _ = site
    page = context(browser, url, "phone").new_page()
    page.goto("/login")
    page.get_by_role("link", name="忘记密码？").click()
    page.get_by_label("用户名、手机号码或电子邮箱").fill("zhao@example.com")
    page.get_by_role("button", name="发送重置链接").click()
    page.get_by_text("重置密码的链接已发送到该邮箱").wait_for()
    assert page.evaluate("document.activeElement.classList.contains('flash')")
    shot(page, "forgot-password-sent")
    (mail,) = mail_sink.wait_for("zhao@example.com")
    assert str(mail["Subject"]) == "【川东北技术交易市场】重置密码"
    found = re.search(r"http://jishu\.test(/reset/[A-Za-z0-9_-]+)", body(mail))
    assert found, body(mail)
    page.goto(found.group(1))
    page.locator("#f-password").fill("mailed-pass-1")
    page.locator("#f-password2").fill("mailed-pass-1")
    page.get_by_role("button", name="设置新密码").click()
    page.wait_for_url("**/login")
    page.goto(found.group(1))
    assert page.get_by_text("已使用").count() == 1  # the link worked once
    page.goto("/login")
    page.get_by_label("用户名").fill("ux-mail")
    page.get_by_label("密码").fill("mailed-pass-1")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/mine")


def test_saving_a_search_and_the_inbox_count(site: Any) -> None:
    url, browser, market = site
    page = context(browser, url, "phone").new_page()
    log_in(page, "ux-ent")
    page.goto("/search?q=玄武岩纤维")
    page.get_by_role("button", name="保存搜索并通知我").click()
    page.get_by_text("已保存搜索「玄武岩纤维」").wait_for()
    assert page.evaluate("document.activeElement.classList.contains('flash')")
    page.goto("/inbox")
    assert page.locator("#saved li").filter(has_text="玄武岩纤维").count() == 1
    shot(page, "inbox")
    labels = page.locator("nav .count")
    if labels.count():
        assert int(labels.first.inner_text()) == market.inbox.unread_count(
            market.accounts.by_username("ux-ent").id
        )
    stats = context(browser, url, "phone").new_page()
    stats.goto("/stats")
    size = stats.locator("svg.chart text").first.evaluate("t => t.getBoundingClientRect().height")
    assert size >= 11.5  # labels drawn at 12 px, not shrunk to 10.5 on a phone
