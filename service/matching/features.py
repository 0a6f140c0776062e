"""Structured features between a need and an achievement, each with a reason in words.

Every feature yields a value in [0, 1], a short note for the explanation, and, when the pair
does not fit on that point, a sentence saying what does not fit.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    return [
        field_feature(need, achievement, taxonomy),
        maturity_feature(need, achievement),
        mode_feature(need, achievement),
        money_feature(need, achievement),
        region_feature(need, achievement, taxonomy),
    ]
