"""The columns and values of the files people actually import: Chinese headers (成果名称,
成果简介, 完成单位, 技术领域 …) and Chinese values (中试, 转让, 新材料) mapped to the listing
fields and codes, and rejected values explained with the values allowed.

Used by the loader on every record before validation (``normalise``) and on every rejected
row (``explain``); ``template_workbook`` writes the Excel template offered on the import page.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from io import BytesIO
from typing import Any

from service.listings import fields
from service.listings.schemas import IN_MODELS, Kind, Maturity, TransferMode
from service.listings.taxonomy import Taxonomy, active_taxonomy
from service.sheets import append_row

HEADERS: dict[Kind, dict[str, str]] = {kind: fields.header_map(kind) for kind in Kind}
LISTS = fields.list_fields()
NUMBERS = fields.number_fields()
MATURITY = {m.label: m.value for m in Maturity} | {
    "实验室阶段": "lab", "研发阶段": "lab", "小试阶段": "small_scale", "中试阶段": "pilot",
    "已产业化": "industrial", "产业化阶段": "industrial", "批量生产": "industrial",
    "规模化生产": "industrial",
}  # fmt: skip
MODES = {m.label: m.value for m in TransferMode} | {
    "技术转让": "transfer", "专利转让": "transfer", "技术许可": "license",
    "专利许可": "license", "普通许可": "license", "独占许可": "license", "入股": "equity",
    "技术入股": "equity", "共同开发": "joint_development", "联合开发": "joint_development",
    "委托开发": "joint_development", "服务": "service", "技术咨询": "service",
}  # fmt: skip
INSTITUTION_TYPES = {
    "高校": "university", "大学": "university", "学院": "university",
    "科研院所": "institute", "研究院": "institute", "研究所": "institute",
    "企业": "enterprise", "个人": "individual",
}  # fmt: skip
_SPLIT = re.compile(r"[;；、|,，/]")


def field_code(value: str, taxonomy: Taxonomy) -> str:
    """A field given by code, by label (新材料, 玄武岩纤维及复合材料) or as 上级/下级."""
    text = value.strip()
    if taxonomy.field(text):
        return text
    by_label = {f.label: f.code for f in taxonomy.fields.values()}
    for part in reversed(re.split(r"[/／>-]", text)):  # the most specific part first
        if part.strip() in by_label:
            return by_label[part.strip()]
    return text


def _number(value: str) -> Any:
    text = value.strip().replace(",", "").replace("，", "")
    if text in ("面议", "议价", "-", "—"):
        return None
    text = re.sub(r"\s*万元?$", "", text)
    with contextlib.suppress(ValueError):
        return float(text)
    return value  # left as text: validation names the problem


def _one(name: str, value: Any, taxonomy: Taxonomy) -> Any:
    if not isinstance(value, str):
        return value
    if name in LISTS:
        items = [p.strip() for p in _SPLIT.split(value) if p.strip()]
        if name != "keywords" and name != "patents":
            items = [MODES.get(p, p) for p in items]
        return items
    if name in NUMBERS:
        return _number(value)
    if name in ("maturity", "required_maturity"):
        return MATURITY.get(value.strip(), value.strip())
    if name == "field":
        return field_code(value, taxonomy)
    if name == "institution_type":
        return INSTITUTION_TYPES.get(value.strip(), value.strip())
    return value


def field_of(kind: Kind, header: str) -> str | None:
    """The field a column header names (its label, an alias or the API name), or None."""
    return HEADERS[kind].get(str(header).strip())


def normalise(kind: Kind, record: Mapping[str, Any]) -> dict[str, Any]:
    """Chinese headers to field names and Chinese values to codes; columns that name no field
    are left out (``unused_columns`` lists them for the report)."""
    taxonomy = active_taxonomy()
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = field_of(kind, key)
        if name is None:
            continue
        if isinstance(value, list) and name in LISTS and name not in ("keywords", "patents"):
            value = [MODES.get(v, v) if isinstance(v, str) else v for v in value]
        elif name in ("maturity", "required_maturity", "field", "institution_type") or (
            name in LISTS | NUMBERS and isinstance(value, str)
        ):
            value = _one(name, value, taxonomy)
        out[name] = value
    return out


def allowed_values(name: str, taxonomy: Taxonomy | None = None) -> str | None:
    """The values a field accepts, in words, or None for a free-text field."""
    taxonomy = taxonomy or active_taxonomy()
    if name in ("maturity", "required_maturity"):
        return "、".join(m.label for m in Maturity)
    if name in ("transfer_modes", "cooperation_modes"):
        return "、".join(m.label for m in TransferMode)
    if name == "institution_type":
        return "高校、科研院所、企业、个人"
    if name == "field":
        return "领域名称（如 新材料、玄武岩纤维及复合材料）或代码，见模板的“可选值”表"
    if name == "region":
        return "达州各区县（如 通川区、达川区、宣汉县）或川东北城市，见模板的“可选值”表"
    return None


def explain(record: Mapping[str, Any], details: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each error on a choice field restated with the bad value and the allowed ones."""
    out = []
    for detail in details:
        loc: tuple[Any, ...] = tuple(detail.get("loc") or ())
        name = str(loc[0]) if loc else ""
        allowed = allowed_values(name)
        kinds = ("enum", "value_error", "literal_error")
        if allowed and detail.get("type") in kinds and name in record:
            bad = (
                record[name][loc[1]]
                if len(loc) > 1 and isinstance(record[name], list)
                else record[name]
            )
            message = f"“{bad}”不是可选值；可选：{allowed}"
            detail = {**detail, "type": "import_value", "msg": message}
        out.append(detail)
    return out


def required_headers(kind: Kind) -> list[str]:
    """The template's headers of the fields every row must fill (the organisation is filled
    from the account when blank, but the template still names it)."""
    model = IN_MODELS[kind].model_fields
    return [
        f.header for f in fields.FIELDS[kind] if f.name in model and model[f.name].is_required()
    ]


def many_headers(kind: Kind) -> list[str]:
    """The template's headers of the fields that take several values."""
    return [f.header for f in fields.FIELDS[kind] if f.many]


def template_workbook(kind: Kind, taxonomy: Taxonomy | None = None) -> bytes:
    """An Excel template: the Chinese headers with one example row, and a sheet of allowed
    values (fields with codes, regions, maturity, modes)."""
    from openpyxl import Workbook

    taxonomy = taxonomy or active_taxonomy()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "成果" if kind is Kind.achievement else "需求"
    append_row(sheet, TEMPLATE_COLUMNS[kind])
    append_row(sheet, TEMPLATE_EXAMPLE[kind])
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 18
    values = book.create_sheet("可选值")
    append_row(values, ["技术领域（名称）", "领域代码", "地区", "成熟度", "转化/合作方式"])
    fields = list(taxonomy.fields.values())
    regions = list(taxonomy.regions)
    maturity = [m.label for m in Maturity]
    modes = [m.label for m in TransferMode]
    for i in range(max(len(fields), len(regions))):
        append_row(values, [
            fields[i].label if i < len(fields) else None,
            fields[i].code if i < len(fields) else None,
            regions[i] if i < len(regions) else None,
            maturity[i] if i < len(maturity) else None,
            modes[i] if i < len(modes) else None,
        ])  # fmt: skip
    out = BytesIO()
    book.save(out)
    return out.getvalue()


TEMPLATE_OMITS = {"id", "status", "institution_type"}  # set by the market, or by default
TEMPLATE_COLUMNS = {
    kind: [f.header for f in fields.FIELDS[kind] if f.name not in TEMPLATE_OMITS] for kind in Kind
}
_EXAMPLE: dict[Kind, dict[str, str]] = {
    Kind.achievement: {
        "title": "玄武岩纤维复合筋连续拉挤成型工艺",
        "summary": "采用连续拉挤工艺生产玄武岩纤维复合筋，抗拉强度高、耐腐蚀，"
        "可替代部分钢筋用于桥梁与边坡支护。",
        "institution": "示例理工学院", "field": "玄武岩纤维及复合材料", "maturity": "中试",
        "transfer_modes": "转让、许可", "keywords": "玄武岩纤维；复合筋", "price_wan": "80",
        "region": "达川区",
    },
    Kind.need: {
        "title": "天然气净化尾气余热回收",
        "description": "我公司天然气净化装置尾气温度高，希望回收余热用于发电或供暖，降低能耗。",
        "enterprise": "示例天然气化工有限公司", "field": "能源与节能",
        "required_maturity": "中试", "cooperation_modes": "合作开发", "keywords": "余热回收",
        "budget_wan": "50", "region": "宣汉县",
    },
}  # fmt: skip
TEMPLATE_EXAMPLE = {
    kind: [
        _EXAMPLE[kind].get(f.name, "") for f in fields.FIELDS[kind] if f.name not in TEMPLATE_OMITS
    ]
    for kind in Kind
}
