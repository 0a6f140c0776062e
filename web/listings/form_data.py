"""Posting forms ⇄ listing records: parse form fields, translate validation errors to Chinese.

The pydantic models in ``service.listings.schemas`` stay the single source of the rules; this module
only turns browser form values into a record for them and their errors into messages a
person can act on, keyed by the form field they belong to.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData

from service.listings.schemas import Kind, Maturity, TransferMode
from service.listings.taxonomy import Taxonomy

SPLIT = re.compile(r"[,，;；、|\n]+")
TEXT_FIELDS = {
    Kind.need: ("title", "description", "enterprise", "field", "region", "contact", "deadline"),
    Kind.achievement: (
        "title",
        "summary",
        "institution",
        "institution_type",
        "field",
        "region",
        "contact",
        "maturity",
    ),
}
NUMBER_FIELD = {Kind.need: "budget_wan", Kind.achievement: "price_wan"}
MODES_FIELD = {Kind.need: "cooperation_modes", Kind.achievement: "transfer_modes"}
LABELS = {
    "title": "标题",
    "description": "需求描述",
    "summary": "成果简介",
    "enterprise": "需求企业",
    "institution": "完成单位",
    "field": "技术领域",
    "region": "所在地区",
    "keywords": "关键词",
    "budget_wan": "预算",
    "price_wan": "价格",
    "required_maturity": "最低成熟度",
    "maturity": "成熟度",
    "deadline": "截止日期",
    "contact": "联系方式",
    "patents": "专利",
    "cooperation_modes": "合作方式",
    "transfer_modes": "转化方式",
    "institution_type": "单位类型",
}


def field_options(taxonomy: Taxonomy) -> list[tuple[str, str]]:
    """Every taxonomy field, sub-fields indented under their top field."""
    options = []
    for top in taxonomy.top_fields():
        options.append((top.code, top.label))
        options.extend(
            (f.code, f"　{f.label}") for f in taxonomy.fields.values() if f.parent == top.code
        )
    return options


def region_options(taxonomy: Taxonomy) -> list[tuple[str, str]]:
    return [(name, name) for name in taxonomy.regions]


def maturity_options() -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in Maturity]


def mode_options() -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in TransferMode]


def record_from_form(kind: Kind, form: FormData) -> dict[str, Any]:
    """The listing record a form describes; blanks are left out so defaults apply."""
    record: dict[str, Any] = {}
    for name in TEXT_FIELDS[kind]:
        value = str(form.get(name) or "").strip()
        if value:
            record[name] = value
    if kind is Kind.need and str(form.get("required_maturity") or "").strip():
        record["required_maturity"] = str(form.get("required_maturity")).strip()
    number = str(form.get(NUMBER_FIELD[kind]) or "").strip()
    if number:
        record[NUMBER_FIELD[kind]] = number  # pydantic parses it, or names the problem
    keywords = [k.strip() for k in SPLIT.split(str(form.get("keywords") or "")) if k.strip()]
    record["keywords"] = keywords
    record[MODES_FIELD[kind]] = [str(v) for v in form.getlist(MODES_FIELD[kind])]
    if kind is Kind.achievement:
        patents = str(form.get("patents") or "")
        record["patents"] = [p.strip() for p in patents.splitlines() if p.strip()]
    return record


def form_values(kind: Kind, listing: Any) -> dict[str, Any]:
    """A stored listing as the values of its edit form."""
    data = listing.model_dump(mode="json")
    data["keywords"] = "、".join(data.get("keywords") or [])
    if kind is Kind.achievement:
        data["patents"] = "\n".join(data.get("patents") or [])
    for key in ("budget_wan", "price_wan"):
        if data.get(key) is not None:
            data[key] = f"{data[key]:g}"
    return data


def display_values(kind: Kind, record: dict[str, Any]) -> dict[str, Any]:
    """A parsed record back into form values (lists joined) to re-fill a rejected form."""
    values = dict(record)
    values["keywords"] = "、".join(record.get("keywords") or [])
    if kind is Kind.achievement:
        values["patents"] = "\n".join(record.get("patents") or [])
    return values
