"""Contract drafts as Word documents (python-docx) the parties edit before signing.

A draft is made for a pair at 签约 or 合同登记, or a pair an offer opened (an auction won, a
挂牌 taken up). Its template follows the contract record's type when one is saved, else the
offer's 转让/许可, else the one asked for; the parties, subject, price, payment and delivery
terms come from the contract record, the offer and the two listings.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from service import clock
from service.catalog import Catalog
from service.desk.errors import DeskNotFoundError
from service.desk.stages import ContractType, Stage
from service.desk.store import Desk
from service.listings.schemas import Kind
from service.programmes.errors import (
    ProgrammeConflictError,
    ProgrammeInputError,
    ProgrammeNotFoundError,
)
from service.programmes.offers import draft_text as text
from service.programmes.offers.service import Offers
from service.programmes.offers.views import Transfer

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BLANK = "＿＿＿＿"
DEFAULT_MONTHS = 6
BY_TYPE = {
    ContractType.license: "license",
    ContractType.development: "development",
    ContractType.service: "service",
    ContractType.consulting: "consulting",
}


@dataclass(frozen=True)
class Draft:
    template: text.Template
    seller: str
    buyer: str
    subject: str
    need_title: str
    patents: str
    price_wan: float | None
    buyer_region: str
    months: int


class ContractDrafts:
    def __init__(self, desk: Desk, catalog: Catalog, offers: Offers) -> None:
        self.desk = desk
        self.catalog = catalog
        self.offers = offers

    def draft(self, match_id: int, template: str | None = None) -> Draft:
        """What the draft says; ProgrammeConflictError for a pair not yet at 签约."""
        if template is not None and template not in text.TEMPLATES:
            raise ProgrammeInputError("template", "合同模板应为 " + "、".join(text.TEMPLATES))
        try:
            match = self.desk.get(match_id)
        except DeskNotFoundError as exc:
            raise ProgrammeNotFoundError(str(exc)) from exc
        offer = self.offers.of_match(match_id)
        if match.stage not in (Stage.signed, Stage.registered) and offer is None:
            raise ProgrammeConflictError(
                f"对接到「签约」阶段（或经挂牌、竞价成交）后才能生成合同草稿（当前：{match.stage.label}）"
            )
        contract = self.desk.contract(match_id)
        need = self.catalog.get_many(Kind.need, [match.need_id]).get(match.need_id)
        achievement = self.catalog.get_many(Kind.achievement, [match.achievement_id]).get(
            match.achievement_id
        )
        patents = list(getattr(achievement, "patents", []) or [])
        kind = contract.contract_type if contract else None
        key = template or _template_key(kind, offer.transfer if offer else None, bool(patents))
        price = contract.amount_wan if contract else (offer.deal_price_wan if offer else None)
        deadline = getattr(need, "deadline", None)
        return Draft(
            template=text.TEMPLATES[key],
            seller=contract.seller if contract else getattr(achievement, "institution", BLANK),
            buyer=contract.buyer if contract else getattr(need, "enterprise", BLANK),
            subject=contract.title if contract else getattr(achievement, "title", BLANK),
            need_title=getattr(need, "title", BLANK),
            patents="、".join(patents) or BLANK,
            price_wan=price,
            buyer_region=getattr(need, "region", None) or BLANK,
            months=_months_until(deadline),
        )

    def docx(self, match_id: int, template: str | None = None) -> bytes:
        return render(self.draft(match_id, template), match_id)


def _months_until(deadline: dt.date | None) -> int:
    """Whole months from today (Beijing) to the need's deadline; 6 when it gives none."""
    if deadline is None:
        return DEFAULT_MONTHS
    today = clock.today()
    months = (deadline.year - today.year) * 12 + deadline.month - today.month
    return max(1, months)


def _template_key(kind: ContractType | None, transfer: Transfer | None, patents: bool) -> str:
    if kind is not None and kind in BY_TYPE:
        return BY_TYPE[kind]
    if kind is None and transfer is Transfer.license:
        return "license"
    return "transfer_patent" if patents else "transfer_secret"


def render(draft: Draft, match_id: int) -> bytes:
    from docx import Document  # python-docx is imported only when a draft is made
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    t = draft.template
    fill = {"patents": draft.patents, "buyer_region": draft.buyer_region,
            "need_title": draft.need_title, "months": draft.months}  # fmt: skip
    price = BLANK + "万元" if draft.price_wan is None else f"{draft.price_wan:g} 万元"
    doc = Document()
    heading = doc.add_heading(t.title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"（草稿 · 川东北技术交易市场对接编号 {match_id} · 双方可修改后签署）")
    doc.add_paragraph(f"{t.buyer_role}（甲方）：{draft.buyer}")
    doc.add_paragraph(f"{t.seller_role}（乙方）：{draft.seller}")
    clauses = [
        ("标的", f"项目名称：{draft.subject}。"),
        ("内容和范围", t.scope.format(**fill)),
        ("价款及支付方式",
         text.PAYMENT_OPEN if draft.price_wan is None
         else text.PAYMENT.format(price=price, seller_role=t.seller_role)),
        ("履行期限、地点和方式", t.delivery.format(**fill)),
        ("验收标准和方法", t.acceptance),
        ("保密", text.CONFIDENTIAL),
        ("违约责任", text.LIABILITY),
        ("争议解决", text.DISPUTE),
        ("其他", text.CLOSING),
    ]  # fmt: skip
    numerals = "一二三四五六七八九十"
    for n, (title, body) in enumerate(clauses):
        doc.add_heading(f"第{numerals[n]}条　{title}", level=2)
        doc.add_paragraph(body)
    table = doc.add_table(rows=4, cols=2)
    table.style = "Table Grid"
    for row, (left, right) in enumerate(
        [(f"{t.buyer_role}（甲方）（盖章）", f"{t.seller_role}（乙方）（盖章）"),
         (f"名称：{draft.buyer}", f"名称：{draft.seller}"),
         ("法定代表人／委托代理人：", "法定代表人／委托代理人："),
         ("日期：　　年　　月　　日", "日期：　　年　　月　　日")]
    ):  # fmt: skip
        table.cell(row, 0).text, table.cell(row, 1).text = left, right
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
