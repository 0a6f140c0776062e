"""The expert pool's pages (brokers and admins): the list with filters, one expert with the
service log, the admins' Excel import and edit form; evaluations recorded from an
achievement's page. JSON twins in /api/experts, /api/expert-services."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.responses import Response

from service.error_messages import first_per_field
from service.http.auth import AdminUser, BrokerUser
from service.http.deps import TaxonomyDep
from service.listings.schemas import Kind
from service.programmes.errors import ProgrammeError
from service.programmes.experts.api import EvaluationsDep, ExpertsDep, ServiceLogDep, import_upload
from service.programmes.experts.columns import COLUMNS, split_list, template_workbook
from service.programmes.experts.evaluations import EvaluationIn
from service.programmes.experts.service import LIST_COLUMNS, ExpertRole
from service.programmes.experts.services_log import ServiceIn
from service.requests import FORM
from web.desk import back, page
from web.listings import form_data
from web.programmes.events import attempt
from web.templating import flash

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form(max_length=2000)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EDIT_FIELDS = ("name", "organisation", "title", "fields", "expertise", "counties", "roles",
               "team", "assigned_enterprises", "contact", "status")  # fmt: skip


@router.get("/experts", response_class=HTMLResponse)
def experts_page(
    request: Request,
    experts: ExpertsDep,
    taxonomy: TaxonomyDep,
    user: BrokerUser,
    field: str = "",
    county: str = "",
    role: str = "",
    q: str = "",
) -> Response:
    chosen = ExpertRole(role) if role in {r.value for r in ExpertRole} else None
    found = experts.search(field=field or None, county=county or None, role=chosen,
                           q=q.strip()[:100], page_size=500)  # fmt: skip
    context = {
        "found": found,
        "params": {"field": field, "county": county, "role": role, "q": q},
        "options": {
            "field": form_data.field_options(taxonomy),
            "region": form_data.region_options(taxonomy),
            "role": [(r.value, r.value) for r in ExpertRole],
        },
    }
    return page(request, "experts.html", context)


def _import_page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    context = {"report": None, "error": None, "columns": COLUMNS, **context}
    return page(request, "experts_import.html", context, status_code)


@router.get("/experts/import", response_class=HTMLResponse)
def import_form(request: Request, user: AdminUser) -> Response:
    return _import_page(request, {})


@router.get("/experts/import/template.xlsx")
def import_template(taxonomy: TaxonomyDep, user: AdminUser) -> Response:
    """The Excel template: Chinese headers, an example row and a sheet of allowed values."""
    data = template_workbook([r.value for r in ExpertRole], taxonomy)
    disposition = f"attachment; filename*=UTF-8''{quote('专家导入模板.xlsx')}"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.post("/experts/import", response_class=HTMLResponse)
async def import_experts(
    request: Request, experts: ExpertsDep, user: AdminUser, file: UploadFile
) -> Response:
    try:
        report = await import_upload(file, experts)
    except RequestValidationError as exc:
        message = str(exc.errors()[0]["msg"])
        return _import_page(request, {"error": message}, 422)
    return _import_page(request, {"report": report})


@router.get("/experts/{expert_id}", response_class=HTMLResponse)
def expert_page(
    request: Request,
    expert_id: str,
    experts: ExpertsDep,
    log: ServiceLogDep,
    taxonomy: TaxonomyDep,
    user: BrokerUser,
) -> Response:
    try:
        expert = experts.get(expert_id)
    except ProgrammeError as exc:
        return page(request, "desk_missing.html", {"message": str(exc)}, 404)
    context = {
        "expert": expert,
        "services": log.page(expert_id, 1, 100),
        "regions": form_data.region_options(taxonomy),
    }
    return page(request, "expert.html", context)


@router.post("/experts/{expert_id}/services")
async def record_service(
    request: Request, expert_id: str, log: ServiceLogDep, user: BrokerUser
) -> Response:
    form = await request.form()
    record: dict[str, Any] = {
        k: str(form.get(k, "")).strip()
        for k in ("served_on", "client", "county", "problem", "advice", "technology")
    }
    record = {k: v for k, v in record.items() if v}
    record.update(expert_id=expert_id, adopted=form.get("adopted") == "yes")
    attempt(
        request,
        lambda: log.record(ServiceIn.model_validate(record, context=FORM), user),
        "服务记录已保存",
    )
    return back(f"/experts/{expert_id}#services")


@router.get("/experts/{expert_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, expert_id: str, experts: ExpertsDep, user: AdminUser) -> Response:
    expert = experts.get(expert_id)
    values = {k: _cell(getattr(expert, k)) for k in EDIT_FIELDS}
    return page(request, "expert_edit.html", {"expert": expert, "values": values, "errors": {}})


@router.post("/experts/{expert_id}/edit", response_class=HTMLResponse)
async def edit(request: Request, expert_id: str, experts: ExpertsDep, user: AdminUser) -> Response:
    expert = experts.get(expert_id)
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in EDIT_FIELDS}
    changes: dict[str, Any] = {k: (v or None) for k, v in values.items()}
    for key in LIST_COLUMNS:
        changes[key] = split_list(values[key])
    try:
        experts.update(expert_id, changes)
    except ValidationError as exc:
        context = {"expert": expert, "values": values, "errors": first_per_field(exc.errors())}
        return page(request, "expert_edit.html", context, 422)
    flash(request, f"专家 {expert_id} 已保存")
    return back(f"/experts/{expert_id}")


@router.post("/achievements/{listing_id}/evaluations")
def record_evaluation(
    request: Request,
    listing_id: str,
    evaluations: EvaluationsDep,
    user: BrokerUser,
    expert_id: FormText = "",
    maturity: FormText = "",
    novelty: FormText = "",
    market: FormText = "",
    comment: FormText = "",
) -> Response:
    record = {"expert_id": expert_id, "maturity": maturity, "novelty": novelty,
              "market": market, "comment": comment}  # fmt: skip
    attempt(
        request,
        lambda: evaluations.record(
            listing_id, EvaluationIn.model_validate(record, context=FORM), user
        ),
        "成果评价已记录",
    )
    return back(Kind.achievement.path(listing_id) + "#evaluations")


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(getattr(v, "value", v)) for v in value)
    return "" if value is None else str(value)
