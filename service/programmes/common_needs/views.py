"""What the programmes' API, pages, CLI and exports show: pydantic shapes, no logic."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from service.matching.calibration import Tier
from service.matching.results import Component, ListingBrief
from service.stamps import Timestamp


class GroupStatus(StrEnum):
    proposed = "proposed"
    reviewed = "reviewed"
    published = "published"
    dismissed = "dismissed"

    @property
    def label(self) -> str:
        return {"proposed": "系统提议", "reviewed": "已审核", "published": "已入目录",
                "dismissed": "已撤销"}[self.value]  # fmt: skip


class Member(BaseModel):
    id: str
    title: str
    enterprise: str
    region: str | None
    field: str
    budget_wan: float | None
    suggested: bool = Field(description="a new need proposed for this group, not yet accepted")
    similarity: float | None


class Served(BaseModel):
    need_id: str
    rank: int
    score: float
    probability: float | None = Field(default=None, description="calibrated, for this need")
    tier: Tier | None = None


class GroupMatch(ListingBrief):
    """An achievement ranked for a group as a whole: the member needs' match lists fused."""

    rank: int
    score: float = Field(description="mean match score over the member needs (0 where unmatched)")
    fused: float = Field(description="reciprocal rank fusion of the member needs' lists")
    serves: list[Served] = Field(description="the member needs it matches, with rank and score")
    probability: float | None = Field(
        default=None, description="its best calibrated probability over the member needs"
    )
    tier: Tier | None = Field(default=None, description="the tier of that probability")
    components: list[Component] = Field(description="each component averaged over the members")
    shared_terms: list[str]
    mismatches: list[str]
    explanation: str


class CommonNeed(BaseModel):
    id: int
    title: str
    status: GroupStatus
    status_label: str
    needs: list[str] = Field(description="member need ids (accepted members)")
    members: list[Member]
    suggested: list[Member] = Field(default_factory=list)
    enterprises: list[str]
    counties: list[str]
    budget_wan: float = Field(description="sum of the members' stated budgets")
    budget_open: int = Field(description="members whose budget is 面议")
    key_terms: list[str]
    note: str | None = None
    published_at: Timestamp | None = None
    achievements: list[GroupMatch] = Field(default_factory=list)


class CommonNeedList(BaseModel):
    semantic: bool
    threshold: float
    groups: list[CommonNeed]
