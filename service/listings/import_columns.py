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

from service.listings.schemas import Kind, Maturity, TransferMode
from service.listings.taxonomy import Taxonomy, active_taxonomy
from service.sheets import append_row

_COMMON = {
    "编号": "id", "成果编号": "id", "需求编号": "id", "id": "id",
    "技术领域": "field", "领域": "field", "所属领域": "field", "领域代码": "field",
    "行业领域": "field", "关键词": "keywords", "关键字": "keywords",
    "地区": "region", "所在地区": "region", "所在地": "region", "区县": "region",
    "联系方式": "contact", "联系人": "contact", "联系电话": "contact",
}  # fmt: skip
HEADERS: dict[Kind, dict[str, str]] = {
    Kind.achievement: _COMMON | {
        "成果名称": "title", "项目名称": "title", "名称": "title", "标题": "title",
        "成果简介": "summary", "成果介绍": "summary", "简介": "summary", "摘要": "summary",
        "内容简介": "summary", "完成单位": "institution", "单位": "institution",
        "所属单位": "institution", "单位类型": "institution_type",
        "成熟度": "maturity", "成果成熟度": "maturity", "技术成熟度": "maturity",
        "所处阶段": "maturity", "转化方式": "transfer_modes", "转让方式": "transfer_modes",
        "合作方式": "transfer_modes", "专利": "patents", "专利号": "patents",
        "知识产权": "patents", "价格": "price_wan", "价格（万元）": "price_wan",
        "价格(万元)": "price_wan", "转让价格": "price_wan", "转让价格（万元）": "price_wan",
    },
    Kind.need: _COMMON | {
        "需求名称": "title", "需求标题": "title", "名称": "title", "标题": "title",
        "需求描述": "description", "需求内容": "description", "需求简介": "description",
        "描述": "description", "需求企业": "enterprise", "企业名称": "enterprise",
        "单位": "enterprise", "合作方式": "cooperation_modes",
        "最低成熟度": "required_maturity", "成熟度要求": "required_maturity",
        "成熟度": "required_maturity", "预算": "budget_wan", "预算（万元）": "budget_wan",
        "预算(万元)": "budget_wan", "截止日期": "deadline", "截止时间": "deadline",
    },
}  # fmt: skip
LISTS = {"keywords", "transfer_modes", "patents", "cooperation_modes"}
NUMBERS = {"price_wan", "budget_wan"}
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


def _field_code(value: str, taxonomy: Taxonomy) -> str:
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
        return _field_code(value, taxonomy)
    if name == "institution_type":
        return INSTITUTION_TYPES.get(value.strip(), value.strip())
    return value


def normalise(kind: Kind, record: Mapping[str, Any]) -> dict[str, Any]:
    """Chinese headers to field names and Chinese values to codes; the rest is kept as is."""
    headers = HEADERS[kind]
    taxonomy = active_taxonomy()
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = key if key in headers.values() else headers.get(str(key).strip(), key)
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


TEMPLATE_COLUMNS = {
    Kind.achievement: ["成果名称", "成果简介", "完成单位", "技术领域", "成熟度", "转化方式",
                       "关键词", "专利号", "价格（万元）", "地区", "联系方式"],
    Kind.need: ["需求名称", "需求描述", "需求企业", "技术领域", "最低成熟度", "合作方式",
                "关键词", "预算（万元）", "地区", "截止日期", "联系方式"],
}  # fmt: skip
TEMPLATE_EXAMPLE = {
    Kind.achievement: [
        "玄武岩纤维复合筋连续拉挤成型工艺",
        "采用连续拉挤工艺生产玄武岩纤维复合筋，抗拉强度高、耐腐蚀，"
        "可替代部分钢筋用于桥梁与边坡支护。",
        "示例理工学院", "玄武岩纤维及复合材料", "中试", "转让、许可", "玄武岩纤维；复合筋",
        "", "80", "达川区", "",
    ],
    Kind.need: [
        "天然气净化尾气余热回收",
        "我公司天然气净化装置尾气温度高，希望回收余热用于发电或供暖，降低能耗。",
        "示例天然气化工有限公司", "能源与节能", "中试", "合作开发", "余热回收", "50", "宣汉县",
        "", "",
    ],
}  # fmt: skip
