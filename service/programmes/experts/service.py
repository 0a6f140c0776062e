"""The expert pool (专家库): expert records, who may see their contacts, import and seed.

Admins create, edit and import experts; brokers and admins see contacts; everyone else sees
the record without them. ``fingerprint`` tells the expert matcher when to rebuild its pool.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from service.catalog.models import row_to_dict, utcnow
from service.error_messages import chinese_message
from service.listings.schemas import ID_PATTERN
from service.listings.taxonomy import active_taxonomy
from service.programmes.errors import ProgrammeNotFoundError
from service.programmes.experts import columns as expert_columns
from service.programmes.experts.models import ExpertRow
from service.publishing.loader import Rejected, describe, read_rows
from service.requests import RequestModel
from service.stamps import Timestamp

LIST_COLUMNS = ("fields", "counties", "roles", "assigned_enterprises")
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]


class ExpertRole(StrEnum):
    envoy = "科技特派员"
    secretary = "科技助企秘书"
    evaluator = "成果评价"


class ExpertIn(RequestModel):
    """An expert as admins write it (API, Excel import, seed)."""

    id: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=50)]
    organisation: Text100
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    fields: list[str] = Field(min_length=1, max_length=5)
    expertise: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)
    ]
    counties: list[str] = Field(default_factory=list, max_length=30)
    roles: list[ExpertRole] = Field(default_factory=list)
    team: Text100 | None = None
    assigned_enterprises: list[Text100] = Field(default_factory=list, max_length=50)
    contact: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    status: Annotated[str, StringConstraints(pattern="^(active|inactive)$")] = "active"

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if active_taxonomy().field(code) is None:
                raise ValueError(f"未知的技术领域代码 {code!r}（见 seed_data/taxonomy.json）")
        return codes

    @field_validator("counties")
    @classmethod
    def _known_counties(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in active_taxonomy().regions:
                raise ValueError(f"未知的地区 {name!r}（见 seed_data/taxonomy.json）")
        return names


class ExpertPatch(RequestModel):
    """A PATCH body: any of the expert's fields, unknown keys refused; the merged record is
    validated again as an ``ExpertIn``."""

    name: str | None = None
    organisation: str | None = None
    title: str | None = None
    fields: list[str] | None = None
    expertise: str | None = None
    counties: list[str] | None = None
    roles: list[ExpertRole] | None = None
    team: str | None = None
    assigned_enterprises: list[str] | None = None
    contact: str | None = None
    status: str | None = None


class Expert(ExpertIn):
    model_config = ConfigDict(extra="ignore")

    """A stored expert; ``contact`` is None for viewers who may not see it."""

    created_at: Timestamp
    updated_at: Timestamp

    def public(self) -> Expert:
        return self.model_copy(update={"contact": None})


class ExpertPage(BaseModel):
    items: list[Expert]
    total: int
    page: int
    page_size: int


class ExpertImportReport(BaseModel):
    source: str
    created: int = 0
    updated: int = 0
    rejected: list[dict[str, Any]] = Field(default_factory=list)  # line, id, errors, fields
    columns: dict[str, str] = Field(default_factory=dict)  # field → the file's own header
    unused: list[str] = Field(default_factory=list)  # headers that name no field

    def header(self, name: str) -> str:
        """What the file calls a field: its own header, else the field's Chinese label."""
        return self.columns.get(name) or expert_columns.LABELS.get(name, name)

    def note_columns(self, record: dict[str, Any]) -> None:
        for key in record:
            name = expert_columns.field_of(key)
            if name is None and str(key).strip() not in self.unused:
                self.unused.append(str(key).strip())
            elif name is not None:
                self.columns.setdefault(name, str(key).strip())


class Experts:
    """Expert records over the catalog's SQL engine."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def get(self, expert_id: str) -> Expert:
        with self._sessions() as session:
            row = session.get(ExpertRow, expert_id)
            if row is None:
                raise ProgrammeNotFoundError(f"专家库中没有编号为 {expert_id} 的专家")
            return _expert(row)

    def all(self, active_only: bool = True) -> list[Expert]:
        query = select(ExpertRow).order_by(ExpertRow.id)
        if active_only:
            query = query.where(ExpertRow.status == "active")
        with self._sessions() as session:
            return [_expert(r) for r in session.scalars(query)]

    def search(
        self,
        *,
        field: str | None = None,
        county: str | None = None,
        role: ExpertRole | None = None,
        q: str = "",
        page: int = 1,
        page_size: int = 50,
    ) -> ExpertPage:
        """Active experts filtered in Python (a few thousand at most), in id order."""
        found = [
            e
            for e in self.all()
            if (not field or any(f == field or f.startswith(field + ".") for f in e.fields))
            and (not county or county in e.counties)
            and (role is None or role in e.roles)
            and (not q or q in e.name + e.organisation + e.expertise + (e.team or ""))
        ]
        start = (page - 1) * page_size
        return ExpertPage(
            items=found[start : start + page_size], total=len(found), page=page, page_size=page_size
        )

    def fingerprint(self) -> tuple[int, dt.datetime | None]:
        """(count, last change) of the pool: changes whenever any process writes an expert."""
        with self._sessions() as session:
            count, last = session.execute(
                select(func.count(), func.max(ExpertRow.updated_at))
            ).one()
            return int(count), last

    def count(self) -> int:
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(ExpertRow)) or 0

    def save(self, expert: ExpertIn) -> tuple[Expert, bool]:
        """Insert or replace one expert by id: (the expert, whether it was new)."""
        created, _ = self.upsert_many([expert])
        return self.get(expert.id), bool(created)

    def update(self, expert_id: str, changes: dict[str, Any]) -> Expert:
        """Apply a partial edit, validating the whole record again."""
        current = self.get(expert_id).model_dump(exclude={"created_at", "updated_at"})
        merged = ExpertIn.model_validate({**current, **changes, "id": expert_id})
        self.upsert_many([merged])
        return self.get(expert_id)

    def upsert_many(self, experts: list[ExpertIn]) -> tuple[int, int]:
        """Insert or replace experts by id in one transaction: (created, updated)."""
        created = updated = 0
        now = utcnow()
        with self._sessions.begin() as session:
            for expert in experts:
                values = expert.model_dump(mode="json")
                row = session.get(ExpertRow, expert.id)
                if row is None:
                    session.add(ExpertRow(**values, created_at=now, updated_at=now))
                    created += 1
                elif any(getattr(row, k) != v for k, v in values.items()):
                    for key, value in values.items():
                        setattr(row, key, value)
                    row.updated_at = now
                    updated += 1
        return created, updated

    def import_file(self, path: Path, source: str | None = None) -> ExpertImportReport:
        """Validate every row of a JSONL, CSV or Excel file and upsert the good ones by id."""
        report = ExpertImportReport(source=source or path.name)
        good: dict[str, ExpertIn] = {}
        for number, raw in read_rows(path):
            if isinstance(raw, str):
                report.rejected.append(_rejected(Rejected(number, None, [raw]), report))
                continue
            report.note_columns(raw)
            record = expert_columns.normalise(raw)
            try:
                expert = ExpertIn.model_validate(record)
            except ValidationError as exc:
                details = [dict(e) for e in exc.errors(include_url=False, include_input=False)]
                rejected = Rejected(number, _text(record.get("id")), describe(exc), details)
                report.rejected.append(_rejected(rejected, report))
                continue
            if expert.id in good:
                message = f"{report.header('id')}：{expert.id} 在本文件中重复"
                report.rejected.append(_rejected(Rejected(number, expert.id, [message]), report))
                continue
            good[expert.id] = expert
        report.created, report.updated = self.upsert_many(list(good.values()))
        return report

    def seed(self, seed_dir: Path) -> ExpertImportReport | None:
        """Load ``seed_dir/experts.jsonl`` when present (idempotent: upsert by id)."""
        path = seed_dir / "experts.jsonl"
        return self.import_file(path) if path.exists() else None


def _expert(row: ExpertRow) -> Expert:
    return Expert.model_validate(row_to_dict(row))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _rejected(row: Rejected, report: ExpertImportReport) -> dict[str, Any]:
    """A rejected row: its line, id, the problems (in Chinese when pydantic named them), each
    under the file's own header."""
    fields = {".".join(str(p) for p in d.get("loc", ())): chinese_message(d) for d in row.details}
    errors = [
        f"{report.header(name.split('.')[0])}：{message}" for name, message in fields.items()
    ] or row.errors
    return {"line": row.line, "id": row.id, "errors": errors, "fields": fields}
