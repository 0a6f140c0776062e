"""An account's own listings (/mine) and a university's bulk import (/import)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from service.accounts import Role
from service.api.auth import SignedIn, require_poster
from service.api.deps import EngineDep
from service.engine import Engine
from service.error_messages import first_per_field
from service.index_sync import sync
from service.loader import SUFFIXES, ImportReport, import_file
from service.schemas import Kind
from web import form_data
from web.templating import render

router = APIRouter(include_in_schema=False)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@router.get("/mine")
def mine(request: Request, engine: EngineDep, user: SignedIn) -> Response:
    kind = user.role.posts
    if kind is None:
        return RedirectResponse("/desk", 303)
    ids = engine.accounts.owned_ids(user.id, kind)
    found = engine.catalog.get_many(kind, ids)
    listings = [found[i] for i in ids if i in found]
    listings.sort(key=lambda item: item.updated_at, reverse=True)
    return render(request, "mine.html", {"kind": kind, "listings": listings})


@router.get("/import")
def import_form(request: Request, user: SignedIn) -> Response:
    require_poster(user, Kind.achievement)
    return render(request, "import.html", {"report": None, "error": None, "problems": []})


def _import_upload(engine: Engine, owner: int | None, name: str, data: bytes) -> ImportReport:
    suffix = Path(name).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        report = import_file(engine.catalog, Kind.achievement, path, owner_id=owner)
    report.source = name
    if report.accepted and engine.index_problem() is None:
        sync(engine)  # new rows searchable at once
    return report


@router.post("/import")
async def import_upload(
    request: Request,
    engine: EngineDep,
    user: SignedIn,
    file: Annotated[UploadFile, File(description="JSONL, CSV or Excel (.xlsx)")],
) -> Response:
    require_poster(user, Kind.achievement)
    name = file.filename or "upload"
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    error = None
    if not name.lower().endswith(SUFFIXES):
        error = f"不支持的文件类型：{name}。请上传 {'、'.join(SUFFIXES)} 文件"
    elif len(data) > MAX_UPLOAD_BYTES:
        error = "文件超过 10 MB，请拆分后分批导入"
    elif not data.strip():
        error = "文件是空的"
    if error:
        context: dict[str, Any] = {"report": None, "error": error, "problems": []}
        return render(request, "import.html", context, status_code=400)
    owner = None if user.role in (Role.broker, Role.admin) else user.id
    try:
        report = _import_upload(engine, owner, name, data)
    except (ValueError, OSError, KeyError) as exc:  # an unreadable workbook or encoding
        context = {"report": None, "error": f"无法读取文件：{exc}", "problems": []}
        return render(request, "import.html", context, status_code=400)
    problems = [(row, first_per_field(row.details)) for row in report.rejected]
    context = {
        "report": report,
        "error": None,
        "problems": problems,
        "form_labels": form_data.LABELS,
    }
    return render(request, "import.html", context)
