"""Structured features between a need and an achievement, each with a reason in words.

Every feature yields a value in [0, 1], a short note for the explanation, and, when the pair
does not fit on that point, a sentence saying what does not fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from service.listings.schemas import Maturity, TransferMode
from service.listings.taxonomy import Taxonomy


@dataclass(frozen=True)
class Feature:
    name: str
    label: str
    value: float
    note: str
    mismatch: str | None = None


def _wan(value: float) -> str:
    return f"{value:g}万"


def field_feature(need: Any, achievement: Any, taxonomy: Taxonomy) -> Feature:
    a, n = taxonomy.field(achievement.field), taxonomy.field(need.field)
    if achievement.field == need.field:
        return Feature("field", "领域", 1.0, f"同属细分领域「{taxonomy.label(need.field)}」")
    if a and n and a.top == n.top:
        return Feature("field", "领域", 0.5, f"同属「{taxonomy.label(n.top)}」，细分领域不同")
    return Feature(
        "field",
        "领域",
        0.0,
        "领域不同",
        f"领域不同：需求属「{taxonomy.label(need.field)}」，"
        f"成果属「{taxonomy.label(achievement.field)}」",
    )


def maturity_feature(need: Any, achievement: Any) -> Feature:
    have = Maturity(achievement.maturity)
    if need.required_maturity is None:
        return Feature("maturity", "成熟度", 1.0, f"成果处于{have.label}阶段，需求未限定")
    want = Maturity(need.required_maturity)
    gap = want.rank - have.rank
    if gap <= 0:
        return Feature("maturity", "成熟度", 1.0, f"成果{have.label}，满足最低要求{want.label}")
    text = f"成熟度{have.label}低于需求要求的{want.label}"
    return Feature("maturity", "成熟度", 0.4 if gap == 1 else 0.0, text, text)


def mode_feature(need: Any, achievement: Any) -> Feature:
    wanted = {TransferMode(m) for m in need.cooperation_modes}
    offered = {TransferMode(m) for m in achievement.transfer_modes}
    if not wanted or not offered:
        return Feature("mode", "合作方式", 0.5, "合作方式未注明，需洽谈")
    common = wanted & offered
    if common:
        names = "、".join(m.label for m in sorted(common))
        return Feature("mode", "合作方式", 1.0, f"合作方式一致：{names}")
    text = (
        "合作方式不符：需求希望"
        + "、".join(m.label for m in sorted(wanted))
        + "，成果提供"
        + "、".join(m.label for m in sorted(offered))
    )
    return Feature("mode", "合作方式", 0.0, text, text)


def money_feature(need: Any, achievement: Any) -> Feature:
    price, budget = achievement.price_wan, need.budget_wan
    if price is None or budget is None:
        which = "价格" if price is None else "预算"
        return Feature("money", "价格与预算", 0.6, f"{which}面议")
    if price <= budget:
        return Feature("money", "价格与预算", 1.0, f"价格{_wan(price)}在预算{_wan(budget)}以内")
    text = f"价格{_wan(price)}高于预算{_wan(budget)}"
    return Feature("money", "价格与预算", 0.4 if price <= 1.5 * budget else 0.0, text, text)


def region_feature(need: Any, achievement: Any, taxonomy: Taxonomy) -> Feature:
    a, n = achievement.region, need.region
    tiers = {taxonomy.tier(a), taxonomy.tier(n)}
    if a and a == n:
        return Feature("region", "地域", 1.0, f"同在{n}")
    if tiers == {"dazhou"}:
        return Feature("region", "地域", 0.75, f"同在达州（{a} / {n}）")
    if tiers <= {"dazhou", "northeast"}:
        return Feature("region", "地域", 0.5, f"同在川东北（{a} / {n}）")
    return Feature("region", "地域", 0.2, f"异地：成果在{a or '未注明'}，需求在{n}")


def structured_features(need: Any, achievement: Any, taxonomy: Taxonomy) -> list[Feature]:
    """The five features of a pair. They depend only on a few attributes of each side, whose
    values repeat across a market (a few dozen fields, four maturities, five modes …), so each
    is computed once per distinct combination (``FeatureTable``)."""
    return feature_table(taxonomy).features(need, achievement)


class _Facts:
    """The attributes a feature reads, as plain hashable values (the cache's key)."""

    def __init__(
        self,
        field: str = "",
        region: str | None = None,
        maturity: str | None = None,
        required_maturity: str | None = None,
        modes: tuple[str, ...] = (),
        money: float | None = None,
    ) -> None:
        self.field, self.region = field, region
        self.maturity, self.required_maturity = maturity, required_maturity
        self.cooperation_modes = self.transfer_modes = modes
        self.budget_wan = self.price_wan = money


def _modes(values: Any) -> tuple[str, ...]:
    if type(values) is tuple:  # CandidateFacts: codes, sorted when read
        return values
    return tuple(sorted(getattr(m, "value", m) for m in values or ()))


def _level(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


class FeatureTable:
    """Memoised features of one taxonomy, keyed by the values each feature reads."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.field = lru_cache(maxsize=16384)(self._field)
        self.maturity = lru_cache(maxsize=1024)(self._maturity)
        self.mode = lru_cache(maxsize=4096)(self._mode)
        self.money = lru_cache(maxsize=16384)(self._money)
        self.region = lru_cache(maxsize=16384)(self._region)

    def features(self, need: Any, achievement: Any) -> list[Feature]:
        return self.pair(self.side(need, True), self.side(achievement, False))

    def pair(self, n: tuple[Any, ...], a: tuple[Any, ...]) -> list[Feature]:
        """The features of a need's and an achievement's ``side`` keys."""
        return [
            self.field(n[0], a[0]),
            self.maturity(n[1], a[1]),
            self.mode(n[2], a[2]),
            self.money(n[3], a[3]),
            self.region(n[4], a[4]),
        ]

    def side(self, listing: Any, need: bool) -> tuple[Any, ...]:
        """(field, maturity, modes, money, region) of one side, as the caches key them (a
        request's source is keyed once, each candidate once)."""
        if need:
            return (
                listing.field,
                _level(listing.required_maturity),
                _modes(listing.cooperation_modes),
                listing.budget_wan,
                listing.region,
            )
        return (listing.field, _level(listing.maturity), _modes(listing.transfer_modes),
                listing.price_wan, listing.region)  # fmt: skip

    def _field(self, need: str, achievement: str) -> Feature:
        return field_feature(_Facts(field=need), _Facts(field=achievement), self.taxonomy)

    def _maturity(self, required: str | None, have: str | None) -> Feature:
        return maturity_feature(_Facts(required_maturity=required), _Facts(maturity=have))

    def _mode(self, wanted: tuple[str, ...], offered: tuple[str, ...]) -> Feature:
        return mode_feature(_Facts(modes=wanted), _Facts(modes=offered))

    def _money(self, budget: float | None, price: float | None) -> Feature:
        return money_feature(_Facts(money=budget), _Facts(money=price))

    def _region(self, need: str | None, achievement: str | None) -> Feature:
        return region_feature(_Facts(region=need), _Facts(region=achievement), self.taxonomy)


_TABLES: dict[int, FeatureTable] = {}


def feature_table(taxonomy: Taxonomy) -> FeatureTable:
    """One table per taxonomy object (taxonomies are immutable once installed)."""
    table = _TABLES.get(id(taxonomy))
    if table is None or table.taxonomy is not taxonomy:
        table = _TABLES[id(taxonomy)] = FeatureTable(taxonomy)
    return table
