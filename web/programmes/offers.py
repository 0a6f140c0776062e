"""Pages of the trading: /offers (the current notices), /offers/new (挂牌 or 竞价), /offers/{id}
(the notice, the auction and its public bid log, objections, going to the desk).

JSON twins: /api/offers, /api/offers/{id}, /api/offers/{id}/bids. Forms post back here; a bad
value is shown inline on the listing form, or as a message naming the problem elsewhere.
Nothing is computed while a page renders: the service closes due auctions before it answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from service import clock
from service.accounts import Role, User
from service.error_messages import first_per_field
from service.http.auth import CurrentUser, SignedIn
from service.http.deps import AccountsDep, CatalogDep
from service.listings.schemas import Kind, Status
from service.programmes.errors import ProgrammeError, ProgrammeInputError, ProgrammeNotFoundError
from service.programmes.offers.api import OffersDep
from service.programmes.offers.eligibility import bidder_refusal
from service.programmes.offers.views import (
    BidIn,
    DecisionIn,
    Mode,
    ObjectionIn,
    ObjectionStatus,
    OfferIn,
    ToDeskIn,
    Transfer,
)
from service.requests import FORM
from web.templating import flash, render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]
LABELS = {
    "achievement_id": "成果", "mode": "交易方式", "transfer": "转让方式", "price_wan": "拟交易价格",
    "notice_days": "公示天数", "auction": "竞价条件", "start_price_wan": "起拍价",
    "increment_wan": "加价幅度", "opens": "开始时间", "closes": "截止时间", "form": "挂牌",
}  # fmt: skip
FORM_FIELDS = ("achievement_id", "mode", "transfer", "price_wan", "notice_days",
               "start_price_wan", "increment_wan", "opens", "closes")  # fmt: skip


def back(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def money(value: float | None, blank: str = "面议") -> str:
    return blank if value is None else f"{value:g} 万元"


def page(request: Request, name: str, context: dict[str, Any], code: int = 200) -> Response:
    extras = {"money": money, "beijing": clock.format_time, "Mode": Mode}
    return render(request, name, {**context, **extras}, status_code=code)


@router.get("/offers", response_class=HTMLResponse)
def offers_page(request: Request, offers: OffersDep, user: CurrentUser, all: str = "") -> Response:
    """The current notices (公示), auctions first by their close; ``?all=1`` adds ended ones."""
    found = offers.browse(current=not all)
    may_list = user is not None and (user.sees_everything or user.role is Role.university)
    return page(request, "offers.html", {"offers": found, "all": bool(all), "may_list": may_list})


# ---- listing ---------------------------------------------------------------------------------
def _own_achievements(user: User, accounts: Any, catalog: Any) -> list[tuple[str, str]]:
    ids = accounts.owned_ids(user.id, Kind.achievement)
    found = catalog.get_many(Kind.achievement, ids)
    return [(i, f"{a.title}（{i}）") for i, a in found.items() if a.status == Status.published]


def _new_page(
    request: Request, user: User, accounts: Any, catalog: Any, values: dict[str, str],
    errors: dict[str, str], code: int = 200,
) -> Response:  # fmt: skip
    context = {
        "values": values, "labels": LABELS,
        "errors": {k.removeprefix("auction."): v for k, v in errors.items()},
        "own": [] if user.sees_everything else _own_achievements(user, accounts, catalog),
        "modes": [(m.value, m.value) for m in Mode],
        "transfers": [(t.value, t.value) for t in Transfer],
    }  # fmt: skip
    return page(request, "offers_new.html", context, code)


@router.get("/offers/new", response_class=HTMLResponse)
def new_offer(
    request: Request, user: SignedIn, accounts: AccountsDep, catalog: CatalogDep,
    achievement_id: str = "",
) -> Response:  # fmt: skip
    start = clock.now().replace(second=0, microsecond=0) + dt.timedelta(days=1)
    values = {"achievement_id": achievement_id, "mode": Mode.fixed.value, "notice_days": "15",
              "transfer": Transfer.transfer.value, "opens": start.strftime("%Y-%m-%dT%H:%M"),
              "closes": (start + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")}  # fmt: skip
    return _new_page(request, user, accounts, catalog, values, {})


def _offer_in(values: dict[str, str]) -> OfferIn:
    body: dict[str, Any] = {
        "achievement_id": values["achievement_id"], "mode": values["mode"],
        "transfer": values["transfer"], "price_wan": values["price_wan"] or None,
        "notice_days": values["notice_days"] or 15,
    }  # fmt: skip
    if values["mode"] == Mode.auction.value:
        body["auction"] = {
            "start_price_wan": values["start_price_wan"], "increment_wan": values["increment_wan"],
            "opens": values["opens"], "closes": values["closes"],
        }  # fmt: skip
    return OfferIn.model_validate(body, context=FORM)


@router.post("/offers/new")
async def create_offer(
    request: Request, offers: OffersDep, user: SignedIn, accounts: AccountsDep, catalog: CatalogDep
) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in FORM_FIELDS}
    try:
        offer = offers.create(_offer_in(values), user)
    except ValidationError as exc:
        errors = first_per_field(exc.errors())
        return _new_page(request, user, accounts, catalog, values, errors, 422)
    except ProgrammeInputError as exc:
        errors = {exc.field: exc.message}
        return _new_page(request, user, accounts, catalog, values, errors, 422)
    except ProgrammeError as exc:
        return _new_page(request, user, accounts, catalog, values, {"form": str(exc)}, 409)
    flash(request, f"已挂牌，公示至 {clock.format_time(offer.notice_ends, '%Y-%m-%d %H:%M')}")
    return back(f"/offers/{offer.id}")


# ---- one offer -------------------------------------------------------------------------------
@router.get("/offers/{offer_id}", response_class=HTMLResponse)
def offer_page(
    request: Request, offer_id: int, offers: OffersDep, user: CurrentUser, accounts: AccountsDep
) -> Response:
    try:
        offer = offers.get(offer_id)
    except ProgrammeNotFoundError:
        context = {"what": "挂牌", "number": offer_id, "back": "/offers", "back_label": "技术交易"}
        return page(request, "programme_missing.html", context, 404)
    now = clock.utc_now()
    context = {
        "offer": offer,
        "bids": offers.bids(offer_id),
        "objections": offers.objections(offer_id, user),
        "in_notice": offer.notice_starts <= now < offer.notice_ends
        and offer.status.value in ("notice", "upcoming", "bidding"),
        "bid_refusal": bidder_refusal(user, accounts) if user else "登录企业账号后可参与竞价",
        "pending": ObjectionStatus.pending,
    }
    return page(request, "offers_detail.html", context)


def _step(request: Request, offer_id: int, done: str, action: Any) -> Response:
    try:
        action()
    except ValidationError as exc:
        problems = "；".join(
            f"{LABELS.get(f, f)}：{m}" for f, m in first_per_field(exc.errors()).items()
        )
        flash(request, problems, "error")
    except ProgrammeError as exc:
        flash(request, getattr(exc, "message", None) or str(exc), "error")
    else:
        flash(request, done)
    return back(f"/offers/{offer_id}")


@router.post("/offers/{offer_id}/bids")
def bid(
    request: Request, offer_id: int, offers: OffersDep, user: SignedIn, price_wan: Text
) -> Response:
    def act() -> None:
        body = BidIn.model_validate({"price_wan": price_wan}, context=FORM)
        placed = offers.place_bid(offer_id, body, user)
        if placed.extended_to:
            flash(request, f"截止时间已顺延至 {clock.format_time(placed.extended_to)}")

    return _step(request, offer_id, f"出价 {price_wan} 万元已记录", act)


@router.post("/offers/{offer_id}/objections")
def object_to(
    request: Request, offer_id: int, offers: OffersDep, user: SignedIn, reason: Text
) -> Response:
    def act() -> None:
        offers.object(offer_id, ObjectionIn.model_validate({"reason": reason}), user)

    return _step(request, offer_id, "异议已提交，管理员处理后会在此页显示结果", act)


@router.post("/offers/{offer_id}/objections/{objection_id}/decision")
def decide(
    request: Request, offer_id: int, objection_id: int, offers: OffersDep, user: SignedIn,
    decision: Text, note: Text = "",
) -> Response:  # fmt: skip
    def act() -> None:
        body = DecisionIn.model_validate({"decision": decision, "note": note})
        offers.decide(offer_id, objection_id, body, user)

    return _step(request, offer_id, "异议已处理", act)


@router.post("/offers/{offer_id}/desk")
def to_desk(
    request: Request, offer_id: int, offers: OffersDep, user: SignedIn, need_id: Text
) -> Response:
    def act() -> None:
        offers.to_desk(offer_id, ToDeskIn.model_validate({"need_id": need_id}), user)

    return _step(request, offer_id, "已转入工作台，进入「洽谈」阶段", act)
