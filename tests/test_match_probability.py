"""Everything built on match scores reads the calibrated probability (#23): the API in both
directions, the pages (tier in words, plain bars, technical detail for brokers only), the inbox
(strong pairs only), event invitations (≥ possible, at most 3 × capacity) and 揭榜挂帅
candidates (one strong fit over many weak ones)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from service import clock
from service.accounts import Role
from service.composition import Components
from service.listings.schemas import Kind
from service.programmes.challenges.solvers import rank_solvers, solver_score
from service.programmes.common_needs.views import GroupMatch
from tests.desk_support import NEED, api_client, make_user, own
from tests.pages import page_client, sign_in

pytestmark = pytest.mark.anyio
TIER_TEXT = re.compile(r"(高度匹配|可能匹配|匹配度低) (\d{1,3}|<1)%")


async def test_every_match_carries_a_probability_and_a_tier_both_ways(
    seeded_market: Components,
) -> None:
    async with api_client(seeded_market, None) as client:
        for path in ("/api/needs/N1001/matches", "/api/achievements/A1001/matches"):
            body = (await client.get(path, params={"limit": 10})).json()
            matches = body["matches"]
            assert matches, path
            for m in matches:
                assert 0.0 <= m["probability"] <= 1.0 and m["tier"] in {
                    "strong",
                    "possible",
                    "weak",
                }
            probabilities = [m["probability"] for m in matches]
            assert probabilities == sorted(probabilities, reverse=True)  # the order is kept
            assert body["calibration"] is None  # lexical market, lexical calibration
        health = (await client.get("/api/health")).json()["calibration"]
        assert health["variant"] == "lexical" and health["notice"] is None


async def test_pages_show_the_tier_in_words_and_no_raw_numbers(seeded_market: Components) -> None:
    async with page_client(seeded_market) as client:
        html = (await client.get(f"/needs/{NEED}")).text
    section = html.split("可能解决该需求的科技成果", 1)[1]
    assert TIER_TEXT.search(section) and "按匹配可能性从高到低排列" in section
    for raw in ("BM25", "余弦", "+0.00", "综合得分", "技术细节"):
        assert raw not in section, raw
    match = seeded_market.matcher.match(Kind.need, NEED, 10).matches[0]
    weighed = [c for c in match.components if c.weight >= 0.01]
    first = section.split('<table class="components">', 1)[1].split("</table>", 1)[0]
    assert first.count("<tr>") == len(weighed) < len(match.components)
    async with page_client(seeded_market) as client:
        await sign_in(client, seeded_market, "calib-broker", Role.broker)
        broker = (await client.get(f"/needs/{NEED}")).text
    assert '<details class="technical">' in broker and "BM25" in broker


async def test_strong_match_messages_only_for_strong_pairs(seeded_market: Components) -> None:
    user = make_user(seeded_market, Role.enterprise, "ent-calib")
    mine = ["N1001", "N1002", "N1003", "N1004", "N1005"]
    for need_id in mine:
        own(seeded_market, user, Kind.need, need_id)
    seeded_market.watcher.sweep(user)
    pattern = re.compile(r"「(.+)」有新的高度匹配：(.+)（(高度匹配 \d+%)）")
    told = {pattern.fullmatch(n.title) for n in seeded_market.inbox.items(user.id)}
    pairs = {(m[1], m[2]) for m in told if m}
    expected = set()
    for need_id in mine:
        need = seeded_market.catalog.get(Kind.need, need_id)
        for m in seeded_market.matcher.match(Kind.need, need_id, 3).matches:
            if m.tier == "strong":
                expected.add((need.title, m.title))
    assert pairs == expected
    assert not any("得分" in n.title for n in seeded_market.inbox.items(user.id))


async def test_invitations_are_possible_or_better_and_bounded_by_the_seats(
    seeded_market: Components,
) -> None:
    broker = make_user(seeded_market, Role.broker)
    event = {
        "title": "新材料成果对接会", "kind": "对接会", "date": clock.today().isoformat(),
        "place": "达州市科技局", "field": "materials", "capacity": 2,
    }  # fmt: skip
    async with api_client(seeded_market, broker) as client:
        created = (await client.post("/api/events", json=event)).json()
        url = f"/api/events/{created['id']}/invitations"
        body = (await client.get(url)).json()
        everyone = (await client.get(url, params={"limit": 1000})).json()
    assert body["limit"] == 6 and body["total"] <= 6
    assert body["total"] == min(6, body["eligible"]) and everyone["total"] == body["eligible"]
    assert body["eligible"] > 0
    for item in everyone["items"]:
        assert item["tier"] in {"strong", "possible"}
        for reason in item["achievements"]:
            assert reason["tier"] in {"strong", "possible"}
            assert f"《{reason['need_title']}》" in reason["reason"]
            assert TIER_TEXT.search(reason["reason"])
    best = [i["probability"] for i in everyone["items"]]
    assert best == sorted(best, reverse=True)


def _group_match(org: str, achievement: str, probability: float, tier: str) -> GroupMatch:
    return GroupMatch(
        id=achievement, kind=Kind.achievement, title=f"成果{achievement}", organisation=org,
        field="new_materials", field_label="新材料", region=None, maturity=None, money_wan=None,
        rank=1, score=0.5, fused=0.1, serves=[], components=[], shared_terms=[], mismatches=[],
        explanation="", probability=probability, tier=tier,
    )  # fmt: skip


def test_one_strong_fit_outranks_many_weak_ones() -> None:
    ranked = [
        _group_match("广撒网研究院", f"A9{i}", p, "possible" if p >= 0.25 else "weak")
        for i, p in enumerate((0.4, 0.35, 0.3, 0.2, 0.2, 0.1))
    ] + [
        _group_match("对口大学", "A800", 0.8, "strong"),
        _group_match("对口大学", "A801", 0.05, "weak"),
    ]
    solvers = rank_solvers(ranked, invited=set())
    assert [s.institution for s in solvers] == ["对口大学", "广撒网研究院"]
    first, second = solvers
    assert first.probability == 0.8 and first.tier == "strong"
    assert [a.id for a in first.achievements] == ["A800"]  # only what fits is shown
    assert "高度匹配 80%" in first.explanation
    assert [a.id for a in second.achievements] == ["A90", "A91", "A92"]
    assert second.score == solver_score([0.4, 0.35, 0.3]) < first.score


async def test_the_common_needs_page_shows_no_internal_parameter(
    seeded_market: Components,
) -> None:
    async with page_client(seeded_market) as client:
        page = await client.get("/common-needs")
    assert page.status_code == 200
    assert "阈值" not in page.text and "聚类" in page.text
    assert not re.search(r"相似度 0\.\d", page.text)


@pytest.mark.parametrize("kind, listing_id", [(Kind.need, "N2001"), (Kind.achievement, "A2003")])
def test_a_list_is_ordered_by_its_probability_and_keeps_the_same_candidates(
    seeded_market: Components, kind: Kind, listing_id: str
) -> None:
    from service.matching.calibration import FITTED_TOP
    from service.matching.weights import MatchConfig, Weights

    def by_chance(matches: list[Any]) -> bool:
        chances = [(m.probability, m.score) for m in matches]
        assert all(p is not None for p, _ in chances)
        return chances == sorted(chances, key=lambda c: (-(c[0] or 0.0), -c[1]))

    # weights that rank unlike the calibration's own, so score and probability disagree
    weights = Weights(text=0.3, field=0.4, maturity=0.1, mode=0.1, money=0.05, region=0.05)
    listed = seeded_market.matcher.variant(weights).match(kind, listing_id, FITTED_TOP).matches
    by_score = seeded_market.matcher.variant(weights, MatchConfig(ordered=False))
    scored = by_score.match(kind, listing_id, FITTED_TOP).matches
    assert not by_chance(scored)  # the test can tell the two orders apart
    assert {m.id for m in listed} == {m.id for m in scored}  # the same candidates, reordered
    assert by_chance(listed)


def test_order_lists_the_fitted_top_by_probability_and_leaves_the_rest() -> None:
    from dataclasses import dataclass

    from service.matching.calibration import FITTED_TOP, order

    @dataclass
    class Scored:
        id: str
        total: float
        probability: float | None

    first = [Scored(f"A{i:03}", 1.0 - i / 100, 0.1 if i % 2 else 0.6) for i in range(FITTED_TOP)]
    rest = [Scored("Z1", 0.1, 0.99), Scored("Z2", 0.05, 0.0)]
    ordered = order(first + rest)
    assert [s.probability for s in ordered[:FITTED_TOP]] == [0.6] * 10 + [0.1] * 10
    assert [s.id for s in ordered[:2]] == ["A000", "A002"]  # equal chances: by score
    assert ordered[FITTED_TOP:] == rest  # below the fitted top the list stays by score
