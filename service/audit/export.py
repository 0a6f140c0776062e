"""The audit trail as CSV for Excel: Beijing time, one row per event, formula-safe cells."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable

from service import clock
from service.audit.views import AuditEvent
from service.desk.export import BOM
from service.sheets import safe_text

HEADER = (
    "时间(北京时间)",
    "操作人",
    "操作",
    "类型",
    "编号",
    "对接编号",
    "需求编号",
    "成果编号",
    "说明",
)


def beijing(value: dt.datetime) -> str:
    """A stored UTC time as Beijing time, to the second."""
    return clock.format_time(value, "%Y-%m-%d %H:%M:%S")


def audit_csv(events: Iterable[AuditEvent]) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for e in events:
        cells = (
            beijing(e.at),
            e.actor_name,
            e.action_label,
            e.kind.label if e.kind else "",
            e.listing_id or "",
            "" if e.match_id is None else str(e.match_id),
            e.need_id or "",
            e.achievement_id or "",
            e.detail or "",
        )
        writer.writerow([safe_text(c) for c in cells])
    return out.getvalue()
