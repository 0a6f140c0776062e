"""Excel files of the registered contracts: the 技术合同认定登记 records, and the year's report.

The records sheet has the columns a registration asks for (合同类型, 技术领域, 成交额,
技术交易额, 登记号, 登记日期), with the county and, for brokers and admins, the contract's name
and parties. The annual report adds a summary sheet: the target, the registered amount, and the
amounts by month, county, field, contract type and programme.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from service import clock
from service.programmes.offers.transactions import Group, Registered, TransactionStats

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECORD_HEADER = ("序号", "合同类型", "技术领域", "成交额（万元）", "技术交易额（万元）", "登记号",
                 "登记日期", "所在县（市、区）")  # fmt: skip
PARTY_HEADER = ("合同名称", "卖方（受托方/让与方）", "买方（委托方/受让方）")


def _fill(sheet: Any, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side

    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"制表日期：{clock.today().isoformat()}"])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    thin = Side(style="thin")
    for cells in sheet.iter_rows(min_row=3, max_row=sheet.max_row):
        for cell in cells:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.row == 3:
                cell.font = Font(bold=True)
    for i in range(len(header)):
        sheet.column_dimensions[chr(ord("A") + i)].width = 18 if i else 6


def _record_rows(records: Sequence[Registered], parties: bool) -> list[list[Any]]:
    rows = []
    for n, r in enumerate(records, start=1):
        row: list[Any] = [n, r.contract_type_label, r.field, r.amount_wan, r.tech_amount_wan,
                          r.registration_no, r.registered_on.isoformat(), r.county]  # fmt: skip
        if parties:
            row += [r.title, r.seller, r.buyer]
        rows.append(row)
    return rows


def registrations_xlsx(records: Sequence[Registered], year: int, parties: bool) -> bytes:
    """The year's registration records, one sheet."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "技术合同登记"
    header = RECORD_HEADER + (PARTY_HEADER if parties else ())
    _fill(sheet, f"{year} 年技术合同认定登记", header, _record_rows(records, parties))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _group_rows(title: str, groups: Sequence[Group]) -> list[list[Any]]:
    return [[title, g.label, g.count, g.amount_wan, g.tech_amount_wan] for g in groups]


def annual_xlsx(stats: TransactionStats, records: Sequence[Registered], parties: bool) -> bytes:
    """The annual report: a summary sheet, then the records."""
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "汇总"
    rows: list[list[Any]] = [
        ["全年", "目标", "", stats.target_wan, ""],
        ["全年", "已登记", stats.count, stats.registered_wan, stats.tech_wan],
        ["全年", "完成比例", "", f"{stats.progress:.1%}", ""],
    ]
    parts = (("按月", stats.by_month), ("按县（市、区）", stats.by_county),
             ("按技术领域", stats.by_field), ("按合同类型", stats.by_type))  # fmt: skip
    for title, groups in parts:
        rows += _group_rows(title, groups)
    for p in stats.programmes:
        share = "" if p.share is None else f"{p.share:.1%}"
        rows.append(["来自各项工作", p.label, p.count, p.amount_wan, share])
    header = ("分组", "项目", "合同数", "成交额（万元）", "技术交易额（万元）/占比")
    _fill(summary, f"{stats.year} 年技术合同成交额", header, rows)
    sheet = book.create_sheet("登记明细")
    header2 = RECORD_HEADER + (PARTY_HEADER if parties else ())
    _fill(sheet, f"{stats.year} 年技术合同认定登记", header2, _record_rows(records, parties))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
