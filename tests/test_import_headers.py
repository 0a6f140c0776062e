"""Imports speak the file's language (#25 item 2): rejections name the file's own header, the
report lists the columns it did not use and says when the account's organisation was filled
in; the expert import reads Chinese headers, offers a template and reports rows the same way."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from seed_data import SEED_DIR
from service.accounts import Role
from service.composition import Components
from service.listings.schemas import Kind
from service.publishing.loader import import_file
from tests.desk_support import login, make_user
from tests.pages import page_client, sign_in

pytestmark = pytest.mark.anyio
ROW = {
    "成果名称": "玄武岩纤维复合筋连续拉挤工艺",
    "成果简介": "采用连续拉挤工艺生产玄武岩纤维复合筋，强度高、耐腐蚀，可用于桥梁。",
    "技术领域": "新材料",
    "成熟度": "中试",
    "备注": "内部编号 17",
    "负责人": "王老师",
}


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_rejection_names_the_column_by_the_files_own_header(
    market: Components, tmp_path: Path
) -> None:
    bad = {**ROW, "成果名称": "x", "完成单位": "示例理工学院"}
    report = import_file(market.catalog, Kind.achievement, _csv(tmp_path / "a.csv", [bad]))
    (row,) = report.rejected
    assert row.errors[0].startswith("成果名称:") and "title" not in row.errors[0]
    assert report.header("title") == "成果名称" and report.header("price_wan") == "价格"


def test_the_report_lists_the_columns_it_did_not_use(market: Components, tmp_path: Path) -> None:
    good = {**ROW, "完成单位": "示例理工学院"}
    report = import_file(market.catalog, Kind.achievement, _csv(tmp_path / "a.csv", [good]))
    assert report.created == 1 and report.rejected == []
    assert report.unused == ["备注", "负责人"]
    assert report.columns["title"] == "成果名称" and report.columns["maturity"] == "成熟度"


async def test_the_page_says_when_the_accounts_organisation_was_filled_in(
    market: Components, tmp_path: Path
) -> None:
    other = {**ROW, "成果名称": "另一项玄武岩纤维成果", "完成单位": "别的大学"}
    path = _csv(tmp_path / "成果.csv", [other, {**ROW, "完成单位": ""}])
    async with page_client(market) as client:
        token = await sign_in(client, market, "dx-univ", Role.university, "示例理工学院")
        r = await client.post(
            "/import",
            data={"csrf_token": token},
            files={"file": ("成果.csv", path.read_bytes(), "text/csv")},
        )
    assert r.status_code == 200 and "新增 2 条" in r.text
    assert "未使用的列：<code>备注</code>、<code>负责人</code>" in r.text
    assert "1 行没有填完成单位，已按账号所属单位填为“示例理工学院”" in r.text
    assert "1 行填写的完成单位与账号所属单位不同" in r.text


def _expert_book(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "姓名", "单位", "领域", "专长", "服务区县", "角色", "籍贯"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_experts_import_with_chinese_headers_a_template_and_a_row_report(
    seeded_market: Components,
) -> None:
    seeded_market.experts.seed(SEED_DIR)
    data = _expert_book([
        ["E801", "测试甲", "四川文理学院", "玄武岩纤维及复合材料",
         "玄武岩纤维拉丝漏板与浸润剂配方研究", "达川区、通川区", "成果评价", "达州"],
        ["E802", "测试乙", "达州职业技术学院", "新材料", "太短", "", "", ""],
    ])  # fmt: skip
    async with page_client(seeded_market) as client:
        token = await login(client, make_user(seeded_market, Role.admin))
        page = (await client.get("/experts/import")).text
        assert "/experts/import/template.xlsx" in page and "<code>姓名</code>" in page
        template = await client.get("/experts/import/template.xlsx")
        book = load_workbook(io.BytesIO(template.content))
        headers = [c.value for c in book.worksheets[0][1]]
        assert {"编号", "姓名", "单位", "领域", "专长"} <= set(headers) and "id" not in headers
        filled = await client.post(
            "/experts/import",
            data={"csrf_token": token},
            files={"file": ("模板.xlsx", template.content, "application/octet-stream")},
        )
        assert "新增 1 位" in filled.text and "拒绝 0 行" in filled.text
        r = await client.post(
            "/experts/import",
            data={"csrf_token": token},
            files={"file": ("专家.xlsx", data, "application/octet-stream")},
        )
    assert "新增 1 位" in r.text and "拒绝 1 行" in r.text
    assert "专长：" in r.text and "expertise" not in r.text
    assert "未使用的列：<code>籍贯</code>" in r.text
    expert = seeded_market.experts.get("E801")
    assert expert.fields == ["materials.basalt_fiber"] and expert.counties == ["达川区", "通川区"]
