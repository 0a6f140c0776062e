"""Imports in the universities' own words (#14): Chinese headers and values, rejected values
named with the allowed ones, and the Excel template with its sheet of allowed values."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from service.accounts import Role
from service.composition import Components
from service.listings.import_columns import TEMPLATE_COLUMNS, normalise, template_workbook
from service.listings.schemas import Kind
from service.publishing.loader import import_file
from tests.pages import page_client, sign_in

pytestmark = pytest.mark.anyio
HEADER = ["成果名称", "成果简介", "完成单位", "技术领域", "成熟度", "转化方式", "关键词",
          "价格（万元）", "地区"]  # fmt: skip
ROWS = [
    ["高强玄武岩纤维连续拉挤复合筋",
     "采用连续拉挤工艺生产玄武岩纤维复合筋，强度高、耐腐蚀，可用于桥梁与边坡支护。",
     "示例理工学院", "新材料", "中试", "转让、技术许可", "玄武岩纤维；复合筋", "80万", "达川区"],
    ["脆李冷链保鲜技术",
     "针对巴山脆李采后易软化的问题，提供预冷与气调包装的冷链保鲜成套技术方案。",
     "示例农业大学", "玄武岩纤维及复合材料", "小试阶段", "技术服务", "脆李；保鲜", "面议",
     "宣汉县"],
]  # fmt: skip


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_chinese_headers_and_values_import_with_nothing_rejected(
    market: Components, tmp_path: Path
) -> None:
    report = import_file(market.catalog, Kind.achievement, _csv(tmp_path / "成果库.csv", ROWS))
    assert report.rejected == [] and report.created == 2
    listing = market.catalog.get(Kind.achievement, report.written[0])
    assert listing.field == "materials" and listing.maturity.value == "pilot"
    assert [m.value for m in listing.transfer_modes] == ["transfer", "license"]
    assert listing.price_wan == 80 and listing.keywords == ["玄武岩纤维", "复合筋"]


def test_a_bad_value_is_named_with_the_allowed_ones(market: Components, tmp_path: Path) -> None:
    bad = [[*ROWS[0][:4], "中期", "买断", *ROWS[0][6:]]]
    report = import_file(market.catalog, Kind.achievement, _csv(tmp_path / "bad.csv", bad))
    assert report.created == 0 and len(report.rejected) == 1
    text = "\n".join(report.rejected[0].errors)
    assert "“中期”不是可选值；可选：实验室、小试、中试、产业化" in text
    assert "“买断”不是可选值" in text and "作价入股" in text


def test_need_headers_map_to_need_fields() -> None:
    record = normalise(
        Kind.need, {"需求名称": "x", "成熟度": "产业化", "合作方式": "合作开发", "预算": "50"}
    )
    assert record == {"title": "x", "required_maturity": "industrial",
                      "cooperation_modes": ["joint_development"], "budget_wan": 50.0}  # fmt: skip


def test_template_has_the_headers_and_a_sheet_of_allowed_values(market: Components) -> None:
    book = load_workbook(io.BytesIO(template_workbook(Kind.achievement, market.taxonomy)))
    first, allowed = book.worksheets
    assert [c.value for c in first[1]] == TEMPLATE_COLUMNS[Kind.achievement]
    assert allowed.title == "可选值"
    column = {c.value for c in allowed["D"]}
    assert {"实验室", "小试", "中试", "产业化"} <= column
    assert "materials.basalt_fiber" in {c.value for c in allowed["B"]}


async def test_import_page_offers_the_template_and_reads_the_filled_template(
    market: Components, tmp_path: Path
) -> None:
    async with page_client(market) as client:
        token = await sign_in(client, market, "dx-import", Role.university, "示例理工学院")
        page = (await client.get("/import")).text
        assert "/import/template.xlsx" in page and "materials.basalt_fiber" in page
        template = await client.get("/import/template.xlsx")
        assert template.status_code == 200 and template.content[:2] == b"PK"
        r = await client.post(
            "/import",
            data={"csrf_token": token},
            files={"file": ("模板.xlsx", template.content, "application/octet-stream")},
        )
        assert r.status_code == 200 and "新增 1 条" in r.text and "拒绝 0 行" in r.text
