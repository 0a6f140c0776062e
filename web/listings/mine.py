"""An account's own listings (/mine) and a university's bulk import (/import)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from indexer.sync import IndexSync
from service.accounts import User
from service.catalog import Catalog
from service.desk.stages import Stage
from service.desk.store import Desk
from service.error_messages import first_per_field
from service.http.auth import SignedIn, require_poster
from service.http.deps import AccountsDep, CatalogDep, DeskDep, ListingsDep, part
from service.listings.import_columns import (
    TEMPLATE_COLUMNS,
    many_headers,
    required_headers,
    template_workbook,
)
from service.listings.schemas import Kind
from service.listings.taxonomy import Taxonomy
from service.publishing.loader import SUFFIXES, ImportReport
from service.publishing.writes import ListingWriter
from web.templating import render

router = APIRouter(include_in_schema=False)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


OWNER_WORDING = {  # how a pair's stage reads to the listing's owner
    Stage.requested: "已申请，等待经纪人处理",
    Stage.shortlisted: "经纪人处理中",
    Stage.dismissed: "经纪人暂不推荐",
}
DESK_SCANNED = 5000


@dataclass
class Progress:
    """One introduction or deal of an owner's listing, as the owner sees it."""

    other_kind: Kind
    other_id: str
    other_title: str
    stage: Stage
    wording: str


def _progress(
    desk: Desk, catalog: Catalog, kind: Kind, ids: list[str]
) -> dict[str, list[Progress]]:
    """Where each introduction or deal of these listings stands, newest change first."""
    mine = set(ids)
    side = "need_id" if kind is Kind.need else "achievement_id"
    other_side = "achievement_id" if kind is Kind.need else "need_id"
    pairs = [p for p in desk.matches(limit=DESK_SCANNED) if getattr(p, side) in mine]
    titles = catalog.get_many(kind.other, [getattr(p, other_side) for p in pairs])
    out: dict[str, list[Progress]] = {}
    for pair in pairs:
        other = getattr(pair, other_side)
        wording = OWNER_WORDING.get(pair.stage, pair.stage.label)
        if pair.stage is Stage.lost and pair.lost_reason:
            wording = f"未成（{pair.lost_reason.label}）"
        title = titles[other].title if other in titles else other
        out.setdefault(getattr(pair, side), []).append(
            Progress(kind.other, other, title, pair.stage, wording)
        )
    return out


@router.get("/mine")
def mine(
    request: Request,
    catalog: CatalogDep,
    accounts: AccountsDep,
    desk: DeskDep,
    user: SignedIn,
) -> Response:
    kind = user.role.posts
    if kind is None:
        return RedirectResponse("/desk", 303)
    ids = accounts.owned_ids(user.id, kind)
    found = catalog.get_many(kind, ids)
    listings = [found[i] for i in ids if i in found]
    listings.sort(key=lambda item: item.updated_at, reverse=True)
    context = {"kind": kind, "listings": listings, "progress": _progress(desk, catalog, kind, ids)}
    return render(request, "mine.html", context)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _import_page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    taxonomy = part(request, Taxonomy)
    context = {
        "report": None, "error": None, "problems": [],
        "columns": TEMPLATE_COLUMNS[Kind.achievement],
        "required": required_headers(Kind.achievement), "many": many_headers(Kind.achievement),
        "fields": list(taxonomy.fields.values()),
        "vectors": part(request, IndexSync).vectors.status(), **context,
    }  # fmt: skip
    return render(request, "import.html", context, status_code=status_code)


@router.get("/import")
def import_form(request: Request, user: SignedIn) -> Response:
    require_poster(user, Kind.achievement)
    return _import_page(request, {})


@router.get("/import/template.xlsx")
def import_template(request: Request) -> Response:
    """The Excel template: Chinese headers, an example row, a sheet of allowed values."""
    data = template_workbook(Kind.achievement, part(request, Taxonomy))
    disposition = f"attachment; filename*=UTF-8''{quote('成果导入模板.xlsx')}"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})


def _import_upload(listings: ListingWriter, user: User, name: str, data: bytes) -> ImportReport:
    """Blocking: runs in a worker thread so other requests go on being served."""
    suffix = Path(name).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        report = listings.import_file(Kind.achievement, path, user, name)
    report.source = name
    return report


@router.post("/import")
async def import_upload(
    request: Request,
    listings: ListingsDep,
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
        return _import_page(request, {"error": error}, status_code=400)
    try:
        report = await run_in_threadpool(_import_upload, listings, user, name, data)
    except (ValueError, OSError, KeyError) as exc:  # an unreadable workbook or encoding
        return _import_page(request, {"error": f"无法读取文件：{exc}"}, status_code=400)
    problems = [(row, first_per_field(row.details)) for row in report.rejected]
    context = {"report": report, "problems": problems}
    return _import_page(request, context)
