"""Pydantic validation errors in Chinese, one message per field, for forms and import reports.

Custom errors raised with a Chinese text (``PydanticCustomError``) keep their own message;
the built-in error types get a short Chinese template filled from the error's context.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

_DATE = "日期格式应为 YYYY-MM-DD"
_NUMBER = "请填写数字"
_TEMPLATES = {
    "missing": "必填",
    "string_too_short": "至少 {min_length} 个字",
    "string_too_long": "最多 {max_length} 个字",
    "too_long": "最多 {max_length} 项",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "finite_number": _NUMBER,
    "enum": "请从列表中选择",
    "literal_error": "请从列表中选择",
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_type": _DATE,
    "string_pattern_mismatch": "格式不正确",
    "extra_forbidden": "不认识的字段",
    # The schema's field and region checks name the taxonomy in English; say it plainly.
    "value_error": "不在可选范围内（请从列表中选择）",
    "id_not_yours": "该编号属于其他账号的成果；新成果请不填编号",
}


def chinese_message(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "string_too_short" and (error.get("ctx") or {}).get("min_length") == 1:
        return "必填"  # an empty text, after stripping
    template = _TEMPLATES.get(kind)
    if template is None:
        return str(error.get("msg", "无效"))
    ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in (error.get("ctx") or {}).items()}
    return template.format(**ctx)


def first_per_field(errors: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """{field: message}, the first problem of each field; whole-record problems under "form"."""
    out: dict[str, str] = {}
    for error in errors:
        loc = error.get("loc") or ()
        out.setdefault(str(loc[0]) if loc else "form", chinese_message(error))
    return out
