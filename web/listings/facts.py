"""The facts on a listing's page, read off the field declarations (``service/listings/fields.py``):
every field declared ``shown``, in declaration order, under its label and in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from service.listings import fields
from service.listings.fields import ListingField, Value
from service.listings.schemas import Kind, Maturity, TransferMode
from service.listings.taxonomy import Taxonomy


@dataclass(frozen=True)
class Fact:
    name: str
    label: str
    text: str
    items: tuple[str, ...] = ()  # a list field's values, one a line when there are several


def _words(spec: ListingField, value: Any, taxonomy: Taxonomy) -> str | None:
    """A value in words; None when a blank field is better left out."""
    if spec.value is Value.maturity:
        return Maturity(value).label if value else "不限"
    if spec.value is Value.modes:
        return "、".join(TransferMode(v).label for v in value) or "面议"
    if spec.value is Value.number:
        return f"{value:g} {spec.unit}" if value is not None else "面议"
    if spec.value is Value.field:
        return taxonomy.label(value)
    if spec.value is Value.date:
        return value.isoformat() if isinstance(value, dt.date) else None
    if spec.many:
        return "；".join(value) or None
    return str(value) if value not in (None, "") else "—"


def facts(kind: Kind, listing: Any, taxonomy: Taxonomy) -> list[Fact]:
    """The shown fields of ``listing`` as (label, words), blanks that say nothing left out."""
    out = []
    for spec in fields.shown(kind):
        value = getattr(listing, spec.name)
        text = _words(spec, value, taxonomy)
        if text is None:
            continue
        items = tuple(value) if spec.many and spec.value is Value.text else ()
        out.append(Fact(spec.name, spec.label, text, items if len(items) > 1 else ()))
    return out
