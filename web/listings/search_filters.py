"""Search-page query parameters → index filters, with a readable note for each one ignored."""

from __future__ import annotations

from indexer.base import Filters
from service.listings.schemas import Maturity, TransferMode
from service.listings.taxonomy import Taxonomy


def _money(value: str, label: str, problems: list[str]) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        problems.append(f"{label}“{value}”不是数字，已忽略")
        return None
    if number < 0:
        problems.append(f"{label}不能为负数，已忽略")
        return None
    return number


def search_filters(params: dict[str, str], taxonomy: Taxonomy) -> tuple[Filters, list[str]]:
    """The filters a shared search URL asks for; bad values are dropped with a note."""
    problems: list[str] = []
    field = params.get("field") or None
    if field and taxonomy.field(field) is None:
        problems.append(f"未知领域“{field}”，已忽略")
        field = None
    maturity = params.get("maturity") or None
    if maturity and maturity not in {m.value for m in Maturity}:
        problems.append(f"未知成熟度“{maturity}”，已忽略")
        maturity = None
    mode = params.get("mode") or None
    if mode and mode not in {m.value for m in TransferMode}:
        problems.append(f"未知合作方式“{mode}”，已忽略")
        mode = None
    region = params.get("region") or None
    if region and region not in taxonomy.regions:
        problems.append(f"未知地区“{region}”，已忽略")
        region = None
    low = _money(params.get("money_min", ""), "最低金额", problems)
    high = _money(params.get("money_max", ""), "最高金额", problems)
    if low is not None and high is not None and low > high:
        problems.append("最低金额大于最高金额，已对调")
        low, high = high, low
    filters = Filters(
        field=field, maturity=maturity, mode=mode, region=region, money_min=low, money_max=high
    )
    return filters, problems
