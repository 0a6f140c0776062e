"""What the audit trail hands out."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from service.desk.stages import LostReason, Stage
from service.listings.schemas import Kind, UtcDateTime


class AuditAction(StrEnum):
    created = "created"
    updated = "updated"
    withdrawn = "withdrawn"
    published = "published"
    drafted = "drafted"
    imported = "imported"
    stage = "stage"
    # the trading (技术交易): events of an offer, recorded against its achievement
    offer_listed = "offer_listed"
    offer_objected = "offer_objected"
    objection_upheld = "objection_upheld"
    objection_denied = "objection_denied"
    offer_bid = "offer_bid"
    offer_sold = "offer_sold"
    offer_unsold = "offer_unsold"
    offer_to_desk = "offer_to_desk"

    @property
    def label(self) -> str:
        return {
            "created": "发布",
            "updated": "修改",
            "withdrawn": "撤回",
            "published": "重新发布",
            "drafted": "改为草稿",
            "imported": "批量导入",
            "stage": "对接阶段变更",
            "offer_listed": "挂牌公示",
            "offer_objected": "提出异议",
            "objection_upheld": "异议成立",
            "objection_denied": "异议不成立",
            "offer_bid": "竞价出价",
            "offer_sold": "竞价成交",
            "offer_unsold": "竞价流拍",
            "offer_to_desk": "挂牌转入工作台",
        }[self.value]


class AuditEvent(BaseModel):
    """One event: a listing written, or a desk pair moved to another stage."""

    at: UtcDateTime
    actor_id: int | None = Field(description="the account; null for the command line")
    actor_name: str = Field(
        description="display name, 命令行, or 系统（竞价截止） for an auction closing"
    )
    action: AuditAction
    action_label: str
    kind: Kind | None = Field(description="the listing's kind (listing events)")
    listing_id: str | None
    match_id: int | None = Field(description="the desk pair (stage events)")
    need_id: str | None = None
    achievement_id: str | None = None
    from_stage: Stage | None = None
    to_stage: Stage | None = None
    reason: LostReason | None = None
    detail: str | None = Field(description="changed fields, file imported, or the stage move")


class AuditPage(BaseModel):
    page: int
    page_size: int
    total: int
    items: list[AuditEvent]
