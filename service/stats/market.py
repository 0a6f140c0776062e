"""Market statistics: published listings, the desk funnel and the contracts signed.

Everything is counted in SQL with GROUP BY; Python only rolls sub-fields up to their top
field, adds labels and fills gaps. ``listing_counts`` is the part the home page reuses.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import ColumnElement, Connection, case, extract, func, select, union_all
from sqlalchemy import Engine as SqlEngine

from service.catalog.models import AchievementRow, NeedRow, utcnow
from service.desk.models import ContractRow, DeskMatchRow, StageChangeRow
from service.desk.stages import PIPELINE, ContractType, LostReason, Stage
from service.listings.schemas import Status
from service.listings.taxonomy import REGION_TIERS, Taxonomy
from service.stats.models import (
    DealGroup,
    Deals,
    FieldCount,
    Funnel,
    FunnelStep,
    ListingCounts,
    MarketStats,
    ReasonCount,
    RegionCount,
    StageCount,
    TierCount,
)

TIER_LABELS = {"dazhou": "达州市", "northeast": "川东北及周边", "elsewhere": "其他地区"}
UNSPECIFIED = "未注明"
BEFORE_PIPELINE = (Stage.requested, Stage.shortlisted, Stage.dismissed)
DEAL_STAGES = (Stage.signed.value, Stage.registered.value)

# How far along the pipeline a stage is: 推荐 = 1 … 合同登记 = 5; 未成 is only ever reached
# from the pipeline, so a lost pair has at least been recommended.
_RANK = {stage.value: n for n, stage in enumerate(PIPELINE, start=1)} | {Stage.lost.value: 1}


class MarketStatistics:
    """The statistics of one market's database, labelled with its taxonomy."""

    def __init__(self, db: SqlEngine, taxonomy: Taxonomy) -> None:
        self.db = db
        self.taxonomy = taxonomy

    def market(self) -> MarketStats:
        """Every figure of the statistics page, read in one connection."""
        with self.db.connect() as conn:
            return MarketStats(
                generated_at=utcnow(),
                listings=_listing_counts(conn, self.taxonomy),
                funnel=_funnel(conn),
                deals=_deals(conn, self.taxonomy),
            )

    def listing_counts(self) -> ListingCounts:
        """Published achievements and needs by top field, region and region tier."""
        with self.db.connect() as conn:
            return _listing_counts(conn, self.taxonomy)


# ---- listings ---------------------------------------------------------------------------
def _published_by(conn: Connection, row: Any, column: Any) -> dict[Any, int]:
    stmt = select(column, func.count()).where(row.status == Status.published.value).group_by(column)
    return {key: count for key, count in conn.execute(stmt)}


def _listing_counts(conn: Connection, taxonomy: Taxonomy) -> ListingCounts:
    fields = {f.code: FieldCount(code=f.code, label=f.label) for f in taxonomy.top_fields()}
    regions = {
        name: RegionCount(region=name, label=name, tier=tier)
        for name, tier in taxonomy.regions.items()
    }
    totals = {}
    for kind, row in (("achievements", AchievementRow), ("needs", NeedRow)):
        for code, count in _published_by(conn, row, row.field).items():
            info = taxonomy.field(code)
            top = info.top if info else code
            item = fields.setdefault(top, FieldCount(code=top, label=taxonomy.label(top)))
            setattr(item, kind, getattr(item, kind) + count)
        for name, count in _published_by(conn, row, row.region).items():
            key = name or ""
            if key not in regions:
                label = name or UNSPECIFIED
                regions[key] = RegionCount(region=key, label=label, tier=taxonomy.tier(name))
            setattr(regions[key], kind, getattr(regions[key], kind) + count)
        totals[kind] = sum(getattr(item, kind) for item in fields.values())
    tiers = {tier: TierCount(tier=tier, label=TIER_LABELS[tier]) for tier in REGION_TIERS}
    for region in regions.values():
        tiers[region.tier].achievements += region.achievements
        tiers[region.tier].needs += region.needs
    return ListingCounts(
        achievements=totals["achievements"],
        needs=totals["needs"],
        by_field=list(fields.values()),
        by_region=list(regions.values()),
        by_tier=list(tiers.values()),
    )


# ---- the funnel ---------------------------------------------------------------------------
def _rank(column: Any) -> ColumnElement[int]:
    return case(_RANK, value=column, else_=0).label("rank")


def _funnel(conn: Connection) -> Funnel:
    now = Counter({Stage(s): n for s, n in conn.execute(_count_by(DeskMatchRow.stage))})
    ranks = union_all(
        select(StageChangeRow.match_id.label("match_id"), _rank(StageChangeRow.to_stage)),
        select(DeskMatchRow.id.label("match_id"), _rank(DeskMatchRow.stage)),
    ).subquery()
    top = func.max(ranks.c.rank).label("top")
    furthest = select(ranks.c.match_id, top).group_by(ranks.c.match_id).subquery()
    stmt = (
        select(furthest.c.top, DeskMatchRow.stage, func.count())
        .join(DeskMatchRow, DeskMatchRow.id == furthest.c.match_id)
        .where(furthest.c.top > 0)
        .group_by(furthest.c.top, DeskMatchRow.stage)
    )
    at_top: Counter[int] = Counter()
    lost_at: Counter[int] = Counter()
    for top, stage, count in conn.execute(stmt):
        at_top[top] += count
        if stage == Stage.lost.value:
            lost_at[top] += count
    steps: list[FunnelStep] = []
    for n, stage in enumerate(PIPELINE, start=1):
        reached = sum(c for top, c in at_top.items() if top >= n)
        before = steps[-1].reached if steps else None
        steps.append(
            FunnelStep(
                stage=stage,
                label=stage.label,
                reached=reached,
                current=now[stage],
                lost_here=lost_at[n],
                rate=_ratio(reached, before) if before is not None else None,
            )
        )
    return Funnel(
        before=[StageCount(stage=s, label=s.label, count=now[s]) for s in BEFORE_PIPELINE],
        steps=steps,
        lost=now[Stage.lost],
        lost_reasons=_lost_reasons(conn),
        signed_rate=_ratio(steps[3].reached, steps[0].reached),
    )


def _count_by(column: Any) -> Any:
    return select(column, func.count()).group_by(column)


def _lost_reasons(conn: Connection) -> list[ReasonCount]:
    stmt = _count_by(DeskMatchRow.lost_reason).where(DeskMatchRow.stage == Stage.lost.value)
    found: dict[str | None, int] = dict(conn.execute(stmt).all())
    out = [
        ReasonCount(reason=r.value, label=r.label, count=found.pop(r.value, 0)) for r in LostReason
    ]
    if rest := sum(found.values()):
        out.append(ReasonCount(reason="unspecified", label=UNSPECIFIED, count=rest))
    return out


def _ratio(part: int, whole: int | None) -> float | None:
    return round(part / whole, 4) if whole else None


# ---- deals --------------------------------------------------------------------------------
def _deal_query(*columns: Any) -> Any:
    return (
        select(*columns, func.count(), func.coalesce(func.sum(ContractRow.amount_wan), 0.0))
        .join(DeskMatchRow, DeskMatchRow.id == ContractRow.match_id)
        .where(DeskMatchRow.stage.in_(DEAL_STAGES))
    )


def _money(value: Any) -> float:
    return round(float(value or 0), 4)


def _deals(conn: Connection, taxonomy: Taxonomy) -> Deals:
    count, amount = conn.execute(_deal_query()).one()
    registered = _deal_query().where(DeskMatchRow.stage == Stage.registered.value)
    reg_count, reg_amount = conn.execute(registered).one()
    kind = ContractRow.contract_type
    by_type = {k: (n, a) for k, n, a in conn.execute(_deal_query(kind).group_by(kind))}
    year, month = extract("year", ContractRow.signed_on), extract("month", ContractRow.signed_on)
    by_month = {
        (int(y), int(m)): (n, a)
        for y, m, n, a in conn.execute(_deal_query(year, month).group_by(year, month))
    }
    return Deals(
        count=count,
        amount_wan=_money(amount),
        registered=reg_count,
        registered_amount_wan=_money(reg_amount),
        by_type=[_group(t.value, t.label, *by_type.get(t.value, (0, 0))) for t in ContractType],
        by_month=_fill_months(by_month),
        by_field=_deals_by_field(conn, taxonomy),
    )


def _group(key: str, label: str, count: int, amount: Any) -> DealGroup:
    return DealGroup(key=key, label=label, count=count, amount_wan=_money(amount))


def _deals_by_field(conn: Connection, taxonomy: Taxonomy) -> list[DealGroup]:
    """Contracts by the top field of the need they answer, largest amount first."""
    stmt = _deal_query(NeedRow.field).outerjoin(NeedRow, NeedRow.id == DeskMatchRow.need_id)
    counts: Counter[str] = Counter()
    amounts: dict[str, float] = {}
    for code, n, amount in conn.execute(stmt.group_by(NeedRow.field)):
        info = taxonomy.field(code or "")
        top = info.top if info else (code or "")
        counts[top] += n
        amounts[top] = amounts.get(top, 0.0) + float(amount or 0)
    order = sorted(counts, key=lambda top: (-amounts[top], top))
    return [
        _group(top, taxonomy.label(top) if top else UNSPECIFIED, counts[top], amounts[top])
        for top in order
    ]


def _fill_months(months: dict[tuple[int, int], tuple[int, Any]]) -> list[DealGroup]:
    """One group per month from the first signing to the last, empty months included."""
    if not months:
        return []
    (y, m), last = min(months), max(months)
    out = []
    while (y, m) <= last:
        out.append(_group(f"{y:04d}-{m:02d}", f"{y}年{m}月", *months.get((y, m), (0, 0))))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
