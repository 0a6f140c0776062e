"""The 技术合同成交额 part of /stats: the year's registered amount against the target, its charts
(by month, county, field, contract type) and the programmes' share. Its JSON twin is
GET /api/stats/transactions."""

from __future__ import annotations

from markupsafe import Markup

from service.programmes.offers.transactions import Group, TransactionStats
from web.stats.chart_format import fmt_number
from web.stats.charts import bar_chart, column_chart


def _described(groups: list[Group]) -> str:
    shown = [g for g in groups if g.count]
    return "；".join(f"{g.label} {fmt_number(g.amount_wan)} 万元" for g in shown) or "暂无登记合同"


class TransactionsView:
    def __init__(self, stats: TransactionStats) -> None:
        self.stats = stats

    @property
    def yi(self) -> str:
        """The target in 亿元, as the city states it."""
        return fmt_number(self.stats.target_wan / 10_000)

    @property
    def percent(self) -> str:
        return f"{self.stats.progress * 100:.1f}%"

    @property
    def permille(self) -> int:
        """The progress for a <progress max=1000> (no inline style: the CSP allows none)."""
        return round(min(self.stats.progress, 1.0) * 1000)

    def months_chart(self) -> Markup:
        s = self.stats
        desc = f"{s.year} 年每月登记的技术合同成交额（万元）：{_described(s.by_month)}。"
        items = [(g.label, g.amount_wan) for g in s.by_month]
        title = f"{s.year} 年各月登记成交额（万元）"
        return column_chart("chart-tx-months", title, desc, items, unit="万元")

    def _bars(self, chart_id: str, title: str, groups: list[Group]) -> Markup:
        items = [(g.label, g.amount_wan) for g in groups]
        return bar_chart(chart_id, title, _described(groups) + "。", items, unit="万")

    def counties_chart(self) -> Markup:
        return self._bars("chart-tx-counties", "按县（市、区）的登记成交额", self.stats.by_county)

    def fields_chart(self) -> Markup:
        return self._bars("chart-tx-fields", "按技术领域的登记成交额", self.stats.by_field)

    def types_chart(self) -> Markup:
        return self._bars("chart-tx-types", "按合同类型的登记成交额", self.stats.by_type)
