"""Bulk loading: the seed data and files universities import (JSONL, CSV, Excel).

Each row is validated on its own; rejected rows are reported with their line and reasons, and
the good rows are written in one transaction (all of them or, on a database error, none).
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from service.catalog import Catalog
from service.listings import import_columns
from service.listings.schemas import IN_MODELS, Kind

LIST_FIELDS = {"keywords", "transfer_modes", "patents", "cooperation_modes"}
NUMBER_FIELDS = {"price_wan", "budget_wan"}
SUFFIXES = (".jsonl", ".csv", ".xlsx")


@dataclass
class Rejected:
    line: int
    id: str | None
    errors: list[str]
    details: list[dict[str, Any]] = field(default_factory=list)  # pydantic's, when it has them


@dataclass
class ImportReport:
    kind: Kind
    source: str
    created: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # ids created or changed

    @property
    def accepted(self) -> int:
        return self.created + self.updated


def describe(error: ValidationError) -> list[str]:
    """'field: problem' lines, one per error."""
    out = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "record"
        out.append(f"{where}: {item['msg']}")
    return out


def _tabular(row: dict[str, Any]) -> dict[str, Any]:
    """CSV/Excel cells to record values: lists split on ; 、 or |, blanks dropped."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            continue
        key = key.strip()
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key in LIST_FIELDS and isinstance(value, str):
            parts = value.replace("、", ";").replace("|", ";").split(";")
            value = [p.strip() for p in parts if p.strip()]
        elif key in NUMBER_FIELDS and isinstance(value, str):
            with contextlib.suppress(ValueError):  # left as text: the model names the problem
                value = float(value)
        out[key] = value.strip() if isinstance(value, str) else value
    return out


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, record) pairs; a record that cannot be parsed comes as an error string."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        with path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, f"not valid JSON: {exc.msg} (column {exc.colno})"
                    continue
                yield number, record if isinstance(record, dict) else "not a JSON object"
    elif suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                yield number, _tabular(row)
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).active
        if sheet is None:
            return
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        for number, values in enumerate(rows, start=2):
            if all(v is None for v in values):
                continue
            yield number, _tabular(dict(zip(header, values, strict=False)))
    else:
        raise ValueError(f"{path.name}: unsupported file type (use {', '.join(SUFFIXES)})")


def import_file(
    catalog: Catalog,
    kind: Kind,
    path: Path,
    *,
    owner_id: int | None = None,
    organisation: str | None = None,
) -> ImportReport:
    """Validate every row of ``path`` and upsert the good ones by id.

    With ``owner_id`` (an account importing through the web or API) new rows become that
    account's, and a row whose id names somebody else's listing is rejected. With
    ``organisation`` every row is posted under that name, whatever the file says.
    """
    report = ImportReport(kind=kind, source=str(path))
    good: list[BaseModel] = []
    seen: dict[str, int] = {}
    for number, record in read_rows(path):
        if isinstance(record, str):
            report.rejected.append(Rejected(number, None, [record]))
            continue
        record = import_columns.normalise(kind, record)  # Chinese headers and values
        listing_id = record.get("id")
        if organisation is not None:
            record[kind.organisation_field] = organisation
        try:
            item = IN_MODELS[kind].model_validate(record)
        except ValidationError as exc:
            raw = [dict(e) for e in exc.errors(include_url=False, include_input=False)]
            details = import_columns.explain(record, raw)  # the bad value, the allowed ones
            lines = [f"{'.'.join(map(str, d['loc'])) or 'record'}: {d['msg']}" for d in details]
            report.rejected.append(Rejected(number, listing_id, lines, details))
            continue
        if item.id and item.id in seen:
            report.rejected.append(
                Rejected(number, item.id, [f"id: repeats line {seen[item.id]} of this file"])
            )
            continue
        if item.id:
            seen[item.id] = number
        good.append(item)
    if owner_id is not None:
        good = _own_rows_only(catalog, kind, good, owner_id, seen, report)
    report.created, report.updated, report.written = catalog.upsert_many(
        kind, good, owner_id=owner_id
    )
    return report


def _own_rows_only(
    catalog: Catalog,
    kind: Kind,
    items: list[Any],
    owner_id: int,
    lines: dict[str, int],
    report: ImportReport,
) -> list[Any]:
    """Drop (and report) rows that would overwrite a listing this account does not own."""
    ids = [item.id for item in items if item.id]
    existing = set(catalog.get_many(kind, ids))
    owners = catalog.owners(kind, ids)
    kept = []
    for item in items:
        if item.id in existing and owners.get(item.id) != owner_id:
            message = f"id: {item.id} belongs to another account; leave id empty for a new one"
            detail = {"loc": ("id",), "type": "id_not_yours", "msg": message}
            report.rejected.append(Rejected(lines[item.id], item.id, [message], [detail]))
        else:
            kept.append(item)
    report.rejected.sort(key=lambda r: r.line)
    return kept


def seed_files(seed_dir: Path, kind: Kind) -> list[Path]:
    folder = seed_dir / kind.plural
    return sorted(folder.glob("*.jsonl"))


def seed(catalog: Catalog, seed_dir: Path) -> list[ImportReport]:
    """Load every seed file (idempotent: upsert by id)."""
    catalog.create_schema()
    return [
        import_file(catalog, kind, path) for kind in Kind for path in seed_files(seed_dir, kind)
    ]
