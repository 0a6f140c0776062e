"""Every listing field declared once: its label, the other headers an import file may use for
it, whether it holds a list, whether its text is searched, and whether the listing page shows it.

Derived from this table (see docs/architecture.md "Where to add … a listing field"):
the import headers and the Excel template (``import_columns``), the form labels
(``web/listings/form_data.py``), the text that is indexed and embedded (``ListingBase.extra_text`` →
``indexer.documents.full_text``) and the facts on a listing's page (``web/listings/facts.py``).
The pydantic models in ``schemas`` keep the rules of each value (types, lengths, codes).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Value(StrEnum):
    """How a field's value is read from a cell and shown on a page."""

    text = "text"
    number = "number"  # a number of 万元; blank or 面议 = none
    maturity = "maturity"  # a Maturity code or its Chinese label
    modes = "modes"  # TransferMode codes or their Chinese labels
    field = "field"  # a taxonomy code or label
    institution_type = "institution_type"
    date = "date"


@dataclass(frozen=True)
class ListingField:
    """One field of a listing kind."""

    name: str  # the model's and the API's name
    label: str  # the Chinese name: the template's header, the form's label, the page's
    aliases: tuple[str, ...] = ()  # other headers import files use for it
    many: bool = False  # a list (cells split on 、；; | , ，)
    searchable: bool = False  # its text is indexed and embedded with the listing
    shown: bool = False  # listed among the facts on the listing's page
    value: Value = Value.text
    unit: str | None = None  # written after the label in headers: 价格（万元）

    @property
    def header(self) -> str:
        """The column header of the import template."""
        return f"{self.label}（{self.unit}）" if self.unit else self.label

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header an import file may name this field by."""
        unit = (f"{self.label}({self.unit})",) if self.unit else ()
        return (self.header, self.label, *unit, *self.aliases, self.name)


_FIELD = ListingField(
    "field", "技术领域", ("领域", "所属领域", "领域代码", "行业领域"), shown=True, value=Value.field
)
_KEYWORDS = ListingField("keywords", "关键词", ("关键字",), many=True, searchable=True)
_REGION = ListingField("region", "所在地区", ("地区", "所在地", "区县"), shown=True)
_CONTACT = ListingField("contact", "联系方式", ("联系人", "联系电话"))
_STATUS = ListingField("status", "状态")

ACHIEVEMENT: tuple[ListingField, ...] = (
    ListingField("id", "编号", ("成果编号",)),
    ListingField("title", "成果名称", ("项目名称", "名称", "标题"), searchable=True),
    ListingField(
        "summary", "成果简介", ("成果介绍", "简介", "摘要", "内容简介"), searchable=True
    ),
    ListingField("institution", "完成单位", ("单位", "所属单位"), shown=True),
    ListingField("institution_type", "单位类型", value=Value.institution_type),
    _FIELD,
    ListingField(
        "maturity", "成熟度", ("成果成熟度", "技术成熟度", "所处阶段"), shown=True,
        value=Value.maturity,
    ),
    ListingField(
        "transfer_modes", "转化方式", ("转让方式", "合作方式"), many=True, shown=True,
        value=Value.modes,
    ),
    _KEYWORDS,
    ListingField(
        "patents", "专利号", ("专利", "相关专利", "知识产权"), many=True, searchable=True,
        shown=True,
    ),
    ListingField(
        "price_wan", "价格", ("转让价格", "转让价格（万元）"), shown=True, value=Value.number,
        unit="万元",
    ),
    _REGION,
    _CONTACT,
    _STATUS,
)  # fmt: skip

NEED: tuple[ListingField, ...] = (
    ListingField("id", "编号", ("需求编号",)),
    ListingField("title", "需求名称", ("需求标题", "名称", "标题"), searchable=True),
    ListingField(
        "description", "需求描述", ("需求内容", "需求简介", "描述"), searchable=True
    ),
    ListingField("enterprise", "需求企业", ("企业名称", "单位"), shown=True),
    _FIELD,
    ListingField(
        "required_maturity", "最低成熟度", ("成熟度要求", "成熟度"), shown=True,
        value=Value.maturity,
    ),
    ListingField(
        "cooperation_modes", "合作方式", (), many=True, shown=True, value=Value.modes
    ),
    _KEYWORDS,
    ListingField("budget_wan", "预算", (), shown=True, value=Value.number, unit="万元"),
    _REGION,
    ListingField(
        "deadline", "截止日期", ("截止时间",), shown=True, value=Value.date
    ),
    _CONTACT,
    _STATUS,
)  # fmt: skip

# keyed by the kind's value: ``Kind`` is a StrEnum, and the models in ``schemas`` read this table
FIELDS: dict[str, tuple[ListingField, ...]] = {"achievement": ACHIEVEMENT, "need": NEED}
KINDS = tuple(FIELDS)
BODY_FIELDS = {"title", "summary", "description", "keywords"}  # the text every listing has


def by_name(kind: str) -> dict[str, ListingField]:
    return {f.name: f for f in FIELDS[kind]}


def labels(kind: str) -> dict[str, str]:
    """Field name → its Chinese label (forms, messages)."""
    return {f.name: f.label for f in FIELDS[kind]}


def list_fields(kind: str | None = None) -> set[str]:
    kinds = [kind] if kind else KINDS
    return {f.name for k in kinds for f in FIELDS[k] if f.many}


def number_fields(kind: str | None = None) -> set[str]:
    kinds = [kind] if kind else KINDS
    return {f.name for k in kinds for f in FIELDS[k] if f.value is Value.number}


def extra_searchable(kind: str) -> tuple[str, ...]:
    """The searchable fields beyond title, body and keywords (e.g. ``patents``)."""
    return tuple(f.name for f in FIELDS[kind] if f.searchable and f.name not in BODY_FIELDS)


def shown(kind: str) -> tuple[ListingField, ...]:
    return tuple(f for f in FIELDS[kind] if f.shown)


def header_map(kind: str) -> dict[str, str]:
    """Every header an import file may use → the field it names (first declaration wins)."""
    out: dict[str, str] = {}
    for spec in FIELDS[kind]:
        for header in spec.headers:
            out.setdefault(header, spec.name)
    return out
