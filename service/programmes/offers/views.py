"""What the trading API takes and hands out. Money in 万元; times naive UTC inside, ISO 8601
with ``+00:00`` in JSON, shown in Beijing time on the pages."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from service.listings.schemas import Money, UtcDateTime
from service.requests import RequestModel

NOTICE_DAYS_DEFAULT = 15


class Mode(StrEnum):
    fixed = "挂牌"
    auction = "竞价"


class Transfer(StrEnum):
    transfer = "转让"
    license = "许可"


class OfferStatus(StrEnum):
    """What the public reads: 公示 and the auction's phase, or how the offer ended."""

    notice = "notice"
    notice_over = "notice_over"
    upcoming = "upcoming"
    bidding = "bidding"
    sold = "sold"
    unsold = "unsold"
    stopped = "stopped"
    matched = "matched"

    @property
    def label(self) -> str:
        return {
            "notice": "公示中",
            "notice_over": "公示期满",
            "upcoming": "待开拍",
            "bidding": "竞价中",
            "sold": "已成交",
            "unsold": "流拍",
            "stopped": "异议成立，已终止",
            "matched": "已转入工作台",
        }[self.value]


class ObjectionStatus(StrEnum):
    pending = "pending"
    upheld = "upheld"
    dismissed = "dismissed"

    @property
    def label(self) -> str:
        return {"pending": "待处理", "upheld": "异议成立", "dismissed": "异议不成立"}[self.value]


class AuctionIn(RequestModel):
    start_price_wan: Annotated[Money, Field(gt=0)]
    increment_wan: Annotated[Money, Field(gt=0)]
    opens: dt.datetime = Field(description="ISO 8601; without an offset it is Beijing time")
    closes: dt.datetime = Field(description="after `opens`; a bid in its last 5 minutes moves it")


class OfferIn(RequestModel):
    achievement_id: Annotated[str, Field(min_length=1, max_length=64)]
    mode: Mode = Mode.fixed
    transfer: Transfer = Transfer.transfer
    price_wan: Money | None = Field(default=None, description="挂牌: the asking price; null = 面议")
    notice_days: int = Field(default=NOTICE_DAYS_DEFAULT, ge=1, le=90)
    auction: AuctionIn | None = None


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=1000)]


class ObjectionIn(RequestModel):
    reason: Reason


class DecisionIn(RequestModel):
    decision: ObjectionStatus = Field(description="upheld (the offer stops) or dismissed")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class BidIn(RequestModel):
    price_wan: Annotated[Money, Field(gt=0)]
    need_id: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None,
        description="the bidder's published need the deal pairs with (default: "
        "its most recently updated one)",
    )


class ToDeskIn(RequestModel):
    need_id: Annotated[str, Field(min_length=1, max_length=64)]


class Auction(BaseModel):
    start_price_wan: float
    increment_wan: float
    opens: UtcDateTime
    closes: UtcDateTime = Field(description="the close, moved by late bids")
    bids: int
    next_min_wan: float | None = Field(description="the least the next bid may be; null: closed")


class Offer(BaseModel):
    id: int
    achievement_id: str
    title: str
    institution: str
    mode: Mode
    transfer: Transfer
    price_wan: float | None = Field(description="挂牌: the asking price; null = 面议")
    notice_days: int
    notice_starts: UtcDateTime
    notice_ends: UtcDateTime
    status: OfferStatus
    status_label: str
    current_price_wan: float | None = Field(
        description="挂牌: the asking price; 竞价: the highest bid, or the start price before one"
    )
    auction: Auction | None
    objections_pending: int
    match_id: int | None = Field(description="the desk pair the offer opened")
    deal_price_wan: float | None
    created_at: UtcDateTime


class Bid(BaseModel):
    """A public bid: the bidder's code, never its name."""

    id: int
    bidder_code: str
    price_wan: float
    at: UtcDateTime
    extended_to: UtcDateTime | None = Field(description="the new close when it moved the close")


class Objection(BaseModel):
    id: int
    offer_id: int
    reason: str
    status: ObjectionStatus
    status_label: str
    decision_note: str | None
    decided_at: UtcDateTime | None
    created_at: UtcDateTime
