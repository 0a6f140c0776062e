"""The rules of the trading, with no storage: statuses, the 公示, the bid steps, 防狙击.

- 挂牌: 公示 from listing for ``notice_days``; then 公示期满, and a broker may take it to the
  desk with a buyer's need.
- 竞价: bids from ``opens`` to ``closes``; the first bid is at least the start price, each later
  one beats the current price by at least the increment; a bid in the last 5 minutes moves the
  close 5 minutes on (防狙击). At the close the highest bid wins.
- An 异议 upheld by an admin stops either kind (``stopped``).
"""

from __future__ import annotations

import datetime as dt

from service.clock import BEIJING, format_time
from service.programmes.errors import ProgrammeInputError
from service.programmes.offers.models import OfferRow
from service.programmes.offers.views import Mode, OfferIn, OfferStatus

SNIPING_WINDOW = dt.timedelta(minutes=5)
EXTENSION = dt.timedelta(minutes=5)
LONGEST_AUCTION = dt.timedelta(days=90)
OPEN, STOPPED, SOLD, UNSOLD, MATCHED = "open", "stopped", "sold", "unsold", "matched"
ENDED = {STOPPED: OfferStatus.stopped, SOLD: OfferStatus.sold, UNSOLD: OfferStatus.unsold,
         MATCHED: OfferStatus.matched}  # fmt: skip


def naive_utc(value: dt.datetime) -> dt.datetime:
    """A time as stored: naive UTC; a time given without an offset is Beijing time."""
    aware = value if value.tzinfo else value.replace(tzinfo=BEIJING)
    return aware.astimezone(dt.UTC).replace(tzinfo=None)


def beijing_text(value: dt.datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (naive UTC) time as Beijing time."""
    return format_time(value, fmt)


def status(row: OfferRow, now: dt.datetime) -> OfferStatus:
    """What the public reads now (an auction past its close but not yet closed reads as
    bidding only until the next read closes it: reads close due auctions first)."""
    if row.state in ENDED:
        return ENDED[row.state]
    if row.mode == Mode.auction.value:
        assert row.opens_at is not None
        return OfferStatus.upcoming if now < row.opens_at else OfferStatus.bidding
    return OfferStatus.notice if now < row.notice_ends else OfferStatus.notice_over


def in_notice(row: OfferRow, now: dt.datetime) -> bool:
    return row.state == OPEN and row.notice_starts <= now < row.notice_ends


def next_min(row: OfferRow) -> float | None:
    """The least the next bid may be; None when the auction takes no more bids."""
    if row.mode != Mode.auction.value or row.state != OPEN:
        return None
    assert row.start_price_wan is not None and row.increment_wan is not None
    if row.current_price_wan is None or row.bid_count == 0:
        return row.start_price_wan
    return round(row.current_price_wan + row.increment_wan, 4)


def extended_close(closes: dt.datetime, at: dt.datetime) -> dt.datetime | None:
    """The new close when a bid at ``at`` falls in the last 5 minutes, else None."""
    return closes + EXTENSION if closes - at <= SNIPING_WINDOW else None


def check_new_offer(body: OfferIn, now: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    """Raise ProgrammeInputError naming the field; the auction's (opens, closes) in UTC."""
    if body.mode is Mode.fixed:
        if body.auction is not None:
            raise ProgrammeInputError("auction", "挂牌不设竞价条件；竞价请选择方式「竞价」")
        return None
    if body.auction is None:
        raise ProgrammeInputError("auction", "竞价须填写起拍价、加价幅度和起止时间")
    if body.price_wan is not None:
        raise ProgrammeInputError("price_wan", "竞价以起拍价开始，不另填拟交易价格")
    auction = body.auction
    opens, closes = naive_utc(auction.opens), naive_utc(auction.closes)
    if opens < now - dt.timedelta(minutes=1):
        raise ProgrammeInputError("auction.opens", "开始时间不能早于现在")
    if closes <= opens + dt.timedelta(minutes=10):
        raise ProgrammeInputError("auction.closes", "截止时间须晚于开始时间至少 10 分钟")
    if closes - opens > LONGEST_AUCTION:
        raise ProgrammeInputError("auction.closes", "竞价期最长 90 天")
    if auction.increment_wan > auction.start_price_wan:
        raise ProgrammeInputError("auction.increment_wan", "加价幅度不能大于起拍价")
    return opens, closes
