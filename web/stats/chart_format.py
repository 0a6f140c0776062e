"""Numbers and text for charts and their tables: widths, fitting, formatting, axis ticks."""

from __future__ import annotations

import math

FONT = 14


def text_width(text: str, size: float = FONT) -> float:
    """Rough rendered width: CJK, full-width characters and "…" one em, others 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F or ch == "…" else size * 0.6 for ch in text)


def fit(text: str, max_width: float, size: float = FONT) -> str:
    """``text`` cut with an ellipsis so it is at most ``max_width`` wide."""
    if text_width(text, size) <= max_width:
        return text
    while text and text_width(text + "…", size) > max_width:
        text = text[:-1]
    return text + "…"


def fmt_number(value: float) -> str:
    """12 → "12", 1234.5 → "1,234.5", 0.125 → "0.13"."""
    if not math.isfinite(value):
        return "—"
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def fmt_percent(rate: float | None) -> str:
    return "—" if rate is None else fmt_number(round(rate * 100, 1)) + "%"


def nice_ticks(peak: float, count: int = 4) -> list[float]:
    """Round axis steps from 0 to at least ``peak`` (1, 2, 2.5 or 5 times a power of ten)."""
    if not peak > 0 or not math.isfinite(peak):
        return [0.0]
    raw = peak / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(peak / step - 1e-9) + 1)]
