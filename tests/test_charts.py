"""The SVG chart builders: well-formed, accessible, escaped, and calm about empty data."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from markupsafe import Markup

from web.stats.chart_format import fit, fmt_number, fmt_percent, nice_ticks, text_width
from web.stats.charts import bar_chart, column_chart, funnel_chart, grouped_bar_chart

NS = "{http://www.w3.org/2000/svg}"
NASTY = '<&>"'

Build = Callable[[list[tuple[str, float]]], Markup]
BUILDERS: dict[str, Build] = {
    "bars": lambda items: bar_chart("c1", "标题<b>", "说明 & 更多", items, unit="万"),
    "grouped": lambda items: grouped_bar_chart(
        "c2", "标题<b>", "说明 & 更多", [(k, (v, v / 2)) for k, v in items], ["成果", "需求&"]
    ),
    "funnel": lambda items: funnel_chart("c3", "标题<b>", "说明 & 更多", items),
    "columns": lambda items: column_chart("c4", "标题<b>", "说明 & 更多", items, unit="万元"),
}


def parse(svg: Markup) -> ET.Element:
    assert isinstance(svg, Markup)
    return ET.fromstring(str(svg))


def rects(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]


@pytest.mark.parametrize("name", BUILDERS)
def test_chart_is_accessible_svg_with_escaped_text(name: str) -> None:
    root = parse(BUILDERS[name]([("新材料", 12), (NASTY, 3.5), ("现代农业", 0)]))
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert root.get("viewBox", "").startswith("0 0 ")
    title_id, desc_id = root.get("aria-labelledby", "").split()
    titles = {el.get("id"): "".join(el.itertext()) for el in root.iter() if el.get("id")}
    assert titles[title_id] == "标题<b>" and titles[desc_id] == "说明 & 更多"
    assert any(NASTY in "".join(t.itertext()) for t in root.iter(f"{NS}text")) or name == "columns"
    assert any(NASTY in (r.findtext(f"{NS}title") or "") for r in rects(root))


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize(
    "items",
    [[], [("甲", 0), ("乙", 0)], [("甲", math.nan), ("乙", -3), ("丙", math.inf)]],
    ids=["empty", "zeros", "bad-values"],
)
def test_empty_zero_and_bad_values_draw_a_valid_chart(
    name: str, items: list[tuple[str, float]]
) -> None:
    svg = BUILDERS[name](items)
    root = parse(svg)
    assert rects(root) == []
    assert "nan" not in str(svg).lower() and "inf" not in str(svg).lower()
    if not items:
        assert "暂无数据" in "".join(root.itertext())


def test_bar_lengths_follow_the_values() -> None:
    root = parse(bar_chart("b", "t", "d", [("甲", 10), ("乙", 5), ("丙", 0)]))
    widths = [float(r.get("width", 0)) for r in rects(root)]
    assert len(widths) == 2 and widths[0] == pytest.approx(2 * widths[1], abs=0.2)
    assert float(root.get("width", 0)) >= widths[0]


def test_grouped_bars_draw_one_bar_per_series_and_a_legend() -> None:
    rows = [("电子信息", (4.0, 2.0)), ("新材料", (8.0, 1.0))]
    root = parse(grouped_bar_chart("g", "t", "d", rows, ["科技成果", "企业需求"]))
    tips = [r.findtext(f"{NS}title") for r in rects(root)]
    assert tips == ["电子信息 · 科技成果：4", "电子信息 · 企业需求：2", "新材料 · 科技成果：8",
                    "新材料 · 企业需求：1"]  # fmt: skip
    texts = ["".join(t.itertext()) for t in root.iter(f"{NS}text")]
    assert "科技成果" in texts and "企业需求" in texts


def test_funnel_prints_the_share_kept_from_the_stage_before() -> None:
    root = parse(
        funnel_chart("f", "t", "d", [("推荐", 10), ("已联系", 5), ("洽谈", 0), ("签约", 0)])
    )
    texts = ["".join(t.itertext()) for t in root.iter(f"{NS}text")]
    assert "↓ 50%" in texts and "↓ 0%" in texts and "↓ —" in texts
    assert len(list(root.iter(f"{NS}polygon"))) == 3


def test_column_labels_are_thinned_when_columns_are_narrow() -> None:
    items = [(f"{2020 + i // 12}年{i % 12 + 1}月", float(i)) for i in range(36)]
    root = parse(column_chart("m", "t", "d", items))
    labels = [t for t in root.iter(f"{NS}text") if "年" in "".join(t.itertext())]
    assert 3 <= len(labels) < 36
    assert len(rects(root)) == 35  # the first month is 0


def test_chart_ids_must_be_plain() -> None:
    with pytest.raises(ValueError):
        bar_chart('x" onload="alert(1)', "t", "d", [("甲", 1)])


def test_number_and_text_helpers() -> None:
    assert fmt_number(12) == "12" and fmt_number(1234.5) == "1,234.5"
    assert fmt_number(0.126) == "0.13" and fmt_number(-2) == "-2"
    assert fmt_number(math.nan) == "—"
    assert fmt_percent(None) == "—" and fmt_percent(0.6) == "60%" and fmt_percent(1 / 3) == "33.3%"
    assert nice_ticks(0) == [0.0] and nice_ticks(math.nan) == [0.0]
    assert nice_ticks(87) == [0, 25, 50, 75, 100]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert text_width("新材料", 10) == 30 and text_width("ab", 10) == 12
    assert fit("先进制造与自动化", 50, 10) == "先进制造…"
    assert fit("短", 50, 10) == "短"
