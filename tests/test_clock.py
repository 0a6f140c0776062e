"""One clock: every "now" and "today" of the market is Beijing time, read from service/clock.py."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from service import clock

ROOT = Path(__file__).resolve().parent.parent


def test_today_is_the_beijing_day_not_the_servers() -> None:
    def beijing_day() -> dt.date:
        return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()

    before, today, after = beijing_day(), clock.today(), beijing_day()
    assert today in (before, after)  # midnight may pass between the reads
    assert clock.now().utcoffset() == dt.timedelta(hours=8)


def test_stored_times_read_as_utc_and_show_in_beijing() -> None:
    stored = dt.datetime(2026, 12, 7, 17, 30)  # naive: UTC, as the catalog keeps it
    assert clock.format_time(stored) == "2026-12-08 01:30"
    assert clock.format_long(stored) == "2026年12月8日 01:30（北京时间）"
    assert clock.as_utc(stored).isoformat() == "2026-12-07T17:30:00+00:00"
    assert clock.format_time(None) == "—"


def _server_local_calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = ast.unparse(node.func)
            if target.endswith(("date.today", "datetime.now", "datetime.utcnow")):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    return found


def test_no_module_of_the_market_reads_the_servers_clock() -> None:
    """``date.today()`` and ``datetime.now()`` give the server's day; only the clock may ask."""
    calls = [
        call
        for folder in ("service", "web")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "service" / "clock.py"
        for call in _server_local_calls(path)
    ]
    allowed = ("dt.UTC", "datetime.UTC", "timezone.utc")
    assert [c for c in calls if not any(a in c for a in allowed)] == []
