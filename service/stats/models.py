"""The shapes of the market statistics: what GET /api/stats returns and /stats shows.

Counts are plain integers, money is in 万元, rates are fractions (0.6 = 60 %) or null when
the stage before had no pairs. Labels are the Chinese names the page prints.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from service.desk.stages import Stage
from service.listings.schemas import UtcDateTime


class FieldCount(BaseModel):
    """Published listings of one top-level technology field."""

    code: str
    label: str
    achievements: int = 0
    needs: int = 0

    @property
    def total(self) -> int:
        return self.achievements + self.needs


class RegionCount(BaseModel):
    """Published listings of one county, district or city; region "" means not given."""

    region: str
    label: str
    tier: str = Field(description="dazhou | northeast | elsewhere")
    achievements: int = 0
    needs: int = 0


class TierCount(BaseModel):
    """Published listings of one region tier (达州市, 川东北及周边, 其他地区)."""

    tier: str
    label: str
    achievements: int = 0
    needs: int = 0


class ListingCounts(BaseModel):
    """Published listings by top field, by region and by region tier (taxonomy order)."""

    achievements: int
    needs: int
    by_field: list[FieldCount]
    by_region: list[RegionCount]
    by_tier: list[TierCount]


class StageCount(BaseModel):
    stage: Stage
    label: str
    count: int


class FunnelStep(BaseModel):
    """One pipeline stage: pairs that ever reached it, pairs there now, pairs lost after it."""

    stage: Stage
    label: str
    reached: int
    current: int
    lost_here: int = Field(description="pairs lost whose furthest stage was this one")
    rate: float | None = Field(description="reached / reached at the stage before; null first")


class ReasonCount(BaseModel):
    reason: str = Field(description="a LostReason value, or 'unspecified'")
    label: str
    count: int


class Funnel(BaseModel):
    """Desk pairs before the pipeline (now), through it (ever reached) and lost (why)."""

    before: list[StageCount] = Field(description="pairs now requested, shortlisted, dismissed")
    steps: list[FunnelStep]
    lost: int
    lost_reasons: list[ReasonCount]
    signed_rate: float | None = Field(description="reached 签约 / reached 推荐")


class DealGroup(BaseModel):
    """Contracts of one type, month or field: how many and how much (万元)."""

    key: str
    label: str
    count: int
    amount_wan: float


class Deals(BaseModel):
    """Contracts of pairs now signed or registered (a contract of a lost pair is void)."""

    count: int
    amount_wan: float
    registered: int
    registered_amount_wan: float
    by_type: list[DealGroup]
    by_month: list[DealGroup] = Field(description="by month of signing, gaps filled with 0")
    by_field: list[DealGroup] = Field(description="by the need's top field, largest first")


class MarketStats(BaseModel):
    generated_at: UtcDateTime
    listings: ListingCounts
    funnel: Funnel
    deals: Deals
