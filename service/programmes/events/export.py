"""The invitation list of an event as an Excel workbook (openpyxl)."""

from __future__ import annotations

import io
from typing import Any

from service.matching.calibration import TIER_LABELS
from service.programmes.events.invitations import Invitation
from service.programmes.events.service import Event
from service.sheets import append_row

HEADER = ("序号", "企业", "所在地区", "联系方式", "匹配程度", "感兴趣的成果", "理由")


def invitation_workbook(
    event: Event, achievements: dict[str, Any], rows: list[Invitation]
) -> bytes:
    """Two sheets: the invitation list (one row per enterprise) and the achievements presented."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "邀请名单"
    append_row(sheet, [f"{event.title}（{event.kind}，{event.date.isoformat()}，{event.place}）"])
    sheet["A1"].font = Font(bold=True, size=13)
    append_row(sheet, HEADER)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(
            sheet,
            [
                row.rank,
                row.enterprise,
                "、".join(row.regions),
                row.contact or "",
                f"{TIER_LABELS[row.tier]} {row.probability:.0%}",
                "\n".join(f"{r.achievement_id} {r.achievement_title}" for r in row.achievements),
                "\n".join(r.reason for r in row.achievements),
            ],
        )
    for letter, width in zip("ABCDEFG", (6, 30, 14, 26, 10, 46, 70), strict=True):
        sheet.column_dimensions[letter].width = width
    for line in sheet.iter_rows(min_row=3):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    shown = book.create_sheet("推介成果")
    append_row(shown, ["顺序", "编号", "成果名称", "完成单位", "成熟度"])
    for position, achievement_id in enumerate(event.achievement_ids, start=1):
        a = achievements.get(achievement_id)
        if a is not None:
            maturity = getattr(a.maturity, "label", a.maturity)
            append_row(shown, [position, a.id, a.title, a.institution, maturity])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
