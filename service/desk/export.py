"""The deals as CSV in the columns of a 技术合同登记 form, ready for Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from service.desk.contracts import Contract
from service.sheets import safe_text

BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with a byte-order mark
HEADER = (
    "合同名称",
    "合同类型",
    "卖方(受托方/让与方)",
    "买方(委托方/受让方)",
    "成交金额(万元)",
    "签订日期",
    "登记号",
    "登记日期",
    "需求编号",
    "成果编号",
)


def amount(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def deals_csv(contracts: Iterable[Contract]) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for c in contracts:
        writer.writerow(
            (
                safe_text(c.title),
                c.contract_type.label,
                safe_text(c.seller),
                safe_text(c.buyer),
                amount(c.amount_wan),
                c.signed_on.isoformat(),
                safe_text(c.registration_no or ""),
                c.registered_on.isoformat() if c.registered_on else "",
                c.need_id,
                c.achievement_id,
            )
        )
    return out.getvalue()
