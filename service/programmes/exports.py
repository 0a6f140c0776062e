"""Excel exports in the plain layout of a government report: a title line, a date line, one
header row, 序号 first, thin borders, no colours. Contacts only when the reader may see them.
Numbers are numbers and dates are dates (a sheet sums and sorts them); money columns carry
their unit in the header (预算（万元）), and 面议 stays the word. Every cell is written by
``service.sheets.append_row`` (text stays text: no formula, no control character)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from service import clock
from service.listings.taxonomy import Taxonomy
from service.programmes.challenges.views import Challenge
from service.programmes.common_needs.views import CommonNeed
from service.programmes.wdk.views import WdkLibraryView
from service.sheets import append_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CATALOGUE_HEADER = (
    "序号", "名称", "单位", "领域", "所在地", "预算（万元）", "预算面议（项）", "联系人"
)  # fmt: skip
WDK_HEADER = ("序号", "名称", "单位", "领域", "所在地", "价格（万元）", "联系人")
CHALLENGE_HEADER = (
    "序号",
    "榜单名称",
    "考核指标",
    "榜单金额（万元）",
    "报名截止",
    "阶段",
    "揭榜方",
)


def _sheet(
    title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[int]
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    append_row(sheet, [title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    today = clock.today()
    append_row(sheet, [f"制表日期：{today.isoformat()}"])
    append_row(sheet, header)
    thin = Side(style="thin")
    for row in rows:
        append_row(sheet, row)
    for cells in sheet.iter_rows(min_row=3, max_row=sheet.max_row):
        for cell in cells:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.row == 3:
                cell.font = Font(bold=True)
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def catalogue_xlsx(
    groups: Sequence[CommonNeed], taxonomy: Taxonomy, contacts: dict[str, str | None] | None
) -> bytes:
    """The 重大科技需求目录: one row per published group. ``contacts`` (need id -> contact) is
    given only to readers who may see contacts; otherwise the column stays empty."""
    rows = []
    for number, group in enumerate(groups, start=1):
        fields = sorted({taxonomy.label(m.field) for m in group.members})
        people = ""
        if contacts is not None:
            people = "；".join(
                f"{m.enterprise}：{contacts.get(m.id) or '—'}" for m in group.members
            )
        rows.append(
            (
                number,
                group.title,
                "、".join(group.enterprises),
                "、".join(fields),
                "、".join(group.counties),
                group.budget_wan,  # a number: the sum of the stated budgets
                group.budget_open,
                people,
            )
        )
    return _sheet("重大科技需求目录", CATALOGUE_HEADER, rows, (6, 30, 40, 24, 20, 14, 14, 40))


def challenges_xlsx(challenges: Sequence[Challenge]) -> bytes:
    """揭榜挂帅榜单: one row per challenge, with the selected team once chosen."""
    rows = [
        (
            n,
            c.title,
            "；".join(c.indicators),
            c.reward_wan,  # numbers and dates as such, so a sheet can sum and sort them
            c.deadline,
            c.stage_label,
            c.result.organisation if c.result else "",
        )
        for n, c in enumerate(challenges, start=1)
    ]
    return _sheet("揭榜挂帅榜单", CHALLENGE_HEADER, rows, (6, 30, 50, 16, 14, 10, 24))


def wdk_xlsx(library: WdkLibraryView) -> bytes:
    """万达开科技成果库: one row per achievement, by region tier as the page shows them; the
    contact only where the reader may see it (``WdkItem.contact`` is None otherwise)."""
    rows = [
        (
            n,
            item.title,
            item.institution,
            item.field_label,
            item.place,
            "面议" if item.price_wan is None else item.price_wan,
            item.contact or "",
        )
        for n, item in enumerate((i for s in library.sections for i in s.items), start=1)
    ]
    return _sheet("万达开科技成果库", WDK_HEADER, rows, (6, 36, 24, 22, 18, 14, 30))
