"""The broker desk pages (技术经纪人工作台) and the 申请经纪人对接 form; JSON twins in /api/desk."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from service import clock
from service.accounts import Accounts
from service.api.desk import csv_response
from service.catalog import Catalog
from service.desk.board import Board
from service.desk.contracts import FIELD_LABELS, ContractIn, field_errors
from service.desk.errors import DeskError, DeskInputError, DeskNotFoundError, DeskPermissionError
from service.desk.stages import ContractType, LostReason, Stage
from service.desk.views import MatchDetail, QueueItem
from service.http.auth import BrokerUser, ForbiddenError, SignedIn
from service.http.deps import BoardDep, DeskDep, QueueDep, RowId, part
from service.listings.schemas import Kind, TransferMode
from service.matching.results import ListingBrief
from service.programmes.experts.evaluations import Evaluations
from service.programmes.offers.draft_text import TEMPLATES
from service.programmes.offers.service import Offers
from service.requests import FORM
from web.accounts.signin import safe_next
from web.listings.contacts import contact_by_id
from web.templating import flash, render

router = APIRouter(include_in_schema=False)
QUEUE_SIZE = 30
QUEUE_COUNTED = 1000  # the counter counts the whole queue, not just the cards shown
# The 技术合同登记 type a pair's contract most likely is, from the modes the two sides offer.
MODE_CONTRACT = {
    TransferMode.transfer: ContractType.transfer,
    TransferMode.equity: ContractType.transfer,
    TransferMode.license: ContractType.license,
    TransferMode.joint_development: ContractType.development,
    TransferMode.service: ContractType.service,
}
QUEUE_DECISIONS = {"shortlisted": Stage.shortlisted, "recommended": Stage.recommended,
                   "dismissed": Stage.dismissed}  # fmt: skip

FormText = Annotated[str, Form(max_length=200)]


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return render(request, name, {**context, "when": clock.format_time}, status_code=status_code)


def back(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


@router.get("/desk")
def desk_home(
    request: Request, desk: DeskDep, broker_queue: QueueDep, board: BoardDep, user: BrokerUser
) -> Response:
    everything = broker_queue.items(QUEUE_COUNTED)
    queue = everything[:QUEUE_SIZE]
    context = {
        "queue": queue,
        "queue_total": len(everything),
        "requests": [item for item in queue if item.match_id is not None],
        "strong": by_need([item for item in queue if item.match_id is None]),
        "columns": board.board(),
        "counts": desk.counts(),
    }
    return page(request, "desk.html", context)


def by_need(items: list[QueueItem]) -> list[tuple[ListingBrief, list[QueueItem]]]:
    """Queue items grouped under their need, in queue order."""
    groups: dict[str, tuple[ListingBrief, list[QueueItem]]] = {}
    for item in items:
        groups.setdefault(item.need.id, (item.need, []))[1].append(item)
    return list(groups.values())


@router.post("/desk/queue")
def decide(
    desk: DeskDep,
    request: Request,
    user: BrokerUser,
    need_id: FormText,
    achievement_id: FormText,
    stage: FormText,
    score: FormText = "",
) -> Response:
    """A queue button: 加入备选, 推荐 or 不予推荐."""
    decision = QUEUE_DECISIONS.get(stage)
    if decision is None:
        flash(request, "请选择加入备选、推荐或不予推荐", "error")
        return back("/desk")
    try:
        value = float(score) if score.strip() else None
    except ValueError:
        value = None
    try:
        match = desk.place(need_id, achievement_id, decision, user, value)
    except DeskError as exc:
        flash(request, str(exc), "error")
        return back("/desk")
    flash(
        request, f"已将 {need_id} × {achievement_id} 设为「{decision.label}」（对接 #{match.id}）"
    )
    return back("/desk")


def _detail_page(
    request: Request,
    board: Board,
    match_id: RowId,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        detail = board.detail(match_id)
    except DeskNotFoundError as exc:
        return page(request, "desk_missing.html", {"message": str(exc)}, status_code=404)
    accounts, catalog = part(request, Accounts), part(request, Catalog)
    m = detail.match
    offer = part(request, Offers).of_match(m.id)  # the 挂牌 or 竞价 that opened the pair
    if values is None and detail.contract is None and offer and offer.deal_price_wan is not None:
        values = contract_values(detail, _likely_contract(catalog, m.need_id, m.achievement_id))
        values["amount_wan"] = f"{offer.deal_price_wan:g}"
    context = {
        "d": detail,
        "offer": offer,
        "contacts": {
            Kind.need: contact_by_id(accounts, catalog, Kind.need, m.need_id),
            Kind.achievement: contact_by_id(accounts, catalog, Kind.achievement, m.achievement_id),
        },
        "errors": errors or {},
        "values": values
        if values is not None
        else contract_values(detail, _likely_contract(catalog, m.need_id, m.achievement_id)),
        "labels": FIELD_LABELS,
        "lost_reasons": [(r.value, r.label) for r in LostReason],
        "stage_options": [(s.value, s.label) for s in detail.next_stages if s is not Stage.lost],
        "contract_types": [(t.value, t.label) for t in ContractType],
        "draft_templates": [(key, t.title) for key, t in TEMPLATES.items()],
        "evaluations": part(request, Evaluations).of_achievement(detail.match.achievement_id),
    }
    return page(request, "desk_match.html", context, status_code=status_code)


def _likely_contract(catalog: Any, need_id: str, achievement_id: str) -> ContractType:
    """The contract type the two sides' modes point to: the need's cooperation modes that
    the achievement also offers first, else the need's, else the achievement's; 技术转让 when
    neither says."""
    need = catalog.get_many(Kind.need, [need_id]).get(need_id)
    achievement = catalog.get_many(Kind.achievement, [achievement_id]).get(achievement_id)
    wanted = list(need.cooperation_modes) if need else []
    offered = list(achievement.transfer_modes) if achievement else []
    for mode in [m for m in wanted if m in offered] + wanted + offered:
        return MODE_CONTRACT[TransferMode(mode)]
    return ContractType.transfer


def contract_values(
    detail: MatchDetail, likely: ContractType = ContractType.transfer
) -> dict[str, Any]:
    """The contract form's values: the saved record, else a draft from the two listings."""
    if detail.contract is not None:
        values = detail.contract.model_dump(mode="json")
        tech = detail.contract.tech_amount_wan
        return {**values, "amount_wan": f"{detail.contract.amount_wan:g}",
                "tech_amount_wan": "" if tech is None else f"{tech:g}"}  # fmt: skip
    need, achievement = detail.need, detail.achievement
    return {
        "title": achievement.title if achievement else "",
        "contract_type": likely.value,
        "seller": achievement.organisation if achievement else "",
        "buyer": need.organisation if need else "",
        "amount_wan": "",
        "tech_amount_wan": "",
        "signed_on": clock.today().isoformat(),
        "registration_no": "",
        "registered_on": "",
    }


@router.get("/desk/matches/{match_id}")
def match_page(request: Request, match_id: RowId, board: BoardDep, user: BrokerUser) -> Response:
    return _detail_page(request, board, match_id)


@router.post("/desk/matches/{match_id}/stage")
def move(
    request: Request,
    match_id: RowId,
    desk: DeskDep,
    user: BrokerUser,
    stage: FormText,
    reason: FormText = "",
) -> Response:
    try:
        to_stage = Stage(stage)
        lost_reason = LostReason(reason) if reason else None
    except ValueError:
        flash(request, "请从列表中选择阶段和原因", "error")
        return back(f"/desk/matches/{match_id}")
    try:
        desk.move(match_id, to_stage, user, lost_reason)
    except DeskError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, f"已改为「{to_stage.label}」")
    return back(f"/desk/matches/{match_id}")


@router.post("/desk/matches/{match_id}/notes")
def add_note(
    request: Request,
    match_id: RowId,
    desk: DeskDep,
    user: BrokerUser,
    body: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        desk.add_note(match_id, user, body)
    except DeskError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, "备注已保存")
    return back(f"/desk/matches/{match_id}#notes")


@router.post("/desk/matches/{match_id}/contract")
async def save_contract(
    request: Request, match_id: RowId, desk: DeskDep, board: BoardDep, user: BrokerUser
) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in FIELD_LABELS}
    try:
        contract = ContractIn.model_validate(values, context=FORM)
        desk.save_contract(match_id, contract, user)
    except ValidationError as exc:
        return _detail_page(request, board, match_id, field_errors(exc), values, 422)
    except DeskInputError as exc:
        return _detail_page(request, board, match_id, {exc.field: exc.message}, values, 422)
    except DeskError as exc:
        flash(request, str(exc), "error")
        return back(f"/desk/matches/{match_id}")
    flash(request, "合同信息已保存")
    return back(f"/desk/matches/{match_id}#contract")


@router.get("/desk/deals")
def deals(request: Request, desk: DeskDep, user: BrokerUser) -> Response:
    return page(request, "desk_deals.html", {"contracts": desk.contracts()})


@router.get("/desk/deals.csv")
def deals_csv(desk: DeskDep, user: BrokerUser) -> Response:
    return csv_response(desk.deals_csv())


@router.post("/introductions")
def request_introduction(
    request: Request,
    desk: DeskDep,
    user: SignedIn,
    need_id: FormText,
    achievement_id: FormText,
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """The 申请经纪人对接 button on a listing page."""
    target = safe_next(next, "/")
    try:
        match, created = desk.request_introduction(need_id, achievement_id, user)
    except DeskPermissionError as exc:
        raise ForbiddenError(str(exc)) from exc
    except DeskError as exc:
        flash(request, str(exc), "error")
        return back(target)
    if created:
        flash(request, "已提交对接申请，技术经纪人会尽快与双方联系")
    else:
        flash(request, f"这对需求与成果已在经纪人工作台（当前：{match.stage.label}）")
    return back(target)
