"""Bulk loading: the seed data and files universities import (JSONL, CSV, Excel).

Each row is validated on its own; rejected rows are reported with their line and reasons, and
the good rows are written in one transaction (all of them or, on a database error, none).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from service.catalog import Catalog
from service.catalog.repository import Upserted
from service.listings import fields, import_columns
from service.listings.schemas import IN_MODELS, Kind
from service.requests import FORM

LIST_FIELDS = fields.list_fields()
NUMBER_FIELDS = fields.number_fields()
SUFFIXES = (".jsonl", ".csv", ".xlsx")
ROW_MAX = 100_000  # rows per file
CELL_MAX = 10_000  # characters per CSV/Excel cell (the longest field allows 5,000)
LINE_MAX = 50_000  # characters per JSONL line (a whole record)
FILE_MAX_BYTES = 100 * 2**20  # what the command line reads; the web takes less (see app)


class ImportFileError(ValueError):
    """The file as a whole cannot be imported: unreadable, wrong type, or over a limit.
    Its message says why, in Chinese, for the page and the command line alike."""


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
    columns: dict[str, str] = field(default_factory=dict)  # field → the file's own header
    unused: list[str] = field(default_factory=list)  # headers that name no field, as written
    organisation: str | None = None  # the account's, when every row is posted under it
    organisation_filled: int = 0  # rows without one that got the account's
    organisation_replaced: int = 0  # rows naming another one, posted under the account's

    @property
    def accepted(self) -> int:
        return self.created + self.updated

    def header(self, name: str) -> str:
        """What the file calls a field: its own header, else the field's Chinese label."""
        return self.columns.get(name) or fields.labels(self.kind).get(name, name)

    def note_columns(self, record: dict[str, Any]) -> None:
        """Remember which header of the file named which field, and which named none."""
        for key in record:
            name = import_columns.field_of(self.kind, key)
            if name is None:
                if str(key).strip() not in self.unused:
                    self.unused.append(str(key).strip())
            else:
                self.columns.setdefault(name, str(key).strip())

    def post_under(self, record: dict[str, Any], organisation: str) -> None:
        """Post a row under the account's organisation, counting what that changed."""
        name = self.kind.organisation_field
        given = str(record.get(name) or "").strip()
        if not given:
            self.organisation_filled += 1
        elif given != organisation:
            self.organisation_replaced += 1
        record[name] = organisation


def describe(error: ValidationError) -> list[str]:
    """'field: problem' lines, one per error."""
    out = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "record"
        out.append(f"{where}: {item['msg']}")
    return out


def _tabular(row: dict[Any, Any]) -> dict[str, Any] | str:
    """CSV/Excel cells to record values: lists split on ; 、 or |, blanks dropped; an error
    string for a row with a cell over ``CELL_MAX``."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            continue
        key = str(key).strip()
        if isinstance(value, str) and len(value) > CELL_MAX:
            return f"{key}: 单元格超过 {CELL_MAX} 字上限"
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


def _decode(path: Path) -> str:
    """The file's text: UTF-8 (with or without BOM), else GB18030 (what Excel saves in China)."""
    size = path.stat().st_size
    if size > FILE_MAX_BYTES:
        raise ImportFileError(f"文件超过 {FILE_MAX_BYTES // 2**20} MB 上限，请拆分后分批导入")
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("无法识别文件编码：请另存为 UTF-8 编码后再导入")


def _json_row(line: str) -> dict[str, Any] | str:
    if len(line) > LINE_MAX:
        return f"这一行超过 {LINE_MAX} 字上限，未读取"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"not valid JSON: {exc.msg} (column {exc.colno})"
    except RecursionError:
        return "not valid JSON: 嵌套层数过多"
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return f"not valid JSON: {exc}"
    return record if isinstance(record, dict) else "not a JSON object"


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for number, line in enumerate(io.StringIO(_decode(path)), start=1):
        if line.strip():
            yield number, _json_row(line)


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    reader = csv.DictReader(io.StringIO(_decode(path), newline=""))
    try:
        for row in reader:
            yield reader.line_num, _tabular(row)
    except csv.Error as exc:
        raise ImportFileError(
            f"第 {reader.line_num + 1} 行无法读取"
            f"（每个单元格最多 {CELL_MAX} 字，引号须成对）：{exc}"
        ) from exc


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(path, read_only=True, data_only=True).active
        if sheet is None:
            return
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        for number, values in enumerate(rows, start=2):
            if all(v is None for v in values):
                continue
            yield number, _tabular(dict(zip(header, values, strict=False)))
    except ImportFileError:
        raise
    except Exception as exc:  # a damaged or fake workbook fails in many ways; all say so
        raise ImportFileError(
            f"无法读取 Excel 文件（{type(exc).__name__}）：请确认它是用 Excel 保存的 .xlsx 文件"
        ) from exc


READERS = {".jsonl": _jsonl_rows, ".csv": _csv_rows, ".xlsx": _xlsx_rows}


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, record) pairs; a record that cannot be parsed comes as an error string.

    Raises ImportFileError for a file that cannot be read at all, or that has more than
    ``ROW_MAX`` rows (nothing is written then).
    """
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ImportFileError(f"{path.name}：不支持的文件类型（请用 {'、'.join(SUFFIXES)}）")
    for count, (number, record) in enumerate(reader(path), start=1):
        if count > ROW_MAX:
            raise ImportFileError(f"文件超过 {ROW_MAX} 行上限，请拆分后分批导入；未导入任何行")
        yield number, record


def import_file(
    catalog: Catalog,
    kind: Kind,
    path: Path,
    *,
    owner_id: int | None = None,
    organisation: str | None = None,
    then: Upserted | None = None,
) -> ImportReport:
    """Validate every row of ``path`` and upsert the good ones by id.

    With ``owner_id`` (an account importing through the web or API) new rows become that
    account's, and a row whose id names somebody else's listing is rejected. With
    ``organisation`` every row is posted under that name, whatever the file says; ``then``
    runs in the upsert's transaction (the audit events of the import commit with it).
    """
    report = ImportReport(kind=kind, source=str(path), organisation=organisation)
    good: list[BaseModel] = []
    seen: dict[str, int] = {}
    for number, record in read_rows(path):
        if isinstance(record, str):
            report.rejected.append(Rejected(number, None, [record]))
            continue
        report.note_columns(record)
        record = import_columns.normalise(kind, record)  # Chinese headers and values
        listing_id = record.get("id")
        if organisation is not None:
            report.post_under(record, organisation)
        try:
            item = IN_MODELS[kind].model_validate(record, context=FORM)
        except ValidationError as exc:
            raw = [dict(e) for e in exc.errors(include_url=False, include_input=False)]
            details = import_columns.explain(record, raw)  # the bad value, the allowed ones
            lines = [f"{_where(report, d['loc'])}: {d['msg']}" for d in details]
            report.rejected.append(Rejected(number, listing_id, lines, details))
            continue
        if item.id and item.id in seen:
            report.rejected.append(
                Rejected(
                    number, item.id, [f"{report.header('id')}：与本文件第 {seen[item.id]} 行重复"]
                )
            )
            continue
        if item.id:
            seen[item.id] = number
        good.append(item)
    if owner_id is not None:
        good = _own_rows_only(catalog, kind, good, owner_id, seen, report)
    report.created, report.updated, report.written = catalog.upsert_many(
        kind, good, owner_id=owner_id, then=then
    )
    return report


def _where(report: ImportReport, loc: Any) -> str:
    """An error's place in the file's own words: 成果名称, 转化方式[2]."""
    parts = [str(p) for p in loc or ()]
    if not parts:
        return "整行"
    head = report.header(parts[0])
    return head + "".join(f"[{int(p) + 1}]" if p.isdigit() else f".{p}" for p in parts[1:])


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
            message = f"{item.id} 是其他账号的{kind.label}；新增时请把编号留空"
            detail = {"loc": ("id",), "type": "id_not_yours", "msg": message}
            line = f"{report.header('id')}：{message}"
            report.rejected.append(Rejected(lines[item.id], item.id, [line], [detail]))
        else:
            kept.append(item)
    report.rejected.sort(key=lambda r: r.line)
    return kept


def seed_files(seed_dir: Path, kind: Kind) -> list[Path]:
    folder = seed_dir / kind.plural
    return sorted(folder.glob("*.jsonl"))


def seed(
    catalog: Catalog,
    seed_dir: Path,
    then: Callable[[Kind, Path], Upserted | None] | None = None,
) -> list[ImportReport]:
    """Load every seed file (idempotent: upsert by id); ``then(kind, path)`` gives what runs
    in each file's transaction."""
    catalog.create_schema()
    return [
        import_file(catalog, kind, path, then=then(kind, path) if then else None)
        for kind in Kind
        for path in seed_files(seed_dir, kind)
    ]
