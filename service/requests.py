"""The one base of every request body, and the value types bodies share.

``RequestModel`` refuses what a client could not have meant: a key the body does not have
(a misspelt ``capacty`` is an error, not silently ignored), and anything but a JSON number where
a number is meant (``true`` and ``"5"`` are refused; pydantic's lax mode would take them as 1
and 5). Web forms send every value as text, so a page validates with ``FORM`` as the context:
then a number may come as its digits (still never as true/false).

``RowRef`` is a reference to a row by its id in a body, within SQL's INTEGER range (a larger
one made the database driver fail: a 500); ``Day`` is a calendar date in a sane range (a JSON
``0`` or 9999-12-31 is not a date anyone schedules).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from functools import cache
from typing import Annotated, Any, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from service import clock

ROW_ID_MAX = 2**63 - 1
FORM = {"form": True}
"""The validation context of a web form: numbers arrive as text."""
EARLIEST_DAY = dt.date(2000, 1, 1)
YEARS_AHEAD = 10

RowRef = Annotated[int, Field(ge=1, le=ROW_ID_MAX, description="a row id")]


def _sane_day(value: dt.date) -> dt.date:
    latest = dt.date(clock.today().year + YEARS_AHEAD, 12, 31)
    if not EARLIEST_DAY <= value <= latest:
        raise PydanticCustomError(
            "date_range",
            "日期应在 {earliest} 与 {latest} 之间",
            {"earliest": EARLIEST_DAY.isoformat(), "latest": latest.isoformat()},
        )
    return value


def _no_number_as_date(value: Any) -> Any:
    if isinstance(value, (bool, int, float)):
        raise PydanticCustomError("date_type", "日期应写作 YYYY-MM-DD，而不是数字")
    return value


Day = Annotated[dt.date, AfterValidator(_sane_day)]


def _numeric(annotation: Any) -> bool:
    """int or float (or an optional or annotated one), and not bool."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _numeric(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return bool(args) and all(_numeric(a) for a in args)
    return annotation in (int, float)


def _dated(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _dated(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(_dated(a) for a in typing.get_args(annotation))
    return annotation is dt.date


@cache
def _kinds(model: type[BaseModel]) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for name, field in model.model_fields.items():
        if _numeric(field.annotation):
            kinds[name] = "number"
        elif _dated(field.annotation):
            kinds[name] = "date"
    return kinds


class RequestModel(BaseModel):
    """Base of every request body: unknown keys refused, numbers are numbers."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _typed_as_meant(cls, value: Any, info: ValidationInfo) -> Any:
        kind = _kinds(cls).get(info.field_name or "")
        if kind == "date":
            return _no_number_as_date(value)
        if kind != "number":
            return value
        form = bool(info.context and info.context.get("form"))
        if isinstance(value, bool) or (isinstance(value, str) and not form):
            raise PydanticCustomError("number_type", "应为数字（不能是 true/false 或加引号的文字）")
        return value
