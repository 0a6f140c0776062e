"""Market statistics: counts on the seed catalog, the funnel from desk history, deal amounts,
and the /stats page with its JSON twin /api/stats."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from service.catalog.models import AchievementRow, NeedRow
from service.composition import Components
from service.desk.models import ContractRow, DeskMatchRow, StageChangeRow
from service.listings.taxonomy import get_taxonomy
from service.stats.market import _fill_months
from tests.pages import page_client

pytestmark = pytest.mark.anyio

SELLER, BUYER = "保密示例大学卖方", "保密示例公司买方"


@dataclass
class Ids:
    materials_need: str
    agriculture_need: str
    achievements: list[str]


def _ids(session: Session) -> Ids:
    def need_in(top: str) -> str:
        stmt = select(NeedRow.id).where(NeedRow.field.startswith(top + ".")).order_by(NeedRow.id)
        return session.scalars(stmt).first() or ""

    achievements = list(session.scalars(select(AchievementRow.id).order_by(AchievementRow.id)))
    return Ids(need_in("materials"), need_in("agriculture"), achievements[:20])


def _pair(
    session: Session,
    need: str,
    achievement: str,
    path: list[str],
    *,
    reason: str = "price",
    history: bool = True,
) -> int:
    """A desk pair moved along ``path``; each move leaves a history row unless told not to."""
    lost = path[-1] == "lost"
    row = DeskMatchRow(
        need_id=need,
        achievement_id=achievement,
        stage=path[-1],
        lost_reason=reason if lost else None,
    )
    session.add(row)
    session.flush()
    before = None
    for stage in path if history else []:
        why = reason if stage == "lost" else None
        session.add(StageChangeRow(match_id=row.id, from_stage=before, to_stage=stage, reason=why))
        before = stage
    return row.id


def _contract(session: Session, match_id: int, kind: str, amount: float, signed: str) -> None:
    session.add(
        ContractRow(
            match_id=match_id,
            title="示例合同",
            contract_type=kind,
            seller=SELLER,
            buyer=BUYER,
            amount_wan=amount,
            signed_on=dt.date.fromisoformat(signed),
        )
    )


PIPE = ["recommended", "contacted", "negotiating", "signed"]


@pytest.fixture()
def desk_market(seeded_market: Components) -> Components:
    """The seed catalog plus ten desk pairs at known stages and three contracts."""
    seeded_market.catalog.create_schema()
    with sessionmaker(seeded_market.catalog.engine)() as s:
        ids = _ids(s)
        need, other, a = ids.materials_need, ids.agriculture_need, ids.achievements
        _pair(s, need, a[0], ["recommended"])
        signed = _pair(s, need, a[1], PIPE)
        registered = _pair(s, other, a[2], [*PIPE, "registered"])
        _pair(s, need, a[3], ["recommended", "contacted", "lost"])  # lost after 已联系, price
        _pair(s, need, a[4], ["requested"])
        _pair(s, need, a[5], ["requested", "shortlisted"])
        void = _pair(s, other, a[6], [*PIPE, "lost"], reason="other")  # contract void
        # recommended, lost, reopened, contacted: reached 已联系 once, not lost now
        _pair(s, need, a[7], ["recommended", "lost", "recommended", "contacted"])
        _pair(s, need, a[8], ["negotiating"], history=False)  # a row without history
        _pair(s, need, a[9], ["dismissed"])
        _contract(s, signed, "transfer", 50, "2025-03-10")
        _contract(s, registered, "development", 30.5, "2025-05-02")
        _contract(s, void, "license", 100, "2025-04-01")
        s.commit()
    return seeded_market


def test_listing_counts_match_the_published_catalog(seeded_market: Components) -> None:
    taxonomy = get_taxonomy()
    counts = seeded_market.stats.listing_counts()
    with sessionmaker(seeded_market.catalog.engine)() as s:
        needs = s.scalars(select(NeedRow).where(NeedRow.status == "published")).all()
        tops = [info.top for n in needs if (info := taxonomy.field(n.field)) is not None]
        expected = tops.count("materials")
        assert counts.needs == len(needs)
    materials = next(f for f in counts.by_field if f.code == "materials")
    assert materials.label == "新材料" and materials.needs == expected
    assert [f.code for f in counts.by_field] == [f.code for f in taxonomy.top_fields()]
    assert sum(f.achievements for f in counts.by_field) == counts.achievements
    assert sum(r.needs for r in counts.by_region) == counts.needs
    assert sum(t.achievements for t in counts.by_tier) == counts.achievements
    assert [t.label for t in counts.by_tier] == ["达州市", "川东北及周边", "其他地区"]
    dazhou = {r.region for r in counts.by_region if r.tier == "dazhou"}
    assert {"通川区", "达川区", "宣汉县"} <= dazhou


def test_unpublished_listings_are_not_counted(seeded_market: Components) -> None:
    before = seeded_market.stats.listing_counts()
    with sessionmaker(seeded_market.catalog.engine)() as s:
        first = s.scalars(select(NeedRow.id).order_by(NeedRow.id)).first()
        s.execute(update(NeedRow).where(NeedRow.id == first).values(status="withdrawn"))
        s.commit()
    assert seeded_market.stats.listing_counts().needs == before.needs - 1


def test_funnel_counts_every_stage_a_pair_reached(desk_market: Components) -> None:
    funnel = desk_market.stats.market().funnel
    reached = {s.stage.value: s.reached for s in funnel.steps}
    assert reached == {
        "recommended": 7,
        "contacted": 6,
        "negotiating": 4,
        "signed": 3,
        "registered": 1,
    }
    assert [s.current for s in funnel.steps] == [1, 1, 1, 1, 1]
    assert {s.stage.value: s.lost_here for s in funnel.steps if s.lost_here} == {
        "contacted": 1,
        "signed": 1,
    }
    assert funnel.steps[0].rate is None
    assert funnel.steps[1].rate == pytest.approx(6 / 7, abs=1e-4)
    assert funnel.signed_rate == pytest.approx(3 / 7, abs=1e-4)
    assert {b.stage.value: b.count for b in funnel.before} == {
        "requested": 1,
        "shortlisted": 1,
        "dismissed": 1,
    }
    assert funnel.lost == 2
    reasons = {r.reason: r.count for r in funnel.lost_reasons}
    assert reasons == {"price": 1, "maturity": 0, "mismatch": 0, "no_response": 0, "other": 1}


def test_deals_by_type_month_and_field(desk_market: Components) -> None:
    deals = desk_market.stats.market().deals
    assert (deals.count, deals.amount_wan) == (2, 80.5)  # the lost pair's contract is void
    assert (deals.registered, deals.registered_amount_wan) == (1, 30.5)
    by_type = {g.key: (g.count, g.amount_wan) for g in deals.by_type}
    assert by_type["transfer"] == (1, 50) and by_type["development"] == (1, 30.5)
    assert by_type["license"] == (0, 0) and len(by_type) == 5
    months = [(g.key, g.label, g.count, g.amount_wan) for g in deals.by_month]
    assert months == [
        ("2025-03", "2025年3月", 1, 50),
        ("2025-04", "2025年4月", 0, 0),
        ("2025-05", "2025年5月", 1, 30.5),
    ]
    fields = [(g.key, g.label, g.amount_wan) for g in deals.by_field]
    assert fields == [("materials", "新材料", 50), ("agriculture", "现代农业", 30.5)]


def test_months_are_filled_across_a_new_year() -> None:
    groups = _fill_months({(2024, 11): (1, 5.0), (2025, 2): (2, 7.5)})
    assert [g.key for g in groups] == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert [g.count for g in groups] == [1, 0, 0, 2]
    assert _fill_months({}) == []


def test_an_empty_market_has_zeros_and_no_rates(market: Components) -> None:
    stats = market.stats.market()
    assert stats.listings.achievements == 0 and stats.deals.count == 0
    assert all(s.reached == 0 and s.rate is None for s in stats.funnel.steps)
    assert stats.funnel.signed_rate is None and stats.deals.by_month == []


_SVG = re.compile(r"<svg.*?</svg>", re.S)


async def test_stats_page_shows_charts_and_tables(desk_market: Components) -> None:
    async with page_client(desk_market) as client:
        response = await client.get("/stats")
    assert response.status_code == 200
    html = response.text
    assert "市场统计" in html and "/static/stats.css" in html
    charts = _SVG.findall(html)
    assert len(charts) == 12  # 8 of the market, 4 of the year's 技术合同成交额
    for chart in charts:
        root = ET.fromstring(chart)
        assert root.get("role") == "img" and root.get("aria-labelledby")
    assert html.count("<table") >= 8 and "<caption>" in html
    assert "80.5" in html and "合同登记" in html and "技术转让" in html
    assert SELLER not in html and BUYER not in html  # public page: no party names


async def test_stats_page_renders_with_no_data(market: Components) -> None:
    async with page_client(market) as client:
        response = await client.get("/stats")
    assert response.status_code == 200
    assert "暂无数据" in response.text and "暂无合同" in response.text


async def test_api_stats_is_the_pages_json_twin(desk_market: Components) -> None:
    async with page_client(desk_market) as client:
        response = await client.get("/api/stats")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"generated_at", "listings", "funnel", "deals"}
    assert [s["stage"] for s in data["funnel"]["steps"]] == [
        "recommended",
        "contacted",
        "negotiating",
        "signed",
        "registered",
    ]
    assert data["deals"]["amount_wan"] == 80.5
    assert data["listings"]["by_field"][0].keys() == {"code", "label", "achievements", "needs"}
    expected = desk_market.stats.market().model_dump(mode="json")
    assert {k: v for k, v in data.items() if k != "generated_at"} == {
        k: v for k, v in expected.items() if k != "generated_at"
    }
    assert SELLER not in response.text
