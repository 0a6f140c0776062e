"""Posting forms ⇄ listing records: parse form fields, translate validation errors to Chinese.

The pydantic models in ``service.schemas`` stay the single source of the rules; this module
only turns browser form values into a record for them and their errors into messages a
person can act on, keyed by the form field they belong to.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from service.schemas import Kind, Maturity, TransferMode
from service.taxonomy import get_taxonomy

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


def field_options() -> list[tuple[str, str]]:
    """Every taxonomy field, sub-fields indented under their top field."""
    taxonomy = get_taxonomy()
    options = []
    for top in taxonomy.top_fields():
        options.append((top.code, top.label))
        options.extend(
            (f.code, f"　{f.label}") for f in taxonomy.fields.values() if f.parent == top.code
        )
    return options


def region_options() -> list[tuple[str, str]]:
    return [(name, name) for name in get_taxonomy().regions]


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


def _message(item: dict[str, Any]) -> str:
    kind = item.get("type", "")
    ctx = item.get("ctx") or {}
    if kind == "id_not_yours":
        return "该编号属于其他账号的成果；新成果请不填编号"
    if kind == "missing":
        return "必填"
    if kind == "string_too_short":
        return f"至少 {ctx.get('min_length')} 个字"
    if kind == "string_too_long":
        return f"最多 {ctx.get('max_length')} 个字"
    if kind == "too_long":
        return f"最多 {ctx.get('max_length')} 项"
    if kind in ("float_parsing", "float_type"):
        return "请填写数字（单位：万元），面议请留空"
    if kind == "greater_than_equal":
        return f"不能小于 {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')}"
    if kind == "enum":
        return "请从列表中选择"
    if kind.startswith("date"):
        return "请填写有效日期，例如 2027-06-30"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    if kind == "value_error":
        return "不在可选范围内（请从列表中选择）"
    return str(item.get("msg", "无效"))


def errors_by_field(exc: ValidationError) -> dict[str, str]:
    """The first problem of each form field, in Chinese."""
    return first_problems([dict(item) for item in exc.errors()])


def first_problems(details: list[dict[str, Any]]) -> dict[str, str]:
    """Pydantic error dicts to {field: Chinese message}, the first per field."""
    out: dict[str, str] = {}
    for item in details:
        loc = item.get("loc") or ("record",)
        out.setdefault(str(loc[0]), _message(item))
    return out
