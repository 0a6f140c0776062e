"""The market statistics page (/stats): charts drawn on the server, a data table under each.

Public: it shows counts and amounts only, never a party's name or contact. Its JSON twin is
GET /api/stats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from starlette.responses import Response

from service import clock
from service.http.deps import StatsDep
from service.programmes.challenges.api import ChallengeStatsDep
from service.programmes.events.api import ProgrammeStatsDep
from service.programmes.offers.api import TransactionsDep
from service.stats.market import TIER_LABELS
from service.stats.models import FieldCount, MarketStats, RegionCount
from web.stats.chart_format import fmt_number, fmt_percent
from web.stats.charts import LOST, bar_chart, column_chart, funnel_chart, grouped_bar_chart
from web.stats.transactions import TransactionsView
from web.templating import render

router = APIRouter(include_in_schema=False)

SERIES = ("科技成果", "企业需求")
MONTHS_SHOWN = 24
Counted = TypeVar("Counted", FieldCount, RegionCount)


@router.get("/stats", response_class=HTMLResponse)
def stats_page(
    request: Request,
    statistics: StatsDep,
    programme_stats: ProgrammeStatsDep,
    challenge_stats: ChallengeStatsDep,
    transactions: TransactionsDep,
) -> Response:
    stats = statistics.market()
    view = StatsView(stats)
    context = {
        "stats": stats,
        "view": view,
        "num": fmt_number,
        "pct": fmt_percent,
        "tier_labels": TIER_LABELS,
        "programmes": programme_stats.programmes(),
        "challenge_stats": challenge_stats.programmes(),  # 共性需求 and 揭榜挂帅
        "tx": TransactionsView(transactions.year(clock.today().year)),  # 技术合同成交额
    }
    return render(request, "stats.html", context)


def _by_total(items: Sequence[Counted]) -> list[Counted]:
    """Largest first; ties keep the taxonomy order."""
    return sorted(items, key=lambda c: -(c.achievements + c.needs))


class StatsView:
    """The page's rows (in chart order) and charts, from one ``MarketStats``."""

    def __init__(self, stats: MarketStats) -> None:
        self.stats = stats
        listings = stats.listings
        self.fields = _by_total(listings.by_field)
        self.counties = _by_total([r for r in listings.by_region if r.tier == "dazhou"])
        self.regions = [r for r in listings.by_region if r.achievements or r.needs]
        self.months = stats.deals.by_month[-MONTHS_SHOWN:]

    def fields_chart(self) -> Markup:
        n = self.stats.listings
        desc = (
            f"已发布科技成果 {n.achievements} 项、企业需求 {n.needs} 项，"
            f"按 {len(self.fields)} 个技术领域分组，数量见下表。"
        )
        rows = [(f.label, (f.achievements, f.needs)) for f in self.fields]
        return grouped_bar_chart("chart-fields", "各技术领域的成果与需求数量", desc, rows, SERIES)

    def counties_chart(self) -> Markup:
        rows = [(r.label, (r.achievements, r.needs)) for r in self.counties]
        desc = f"达州市 {len(rows)} 个县（市、区）已发布的成果与需求数量，见下表。"
        return grouped_bar_chart("chart-counties", "达州各县（市、区）", desc, rows, SERIES)

    def tiers_chart(self) -> Markup:
        tiers = self.stats.listings.by_tier
        rows = [(t.label, (t.achievements, t.needs)) for t in tiers]
        desc = "；".join(f"{t.label}：成果 {t.achievements}、需求 {t.needs}" for t in tiers)
        return grouped_bar_chart("chart-tiers", "按地区分组", desc + "。", rows, SERIES)

    def funnel_chart(self) -> Markup:
        steps = self.stats.funnel.steps
        desc = "；".join(f"{s.label} {s.reached} 对" for s in steps)
        desc = f"曾到达各阶段的成果需求对数：{desc}。每阶段相对上一阶段的保留比例见下表。"
        items = [(s.label, float(s.reached)) for s in steps]
        return funnel_chart("chart-funnel", "撮合漏斗", desc, items)

    def lost_chart(self) -> Markup:
        reasons = self.stats.funnel.lost_reasons
        desc = "；".join(f"{r.label} {r.count} 对" for r in reasons)
        items = [(r.label, float(r.count)) for r in reasons]
        title = "未成原因"
        return bar_chart("chart-lost", title, f"未成的对接按原因：{desc}。", items, color=LOST)

    def months_chart(self) -> Markup:
        deals = self.stats.deals
        desc = (
            f"按签订月份的合同金额（万元），共 {deals.count} 份、"
            f"{fmt_number(deals.amount_wan)} 万元，逐月数字见下表。"
        )
        items = [(_short_month(g.key), g.amount_wan) for g in self.months]
        return column_chart("chart-months", "每月成交金额（万元）", desc, items, unit="万元")

    def types_chart(self) -> Markup:
        groups = self.stats.deals.by_type
        desc = "；".join(f"{g.label} {fmt_number(g.amount_wan)} 万元" for g in groups)
        items = [(g.label, g.amount_wan) for g in groups]
        return bar_chart("chart-types", "按合同类型的成交金额", desc + "。", items, unit="万")

    def deal_fields_chart(self) -> Markup:
        groups = self.stats.deals.by_field
        desc = "；".join(f"{g.label} {fmt_number(g.amount_wan)} 万元" for g in groups)
        items = [(g.label, g.amount_wan) for g in groups]
        title = "按需求所属领域的成交金额"
        return bar_chart("chart-deal-fields", title, (desc or "暂无合同") + "。", items, unit="万")


def _short_month(key: str) -> str:
    """ "2025-03" → "2025年3月" (the chart thins the labels to fit)."""
    year, month = key.split("-")
    return f"{year}年{int(month)}月"
