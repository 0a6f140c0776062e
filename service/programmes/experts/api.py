"""The expert pool's JSON API: experts (contacts for brokers and admins only), experts ranked
for a need or an achievement, evaluations of achievements and the service log.

Reads of experts are public without contacts; admins write experts; brokers and admins record
evaluations and services. Errors: unknown expert 404, bad value 422 naming its field.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, UploadFile
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from service.accounts import Accounts, User
from service.catalog import NotFoundError
from service.http.auth import AdminUser, BrokerUser, CurrentUser
from service.http.deps import AccountsDep, dependency
from service.http.responses import responses
from service.listings.schemas import Kind, Status
from service.programmes.errors import (
    ProgrammeConflictError,
    ProgrammeNotFoundError,
)
from service.programmes.experts.evaluations import (
    Evaluation,
    EvaluationIn,
    EvaluationList,
    Evaluations,
)
from service.programmes.experts.matching import ExpertMatcher, ExpertMatches
from service.programmes.experts.service import (
    Expert,
    ExpertImportReport,
    ExpertIn,
    ExpertPage,
    ExpertPatch,
    ExpertRole,
    Experts,
)
from service.programmes.experts.services_log import Service, ServiceIn, ServiceLog, ServicePage
from service.publishing.loader import SUFFIXES

ExpertsDep = Annotated[Experts, dependency(Experts)]
ExpertMatcherDep = Annotated[ExpertMatcher, dependency(ExpertMatcher)]
EvaluationsDep = Annotated[Evaluations, dependency(Evaluations)]
ServiceLogDep = Annotated[ServiceLog, dependency(ServiceLog)]


router = APIRouter(
    prefix="/api",
    tags=["experts"],
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
UPLOAD_MAX = 10 * 1024 * 1024


def shown(expert: Expert, user: User | None) -> Expert:
    """Contacts go to brokers and admins only."""
    return expert if user is not None and user.sees_everything else expert.public()


@router.get("/experts", response_model=ExpertPage)
def list_experts(
    experts: ExpertsDep,
    user: CurrentUser,
    field: Annotated[str | None, Query(max_length=64)] = None,
    county: Annotated[str | None, Query(max_length=40)] = None,
    role: ExpertRole | None = None,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 100,
) -> ExpertPage:
    """Active experts (filters: field or sub-field code, county served, role, text)."""
    found = experts.search(field=field, county=county, role=role, q=q.strip(), page=page,
                           page_size=page_size)  # fmt: skip
    return found.model_copy(update={"items": [shown(e, user) for e in found.items]})


@router.get("/experts/{expert_id}", response_model=Expert)
def get_expert(expert_id: str, experts: ExpertsDep, user: CurrentUser) -> Expert:
    return shown(experts.get(expert_id), user)


@router.post("/experts", response_model=Expert, status_code=201)
def create_expert(body: ExpertIn, experts: ExpertsDep, user: AdminUser) -> Expert:
    """Add an expert (admins); an id already taken is 409."""
    try:
        experts.get(body.id)
    except ProgrammeNotFoundError:
        return experts.save(body)[0]
    raise ProgrammeConflictError(f"专家编号 {body.id} 已存在")


@router.patch("/experts/{expert_id}", response_model=Expert)
def edit_expert(expert_id: str, body: ExpertPatch, experts: ExpertsDep, user: AdminUser) -> Expert:
    """Change some fields of an expert (admins); the whole record is validated again."""
    return experts.update(expert_id, body.model_dump(exclude_unset=True))


@router.post("/experts/import", response_model=ExpertImportReport)
async def import_experts(
    file: UploadFile, experts: ExpertsDep, user: AdminUser
) -> ExpertImportReport:
    """An Excel, CSV or JSONL file of experts; each rejected row reported with its reasons."""
    return await import_upload(file, experts)


async def import_upload(file: UploadFile, experts: Experts) -> ExpertImportReport:
    """Store the upload in a scratch file and import it in a worker thread."""
    name = file.filename or ""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise upload_error("file", f"请上传 {'、'.join(SUFFIXES)} 文件")
    data = await file.read(UPLOAD_MAX + 1)
    if len(data) > UPLOAD_MAX:
        raise upload_error("file", "文件超过 10 MB")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            report: ExpertImportReport = await run_in_threadpool(experts.import_file, path, name)
        except Exception as exc:  # a corrupt workbook: openpyxl raises many kinds
            raise upload_error("file", f"无法读取文件：{exc}") from exc
    return report


def upload_error(field: str, message: str) -> RequestValidationError:
    """A 422 naming ``field``, for problems of the uploaded file itself."""
    return RequestValidationError([{"loc": ("body", field), "msg": message, "type": "value_error"}])


@router.get("/needs/{listing_id}/experts", response_model=ExpertMatches)
def need_experts(
    listing_id: str,
    matcher: ExpertMatcherDep,
    accounts: AccountsDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> ExpertMatches:
    """Experts who could advise on a need, ranked and explained (contacts for brokers)."""
    listing = _visible(matcher, accounts, user, Kind.need, listing_id)
    return _ranked(matcher.rank(Kind.need, listing, limit), user)


@router.get("/achievements/{listing_id}/experts", response_model=ExpertMatches)
def achievement_experts(
    listing_id: str,
    matcher: ExpertMatcherDep,
    accounts: AccountsDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> ExpertMatches:
    """Experts qualified to evaluate an achievement, ranked and explained."""
    listing = _visible(matcher, accounts, user, Kind.achievement, listing_id)
    return _ranked(matcher.rank(Kind.achievement, listing, limit), user)


def _visible(
    matcher: ExpertMatcher, accounts: Accounts, user: User | None, kind: Kind, listing_id: str
) -> Any:
    """The listing, if this viewer may see it: a draft or a withdrawn listing is its owner's
    and the brokers' only (anyone else gets the 404 of an unknown id)."""
    listing = matcher.catalog.get(kind, listing_id)
    if listing.status != Status.published and not accounts.may_edit(user, kind, listing_id):
        raise NotFoundError(kind, listing_id)
    return listing


def _ranked(found: ExpertMatches, user: User | None) -> ExpertMatches:
    items = [i.model_copy(update={"expert": shown(i.expert, user)}) for i in found.items]
    return found.model_copy(update={"items": items})


@router.get("/achievements/{listing_id}/evaluations", response_model=EvaluationList)
def evaluations_of(listing_id: str, evaluations: EvaluationsDep) -> EvaluationList:
    """Expert evaluations of an achievement (public), newest first."""
    return evaluations.of_achievement(listing_id)


@router.post("/achievements/{listing_id}/evaluations", response_model=Evaluation, status_code=201)
def record_evaluation(
    listing_id: str, body: EvaluationIn, evaluations: EvaluationsDep, user: BrokerUser
) -> Evaluation:
    return evaluations.record(listing_id, body, user)


@router.get("/expert-services", response_model=ServicePage)
def services(
    log: ServiceLogDep,
    user: BrokerUser,
    expert_id: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ServicePage:
    """The service log, latest first (brokers and admins)."""
    return log.page(expert_id, page, page_size)


@router.post("/expert-services", response_model=Service, status_code=201)
def record_service(body: ServiceIn, log: ServiceLogDep, user: BrokerUser) -> Service:
    """Record a 科技特派员's visit or consultation."""
    return log.record(body, user)


routers = (router,)
