"""Small server-rendered SVG charts: horizontal bars, grouped bars, a funnel and columns.

Each builder returns ``Markup`` for an inline ``<svg role="img">`` with a ``<title>`` and a
``<desc>`` (named by ``aria-labelledby``), a viewBox so it scales down on a phone, and every
piece of text escaped. Pages put a data table next to each chart; the chart is the picture,
the table is the record. Empty or all-zero data draws a valid chart, never divides by zero.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from markupsafe import Markup, escape

from web.stats.chart_format import FONT, fit, fmt_number, fmt_percent, nice_ticks, text_width

ACCENT = "#0f6b5c"  # --accent in style.css
SECOND = "#c46a1b"  # needs next to achievements; 3.9:1 on white
LOST = "#a23b1f"
INK = "#1d2733"
MUTED = "#5b6776"
GRID = "#dde3ea"
CONNECTOR = "#d7ebe6"
SERIES = (ACCENT, SECOND, "#2b6cb0", "#8a5a00")

WIDTH = 400
SMALL = 12
PAD = 8
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _clean(value: float) -> float:
    return value if math.isfinite(value) and value > 0 else 0.0


def _n(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")


# ---- SVG pieces -------------------------------------------------------------------------
def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = FONT,
    anchor: str = "start",
    fill: str = INK,
    weight: str | None = None,
) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}"{bold}>{escape(text)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str) -> str:
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="2" '
        f'fill="{fill}"><title>{escape(tip)}</title></rect>'
    )


def _svg(
    chart_id: str, width: float, height: float, title: str, desc: str, body: Sequence[str]
) -> Markup:
    if not _ID.match(chart_id):
        raise ValueError(f"chart id {chart_id!r}: letters, digits, '-' and '_' only")
    w, h = _n(width), _n(height)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" '
        f'viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _empty(chart_id: str, title: str, desc: str, width: float) -> Markup:
    return _svg(
        chart_id,
        width,
        48,
        title,
        desc,
        [_text(width / 2, 29, "暂无数据", anchor="middle", fill=MUTED)],
    )


def _label_width(labels: Sequence[str], width: float) -> float:
    widest = max((text_width(label) for label in labels), default=0.0)
    return min(widest, width * 0.36) + PAD


# ---- charts -----------------------------------------------------------------------------
def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    items: Sequence[tuple[str, float]],
    *,
    unit: str = "",
    color: str = ACCENT,
    width: float = WIDTH,
) -> Markup:
    """Horizontal bars, one per (label, value), the value printed at the bar's end."""
    if not items:
        return _empty(chart_id, title, desc, width)
    row, bar = 26, 16
    values = [_clean(v) for _, v in items]
    shown = [fmt_number(v) + unit for v in values]
    label_w = _label_width([label for label, _ in items], width)
    value_w = max(text_width(s, SMALL) for s in shown) + PAD
    span = width - label_w - value_w - 4
    scale = span / max(values) if max(values) > 0 else 0.0
    body = [
        f'<line x1="{_n(label_w)}" y1="{PAD}" x2="{_n(label_w)}" '
        f'y2="{_n(PAD + row * len(items))}" stroke="{GRID}"/>'
    ]
    for i, ((label, _), value, text) in enumerate(zip(items, values, shown, strict=True)):
        top = PAD + i * row
        length = max(value * scale, 1.0) if value > 0 else 0.0
        body.append(
            _text(label_w - 6, top + row / 2 + 4.5, fit(label, label_w - PAD), anchor="end")
        )
        if length:
            body.append(
                _rect(label_w, top + (row - bar) / 2, length, bar, color, f"{label}：{text}")
            )
        body.append(_text(label_w + length + 4, top + row / 2 + 4, text, size=SMALL))
    return _svg(chart_id, width, PAD * 2 + row * len(items), title, desc, body)


def grouped_bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, Sequence[float]]],
    series: Sequence[str],
    *,
    colors: Sequence[str] = SERIES,
    width: float = WIDTH,
) -> Markup:
    """Per label, one horizontal bar per series (e.g. achievements and needs), with a legend."""
    if not rows or not series:
        return _empty(chart_id, title, desc, width)
    bar, gap, legend = 10, 2, 26
    group = len(series) * (bar + gap) - gap + 10
    values = [[_clean(v) for v in vals] for _, vals in rows]
    peak = max((v for vals in values for v in vals), default=0.0)
    value_w = max(text_width(fmt_number(v), SMALL) for vals in values for v in vals) + PAD
    label_w = _label_width([label for label, _ in rows], width)
    span = width - label_w - value_w - 4
    scale = span / peak if peak > 0 else 0.0
    body, x = [], label_w
    for name, color in zip(series, colors, strict=False):
        body.append(f'<rect x="{_n(x)}" y="7" width="10" height="10" fill="{color}"/>')
        body.append(_text(x + 14, 16, name, size=SMALL))
        x += 14 + text_width(name, SMALL) + 16
    for i, ((label, _), vals) in enumerate(zip(rows, values, strict=True)):
        top = legend + i * group
        body.append(
            _text(
                label_w - 6, top + (group - 10) / 2 + 4.5, fit(label, label_w - PAD), anchor="end"
            )
        )
        for j, (name, value, color) in enumerate(zip(series, vals, colors, strict=False)):
            y = top + j * (bar + gap)
            length = max(value * scale, 1.0) if value > 0 else 0.0
            if length:
                tip = f"{label} · {name}：{fmt_number(value)}"
                body.append(_rect(label_w, y, length, bar, color, tip))
            body.append(
                _text(label_w + length + 4, y + bar - 1, fmt_number(value), size=SMALL, fill=MUTED)
            )
    height = legend + group * len(rows) + PAD
    body.insert(
        0,
        f'<line x1="{_n(label_w)}" y1="{legend}" x2="{_n(label_w)}" '
        f'y2="{_n(height - PAD - 10)}" stroke="{GRID}"/>',
    )
    return _svg(chart_id, width, height, title, desc, body)


def funnel_chart(
    chart_id: str,
    title: str,
    desc: str,
    steps: Sequence[tuple[str, float]],
    *,
    width: float = WIDTH,
) -> Markup:
    """Centred bars narrowing stage by stage; the share kept from the stage before on the right."""
    if not steps:
        return _empty(chart_id, title, desc, width)
    bar, gap = 24, 18
    values = [_clean(v) for _, v in steps]
    label_w = _label_width([label for label, _ in steps], width)
    value_w = max(text_width(fmt_number(v) + " 100%", SMALL) for v in values) + PAD
    span = width - label_w - value_w
    centre = label_w + span / 2
    scale = span / max(values) if max(values) > 0 else 0.0
    lengths = [max(v * scale, 2.0) if v > 0 else 0.0 for v in values]
    body = []
    for i, ((label, _), value, length) in enumerate(zip(steps, values, lengths, strict=True)):
        top = PAD + i * (bar + gap)
        if i:
            above, before = lengths[i - 1], values[i - 1]
            body.append(
                f'<polygon points="{_n(centre - above / 2)},{_n(top - gap)} '
                f"{_n(centre + above / 2)},{_n(top - gap)} {_n(centre + length / 2)},{_n(top)} "
                f'{_n(centre - length / 2)},{_n(top)}" fill="{CONNECTOR}"/>'
            )
            kept = fmt_percent(value / before if before > 0 else None)
            body.append(
                _text(
                    width - 2, top - gap / 2 + 4, f"↓ {kept}", size=SMALL, anchor="end", fill=MUTED
                )
            )
        if length:
            body.append(
                _rect(
                    centre - length / 2, top, length, bar, ACCENT, f"{label}：{fmt_number(value)}"
                )
            )
        body.append(
            _text(label_w - 6, top + bar / 2 + 4.5, fit(label, label_w - PAD), anchor="end")
        )
        body.append(
            _text(width - 2, top + bar / 2 + 4.5, fmt_number(value), anchor="end", weight="600")
        )
    height = PAD * 2 + len(steps) * (bar + gap) - gap
    return _svg(chart_id, width, height, title, desc, body)


def column_chart(
    chart_id: str,
    title: str,
    desc: str,
    items: Sequence[tuple[str, float]],
    *,
    unit: str = "",
    color: str = ACCENT,
    width: float = WIDTH,
    height: float = 220,
) -> Markup:
    """Vertical columns over a labelled axis (e.g. amounts by month), labels thinned to fit."""
    if not items:
        return _empty(chart_id, title, desc, width)
    values = [_clean(v) for _, v in items]
    ticks = nice_ticks(max(values))
    left = max(text_width(fmt_number(t), SMALL) for t in ticks) + PAD
    top_pad, bottom = 18.0, 22.0
    plot_h = height - top_pad - bottom
    base = height - bottom
    scale = plot_h / ticks[-1] if ticks[-1] > 0 else 0.0
    slot = (width - left - 4) / len(items)
    widest = max(text_width(label, SMALL) for label, _ in items) + 6
    every = max(1, math.ceil(widest / slot))
    body = []
    for tick in ticks:
        y = base - tick * scale
        body.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(width - 4)}" y2="{_n(y)}" '
            f'stroke="{GRID}"/>'
        )
        body.append(_text(left - 4, y + 4, fmt_number(tick), size=SMALL, anchor="end", fill=MUTED))
    for i, ((label, _), value) in enumerate(zip(items, values, strict=True)):
        x = left + i * slot
        h = value * scale
        text = fmt_number(value)
        if h > 0:
            body.append(
                _rect(x + slot * 0.15, base - h, slot * 0.7, h, color, f"{label}：{text}{unit}")
            )
        if value > 0 and text_width(text, SMALL - 1) <= slot:
            body.append(_text(x + slot / 2, base - h - 4, text, size=SMALL - 1, anchor="middle"))
        if i % every == 0:
            body.append(
                _text(x + slot / 2, height - 6, label, size=SMALL, anchor="middle", fill=MUTED)
            )
    return _svg(chart_id, width, height, title, desc, body)
