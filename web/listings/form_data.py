"""Posting forms ⇄ listing records: parse form fields, translate validation errors to Chinese.

The pydantic models in ``service.listings.schemas`` stay the single source of the rules; this module
only turns browser form values into a record for them and their errors into messages a
person can act on, keyed by the form field they belong to.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData

from service.listings import fields
from service.listings.fields import Value
from service.listings.schemas import Kind, Maturity, TransferMode
from service.listings.taxonomy import Taxonomy

SPLIT = re.compile(r"[,，;；、|\n]+")
FORM_OMITS = {"id", "status"}  # given by the path and by the button pressed


def labels(kind: Kind) -> dict[str, str]:
    """Field name → its label on the posting form and in its messages (``fields.py``)."""
    return fields.labels(kind)


def field_options(taxonomy: Taxonomy) -> list[tuple[str, str]]:
    """Every taxonomy field, sub-fields indented under their top field."""
    options = []
    for top in taxonomy.top_fields():
        options.append((top.code, top.label))
        options.extend(
            (f.code, f"　{f.label}") for f in taxonomy.fields.values() if f.parent == top.code
        )
    return options


def region_options(taxonomy: Taxonomy) -> list[tuple[str, str]]:
    return [(name, name) for name in taxonomy.regions]


def maturity_options() -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in Maturity]


def mode_options() -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in TransferMode]


def record_from_form(kind: Kind, form: FormData) -> dict[str, Any]:
    """The listing record a form describes (one input per declared field); blanks are left
    out so defaults apply."""
    record: dict[str, Any] = {}
    for spec in fields.FIELDS[kind]:
        if spec.name in FORM_OMITS:
            continue
        if spec.value is Value.modes:
            record[spec.name] = [str(v) for v in form.getlist(spec.name)]
        elif spec.many:  # keywords on one line, other lists one item a line
            text = str(form.get(spec.name) or "")
            parts = SPLIT.split(text) if spec.name == "keywords" else text.splitlines()
            record[spec.name] = [p.strip() for p in parts if p.strip()]
        elif value := str(form.get(spec.name) or "").strip():
            record[spec.name] = value  # numbers too: pydantic parses them or names the problem
    return record


def _joined(kind: Kind, values: dict[str, Any]) -> dict[str, Any]:
    """List fields as their text inputs show them (keywords on a line, others a line each)."""
    for spec in fields.FIELDS[kind]:
        if spec.many and spec.value is not Value.modes:
            glue = "、" if spec.name == "keywords" else "\n"
            values[spec.name] = glue.join(values.get(spec.name) or [])
    return values


def form_values(kind: Kind, listing: Any) -> dict[str, Any]:
    """A stored listing as the values of its edit form."""
    data = _joined(kind, listing.model_dump(mode="json"))
    for name in fields.number_fields(kind):
        if data.get(name) is not None:
            data[name] = f"{data[name]:g}"
    return data


def display_values(kind: Kind, record: dict[str, Any]) -> dict[str, Any]:
    """A parsed record back into form values (lists joined) to re-fill a rejected form."""
    return _joined(kind, dict(record))
