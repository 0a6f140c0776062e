"""The columns of an expert file as admins keep them: Chinese headers (编号, 姓名, 单位, 领域,
专长 …) and values (领域 by name, 角色 in words) mapped to the expert record's fields, the
Excel template offered on /experts/import, and rejected rows named by the file's own headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any

from service.listings.fields import ListingField, Value
from service.listings.import_columns import field_code
from service.listings.taxonomy import Taxonomy, active_taxonomy

COLUMNS: tuple[ListingField, ...] = (
    ListingField("id", "编号", ("专家编号",)),
    ListingField("name", "姓名", ("专家姓名",)),
    ListingField("organisation", "单位", ("工作单位", "所在单位")),
    ListingField("title", "职称", ("职务",)),
    ListingField("fields", "领域", ("技术领域", "专业领域"), many=True, value=Value.field),
    ListingField("expertise", "专长", ("研究方向", "专业特长", "擅长")),
    ListingField("counties", "服务区县", ("服务地区", "区县"), many=True),
    ListingField("roles", "角色", ("身份", "专家类别"), many=True),
    ListingField("team", "服务团", ("团队",)),
    ListingField("assigned_enterprises", "服务企业", ("对接企业",), many=True),
    ListingField("contact", "联系方式", ("联系电话", "邮箱")),
    ListingField("status", "状态"),
)  # fmt: skip
HEADERS = {h: c.name for c in COLUMNS for h in c.headers}
LABELS = {c.name: c.label for c in COLUMNS}
STATUS = {"在库": "active", "有效": "active", "停用": "inactive", "退出": "inactive"}
TEMPLATE_OMITS = {"status"}
EXAMPLE = {
    "id": "E901", "name": "示例专家", "organisation": "四川文理学院", "title": "教授",
    "fields": "玄武岩纤维及复合材料", "expertise": "玄武岩纤维复合材料的成型工艺与性能测试，"
    "可指导企业连续拉挤生产线的工艺调整。", "counties": "达川区、通川区",
    "roles": "科技特派员、成果评价", "team": "", "assigned_enterprises": "", "contact": "",
}  # fmt: skip


def split_list(value: str) -> list[str]:
    """A cell or form field holding several values, split on ; ； 、 , ， or |."""
    for sep in ("、", ",", "，", "|", "；"):
        value = value.replace(sep, ";")
    return [p.strip() for p in value.split(";") if p.strip()]


def field_of(header: Any) -> str | None:
    """The expert field a column header names, or None."""
    return HEADERS.get(str(header).strip())


def normalise(record: Mapping[str, Any], taxonomy: Taxonomy | None = None) -> dict[str, Any]:
    """Headers to field names, list cells split, field names to codes; unknown columns left
    out (the report lists them)."""
    taxonomy = taxonomy or active_taxonomy()
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = field_of(key)
        if name is None:
            continue
        if name in ("fields", "counties", "roles", "assigned_enterprises"):
            if isinstance(value, str):
                value = split_list(value)
            if name == "fields" and isinstance(value, list):
                value = [field_code(v, taxonomy) if isinstance(v, str) else v for v in value]
        elif name == "id" and isinstance(value, int | float):
            value = str(int(value)) if float(value).is_integer() else str(value)
        elif name == "status" and isinstance(value, str):
            value = STATUS.get(value.strip(), value.strip())
        out[name] = value
    return out


def template_workbook(roles: list[str], taxonomy: Taxonomy | None = None) -> bytes:
    """The Excel template: Chinese headers, an example row and a sheet of allowed values."""
    from openpyxl import Workbook

    taxonomy = taxonomy or active_taxonomy()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "专家"
    columns = [c for c in COLUMNS if c.name not in TEMPLATE_OMITS]
    sheet.append([c.header for c in columns])
    sheet.append([EXAMPLE.get(c.name, "") for c in columns])
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 18
    values = book.create_sheet("可选值")
    values.append(["领域（名称）", "领域代码", "服务区县", "角色"])
    fields = list(taxonomy.fields.values())
    regions = list(taxonomy.regions)
    for i in range(max(len(fields), len(regions))):
        values.append([
            fields[i].label if i < len(fields) else None,
            fields[i].code if i < len(fields) else None,
            regions[i] if i < len(regions) else None,
            roles[i] if i < len(roles) else None,
        ])  # fmt: skip
    out = BytesIO()
    book.save(out)
    return out.getvalue()
