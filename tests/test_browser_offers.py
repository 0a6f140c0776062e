"""The trading in headless Chromium, at 1280 and 390 px: a university lists an achievement for
竞价 through the form, two verified enterprises bid (a bid under the increment is refused with
its reason), one objects, the admin dismisses it; axe-core finds nothing on the pages of the
trading, and none is wider than the screen. The tests share one server and run in file order."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service import clock
from service.clock import utc_now
from service.composition import build_components
from tests.conftest import make_settings
from tests.live_server import chromium, live_server
from tests.offers_support import ACHIEVEMENT, trading
from tests.pages import PASSWORD
from tests.test_browser import pytestmark, shot, shots  # noqa: F401
from tests.test_browser_journeys import SIZES, context, violations


def log_in(page: Any, username: str) -> None:
    """The trading helper's accounts use the in-process tests' password."""
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


@pytest.fixture(scope="module")
def site(seeded_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    home = tmp_path_factory.mktemp("browser-offers") / "home"
    shutil.copytree(seeded_home, home)
    market = build_components(make_settings(home))
    with live_server(market) as url, chromium() as browser:
        t = trading(market)
        market.offers.clock = utc_now  # the server's own time from here on
        shots().mkdir(parents=True, exist_ok=True)
        yield url, browser, t
    market.close()


def test_a_university_lists_for_auction_and_enterprises_bid(site: Any) -> None:
    url, browser, t = site
    page = context(browser, url, "desktop").new_page()
    log_in(page, t.owner.username)
    page.goto("/offers")
    page.get_by_role("link", name="挂牌成果").click()
    page.get_by_label("成果").select_option(ACHIEVEMENT)
    page.get_by_label("交易方式").select_option("竞价")
    page.get_by_label("起拍价（万元）").fill("100")
    page.get_by_label("加价幅度（万元）").fill("5")
    page.get_by_label("开始时间").fill(clock.now().strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="挂牌并开始公示").click()
    page.wait_for_url("**/offers/*")
    assert "竞价中" in page.locator("#status").inner_text()
    offer_path = page.url.removeprefix(url)

    steps = [
        ("100", "出价 100 万元已记录"),
        ("104", "不低于 105 万元"),
        ("105", "出价 105 万元已记录"),
    ]
    for n, (price, expected) in enumerate(steps):
        bidder = context(browser, url, "desktop").new_page()
        log_in(bidder, t.enterprises[min(n, 1)].username)
        bidder.goto(offer_path)
        bidder.get_by_label("出价（万元）").fill(price)
        bidder.get_by_role("button", name="出价", exact=True).click()
        bidder.wait_for_load_state()
        assert expected in bidder.locator(".flash").first.inner_text()
    bidder.get_by_label("提出异议").fill("起拍价明显低于第三方评估价值")
    bidder.get_by_role("button", name="提交异议").click()
    bidder.wait_for_load_state()
    log = bidder.locator("table.bids tbody tr")
    assert log.count() == 2 and log.first.inner_text().startswith("竞买人2")
    assert "105 万元" in bidder.locator("#current-price").inner_text()
    shot(bidder, "offer-auction")

    admin = context(browser, url, "desktop").new_page()
    log_in(admin, t.admin.username)
    admin.goto(offer_path)
    admin.get_by_label("处理意见").fill("起拍价经评估合理")
    admin.get_by_role("button", name="异议不成立").click()
    admin.wait_for_load_state()
    assert "异议不成立" in admin.locator("#objections").inner_text()
    admin.goto("/offers")
    shot(admin, "offers")
    phone = context(browser, url, "phone").new_page()
    phone.goto(offer_path)
    shot(phone, "offer-auction-phone")


@pytest.mark.parametrize("size", list(SIZES))
def test_axe_finds_nothing_on_the_trading_pages(site: Any, size: str) -> None:
    url, browser, t = site
    offer = t.market.offers.browse(current=False)[0]
    found: dict[str, list[str]] = {}
    anonymous = context(browser, url, size, audit=True).new_page()
    for path in ("/offers", f"/offers/{offer.id}", "/offers?all=1", "/stats"):
        anonymous.goto(path)
        found[path] = violations(anonymous)
    for who, paths in ((t.enterprises[0], [f"/offers/{offer.id}"]),
                       (t.admin, [f"/offers/{offer.id}", "/offers/new"]),
                       (t.owner, ["/offers/new"])):  # fmt: skip
        page = context(browser, url, size, audit=True).new_page()
        log_in(page, who.username)
        for path in paths:
            page.goto(path)
            found[f"{who.username} {path}"] = violations(page)
    page.goto("/offers/new")
    page.get_by_label("交易方式").select_option("竞价")
    page.get_by_role("button", name="挂牌并开始公示").click()  # every error at once
    page.locator("#form-errors").wait_for()
    found["/offers/new (errors)"] = violations(page)
    if size == "phone":
        shot(page, "offers-new-errors-phone")
    bad = {path: v for path, v in found.items() if v}
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)
