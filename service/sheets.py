"""Cells a spreadsheet shows as typed and never runs: the one writer of every export.

Text comes from people (titles, organisation names, notes), so an export must neither carry a
formula (``=HYPERLINK(…)`` in a title is text, not a live link: formula or CSV injection) nor
break on a character XML cannot hold (one ``\\x0b`` in a title made a whole workbook fail).
``safe_text`` is the rule for CSV cells; ``append_row`` writes a row of an openpyxl sheet with
every text cell stored as text (with Excel's quote prefix when it begins like a formula) and
the control characters XML forbids removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# XML 1.0 allows tab, LF and CR below U+0020 and nothing else (openpyxl refuses the rest)
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean_text(text: str) -> str:
    """The text without the control characters an XML file cannot hold."""
    return ILLEGAL.sub("", text)


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def safe_text(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (quoted with a leading ')."""
    text = clean_text(text)
    return "'" + text if looks_like_formula(text) else text


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Append one row: numbers and dates as they are, every text as text."""
    row = [clean_text(v) if isinstance(v, str) else v for v in values]
    sheet.append(row)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # openpyxl makes "=…" a formula; here it stays text
            if looks_like_formula(cell.value):
                cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
