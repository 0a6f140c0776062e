"""Issue 14: the rough edges of the visitor's, the owner's and the API reader's journeys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.accounts import Role
from service.composition import Components
from tests.pages import csrf, page_client, sign_in

pytestmark = pytest.mark.anyio
PUBLIC = ["/", "/search", "/search?q=玄武岩", "/stats", "/needs/N2001", "/achievements/A1001",
          "/login", "/signup", "/forgot"]  # fmt: skip


async def test_owner_sees_own_draft_as_a_page_with_a_publish_button(
    seeded_market: Components,
) -> None:
    async with page_client(seeded_market) as client:
        token = await sign_in(client, seeded_market, "ent-draft", Role.enterprise, "达州某企业")
        form = {
            "csrf_token": token,
            "action": "draft",
            "title": "天然气净化尾气余热回收",
            "description": "我公司天然气净化装置尾气温度高，希望回收余热用于发电或供暖，降低能耗。",
            "field": "new_energy.energy_saving",
            "region": "达川区",
        }
        saved = await client.post("/needs/new", data=form)
        assert saved.status_code == 303, saved.text
        page = await client.get(saved.headers["location"])
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "已保存为草稿" in page.text  # the confirmation
        assert "这是一份草稿" in page.text and "/publish" in page.text
        assert "only published" not in page.text
        anonymous = await page_client(seeded_market).__aenter__()
        assert (await anonymous.get(saved.headers["location"])).status_code == 404


async def test_broker_sees_a_withdrawn_listing_as_a_page(seeded_market: Components) -> None:
    seeded_market.listings.set_status(
        __import__("service.listings.schemas", fromlist=["Kind"]).Kind.need,
        "N2001",
        __import__("service.listings.schemas", fromlist=["Status"]).Status.withdrawn,
    )
    async with page_client(seeded_market) as client:
        await sign_in(client, seeded_market, "broker-w", Role.broker)
        page = await client.get("/needs/N2001")
        assert page.status_code == 200 and "已撤回" in page.text and "重新发布" in page.text


async def test_docs_load_no_external_asset(market: Components) -> None:
    async with page_client(market) as client:
        for path in ("/docs", "/redoc"):
            html = (await client.get(path)).text
            urls = re.findall(r'(?:src|href)=["\']([^"\']+)', html) + re.findall(
                r"url: ?['\"]([^'\"]+)", html
            )
            assert urls and all(u.startswith("/") for u in urls), (path, urls)
            assert "cdn." not in html and "https://" not in html.replace("https://fastapi", ""), (
                path
            )
            assert '<html lang="zh-CN">' in html and '<meta name="description"' in html, path
        asset = await client.get("/static-offline-docs/swagger-ui-bundle.js")
        assert asset.status_code == 200
        redoc = await client.get("/api-docs/redoc.standalone.js")
        assert redoc.status_code == 200 and len(redoc.content) > 100_000
        assert "cdn.redoc.ly" not in redoc.text  # ReDoc's own logo, refused by the policy


def test_no_template_runs_inline_script() -> None:
    """The policy refuses inline script: an ``onclick`` would silently do nothing."""
    templates = Path(__file__).resolve().parents[1] / "web" / "templates"
    found = [
        f"{page.name}: {hit}"
        for page in sorted(templates.glob("*.html"))
        for hit in re.findall(r"\s(on[a-z]+=|href=\"javascript:)", page.read_text("utf-8"))
    ]
    assert found == []


async def test_stop_word_query_finds_nothing(seeded_market: Components) -> None:
    async with page_client(seeded_market) as client:
        for q in ("的", "不"):
            found = (await client.get("/api/search", params={"q": q})).json()
            assert found["total"] == 0 and found["items"] == [], q
        everything = (await client.get("/api/search")).json()
        assert everything["total"] > 100


async def test_a_page_past_the_end_says_one_thing(seeded_market: Components) -> None:
    async with page_client(seeded_market) as client:
        html = (await client.get("/search", params={"page": 99})).text
        assert "没有找到结果" not in html and "回到最后一页" in html


async def test_result_cards_show_money_maturity_and_date_and_sort(
    seeded_market: Components,
) -> None:
    async with page_client(seeded_market) as client:
        html = (await client.get("/search", params={"kind": "achievement"})).text
        assert re.search(r"价格 (\d+(\.\d+)?万元|面议)", html)
        assert "成熟度 " in html and re.search(r"\d{4}年\d{1,2}月\d{1,2}日</time>发布", html)
        assert '<h1 class="page-title">' in html and '<select id="sort" name="sort">' in html
        cheap = await client.get("/api/search", params={"kind": "achievement", "sort": "price"})
        money = [i["money_wan"] for i in cheap.json()["items"] if i["money_wan"] is not None]
        assert money == sorted(money) and money
        new = (await client.get("/api/search", params={"q": "玄武岩", "sort": "newest"})).json()
        dates = [i["date"] for i in new["items"]]
        assert dates == sorted(dates, reverse=True)


async def test_public_pages_show_no_internals(seeded_market: Components) -> None:
    async with page_client(seeded_market) as client:
        for path in ("/", "/needs/N2001", "/search?q=玄武岩"):
            html = (await client.get(path)).text
            for internal in ("相关反馈补充词", "数据接口", "/api/health", "语义匹配未启用"):
                assert internal not in html, (path, internal)


async def test_every_page_has_headers_description_and_favicon(
    seeded_market: Components,
) -> None:
    async with page_client(seeded_market) as client:
        icon = await client.get("/favicon.ico")
        assert icon.status_code == 200 and icon.content[:4] == b"\x00\x00\x01\x00"
        for path in PUBLIC:
            r = await client.get(path)
            assert r.status_code == 200, path
            csp = r.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
            assert r.headers["x-frame-options"] == "DENY"
            assert r.headers["cross-origin-opener-policy"] == "same-origin"
            assert re.search(r'<meta name="description" content="[^"]{20,}">', r.text), path
            assert "style=" not in r.text, path  # the policy allows no inline style
            assert "UTC" not in r.text, path


async def test_failed_form_focuses_its_error_summary(market: Components) -> None:
    async with page_client(market) as client:
        token = await csrf(client, "/signup")
        r = await client.post("/signup", data={"csrf_token": token})
        assert r.status_code == 400
        assert re.search(r'id="form-errors"[^>]*autofocus|autofocus[^>]*id="form-errors"', r.text)


async def test_mine_shows_where_each_introduction_stands(seeded_market: Components) -> None:
    from service.desk.stages import Stage
    from service.listings.schemas import Kind
    from tests.desk_support import make_user, own

    owner = make_user(seeded_market, Role.enterprise, "ent-progress")
    own(seeded_market, owner, Kind.need, "N2001")
    broker = make_user(seeded_market, Role.broker)
    pair = seeded_market.desk.recommend("N2001", "A2003", broker)
    seeded_market.desk.move(pair.id, Stage.contacted, broker)
    async with page_client(seeded_market) as client:
        await sign_in(client, seeded_market, "ent-progress", Role.enterprise)
        html = (await client.get("/mine")).text
        assert "对接进展" in html and "已联系" in html and "/achievements/A2003" in html
        assert 'class="actions-cell"' in html


def test_times_are_beijing_and_months_read_in_chinese() -> None:
    import datetime as dt

    from service.clock import format_time as beijing
    from web.stats.pages import _short_month

    assert beijing(dt.datetime(2026, 11, 29, 17, 5)) == "2026-11-30 01:05"
    assert _short_month("2026-11") == "2026年11月"


async def test_the_queue_counter_moves_after_acting(seeded_market: Components) -> None:
    async with page_client(seeded_market) as client:
        token = await sign_in(client, seeded_market, "broker-q", Role.broker)
        count = re.compile(r'href="#queue">待处理队列 <span class="count">(\d+)</span>')
        before = (await client.get("/desk")).text
        first = re.search(r'name="need_id" value="(\w+)".*?name="achievement_id" value="(\w+)"',
                          before, re.S)  # fmt: skip
        assert first and (n := count.search(before))
        data = {"need_id": first[1], "achievement_id": first[2], "stage": "dismissed",
                "csrf_token": token}  # fmt: skip
        assert (await client.post("/desk/queue", data=data)).status_code == 303
        after = (await client.get("/desk")).text
        m = count.search(after)
        assert m and int(m[1]) == int(n[1]) - 1
