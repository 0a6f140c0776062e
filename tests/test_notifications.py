"""The inbox (#14): a broker's move, a strong match, terms (有效期) and deadlines, saved
searches; the count in the header; renewing an expired need brings it back."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from service.accounts import Role
from service.composition import Components
from service.desk.stages import Stage
from service.listings.schemas import Kind, Status
from tests.desk_support import ACHIEVEMENT, NEED, api_client, make_user, own
from tests.pages import page_client, sign_in

pytestmark = pytest.mark.anyio


def _owner(market: Components) -> int:
    user = make_user(market, Role.enterprise, "ent-inbox")
    own(market, user, Kind.need, NEED)
    return user.id


def test_an_expired_need_leaves_search_and_matching_and_its_owner_is_told(
    seeded_market: Components,
) -> None:
    owner = _owner(seeded_market)
    need = seeded_market.catalog.get(Kind.need, NEED)
    end = seeded_market.terms.expires_on(Kind.need, need)
    assert end == need.created_at.date() + dt.timedelta(days=365)
    gone = seeded_market.terms.run(today=end + dt.timedelta(days=1))
    assert NEED in gone and len(gone) > 100  # every seed need was posted on the same day
    assert seeded_market.catalog.get(Kind.need, NEED).status is Status.withdrawn
    found = seeded_market.searcher.search(need.title, kind=Kind.need)
    assert NEED not in [i.id for i in found.items]
    titles = [n.title for n in seeded_market.inbox.items(owner)]
    assert any("已过有效期" in t for t in titles)
    again = seeded_market.terms.run(today=end + dt.timedelta(days=2))
    assert again == [] and len(seeded_market.inbox.items(owner)) == len(titles)  # told once
    new_end = seeded_market.terms.renew(Kind.need, NEED, today=end + dt.timedelta(days=3))
    assert new_end == end + dt.timedelta(days=368)
    assert seeded_market.catalog.get(Kind.need, NEED).status is Status.published


def test_reminders_before_the_term_and_the_deadline(seeded_market: Components) -> None:
    owner = _owner(seeded_market)
    need = seeded_market.catalog.get(Kind.need, NEED)
    end = seeded_market.terms.expires_on(Kind.need, need)
    assert end is not None
    seeded_market.terms.run(today=end - dt.timedelta(days=10))
    titles = [n.title for n in seeded_market.inbox.items(owner)]
    assert any(f"有效期到 {end}" in t for t in titles)
    if need.deadline is not None:
        seeded_market.terms.run(today=need.deadline - dt.timedelta(days=3))
        assert any("截止日期" in n.title for n in seeded_market.inbox.items(owner))


async def test_broker_moves_and_strong_matches_reach_the_header_count(
    seeded_market: Components,
) -> None:
    owner = _owner(seeded_market)
    broker = make_user(seeded_market, Role.broker)
    pair = seeded_market.desk.recommend(NEED, ACHIEVEMENT, broker)
    seeded_market.desk.move(pair.id, Stage.contacted, broker)  # told at once
    seeded_market.watcher.sweep_all(force=True)  # the background round: strong matches
    async with page_client(seeded_market) as client:
        await sign_in(client, seeded_market, "ent-inbox", Role.enterprise)
        home = (await client.get("/")).text
        count = re.search(r'class="count" aria-label="(\d+) 条未读"', home)
        assert count and int(count[1]) >= 1
        inbox = (await client.get("/inbox")).text
        need = seeded_market.catalog.get(Kind.need, NEED).title
        achievement = seeded_market.catalog.get(Kind.achievement, ACHIEVEMENT).title
        told = f"「{need}」×「{achievement}」：经纪人已联系双方，对方的联系方式现在可见"
        assert f'<a href="/needs/{NEED}">{told}</a>' in inbox  # titles, linked, no raw ids
        assert f"{NEED} × {ACHIEVEMENT}" not in inbox
        strong = [n for n in seeded_market.inbox.items(owner) if "高度匹配" in n.title]
        best = seeded_market.matcher.match(Kind.need, NEED, limit=1).matches[0]
        assert bool(strong) == (best.tier == "strong")
        token = re.search(r'name="csrf_token" value="([^"]+)"', inbox)
        assert token
        await client.post("/inbox/read", data={"csrf_token": token[1]})
        assert "条未读" not in (await client.get("/inbox")).text.split("<main")[0]


async def test_a_saved_search_tells_of_new_results(seeded_market: Components) -> None:
    user = make_user(seeded_market, Role.enterprise, "ent-saved")
    async with api_client(seeded_market, user) as client:
        r = await client.post("/api/saved-searches", json={"q": "玄武岩纤维 复合筋"})
        assert r.status_code == 201, r.text
        assert seeded_market.saved_searches.check(user.id) == 0  # nothing new yet
        uni = make_user(seeded_market, Role.university, "uni-saved")
        from service.listings.schemas import AchievementIn

        seeded_market.listings.create(
            Kind.achievement,
            AchievementIn(
                title="玄武岩纤维复合筋锚杆快速安装工艺",
                summary="玄武岩纤维复合筋锚杆配套的快速安装工艺与专用机具，适合边坡支护。",
                institution="示例大学",
                field="materials.basalt_fiber",
                maturity="pilot",
            ),
            uni,
        )
        assert seeded_market.saved_searches.check(user.id) == 1
        inbox = (await client.get("/api/inbox")).json()
        assert inbox["unread"] == 1 and "有 1 条新结果" in inbox["items"][0]["title"]
        assert inbox["items"][0]["link"].startswith("/search?q=")
        saved = (await client.get("/api/saved-searches")).json()
        assert (await client.delete(f"/api/saved-searches/{saved[0]['id']}")).status_code == 204


async def test_the_owner_renews_from_the_page(seeded_market: Components) -> None:
    _owner(seeded_market)
    need = seeded_market.catalog.get(Kind.need, NEED)
    end = seeded_market.terms.expires_on(Kind.need, need)
    assert end is not None
    seeded_market.terms.run(today=end + dt.timedelta(days=1))
    async with page_client(seeded_market) as client:
        token = await sign_in(client, seeded_market, "ent-inbox", Role.enterprise)
        page = (await client.get(f"/needs/{NEED}")).text
        assert "已过有效期" in page and "续期一年" in page
        r = await client.post(f"/needs/{NEED}/renew", data={"csrf_token": token})
        assert r.status_code == 303
        page = (await client.get(f"/needs/{NEED}")).text
        assert "已续期" in page and "可能解决该需求的科技成果" in page
