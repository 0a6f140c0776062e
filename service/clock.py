"""The one clock: now and today in Beijing time, stored times in UTC, and how times read.

The market lives in Beijing time (Asia/Shanghai keeps UTC+8 all year, no summer time): what day
it is — a deadline, an event's date, a contract's signing day, "today" on a form — is the day in
Beijing, whatever the server's own zone. Times are stored naive in UTC (``utc_now``); every
function here that reads a naive value takes it as UTC.
"""

from __future__ import annotations

import datetime as dt

BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")


def now() -> dt.datetime:
    """This moment in Beijing time (aware)."""
    return dt.datetime.now(BEIJING)


def today() -> dt.date:
    """Today's date in Beijing."""
    return now().date()


def utc_now() -> dt.datetime:
    """This moment as the catalog stores times: naive, in UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def in_beijing(value: dt.datetime) -> dt.datetime:
    """``value`` (naive = UTC) as an aware Beijing time."""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(BEIJING)


def as_utc(value: dt.datetime) -> dt.datetime:
    """``value`` (naive = UTC) as an aware UTC time: what the API sends, with its offset."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def format_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time as Beijing time for people to read; "—" for none."""
    return "—" if value is None else in_beijing(value).strftime(fmt)


def format_long(value: dt.datetime) -> str:
    """``2026年11月30日 09:05（北京时间）``: how a letter or an e-mail gives a time."""
    local = in_beijing(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（北京时间）"
