"""The trading's JSON API: offers (挂牌 with 公示, 竞价), objections, bids, contract drafts, and
the year's 技术合同成交额.

Reads of offers, bids and the statistics are public (bids show bidder codes, never names).
Listing: the achievement's owner, a broker or an admin; objections: any signed-in account
during the 公示; decisions: admins; bids: enterprise accounts of verified organisations;
drafts and the records with parties: brokers and admins. Unknown ids 404, a state that forbids
the step 409, a bad value 422 naming its field.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Response, status

from service import clock
from service.http.auth import AdminUser, BrokerUser, CurrentUser, SignedIn
from service.http.deps import RowId, dependency
from service.http.responses import responses
from service.programmes.offers import registration
from service.programmes.offers.drafts import DOCX, ContractDrafts
from service.programmes.offers.service import Offers
from service.programmes.offers.transactions import Transactions, TransactionStats
from service.programmes.offers.views import (
    Bid,
    BidIn,
    DecisionIn,
    Objection,
    ObjectionIn,
    Offer,
    OfferIn,
    ToDeskIn,
)

OffersDep = Annotated[Offers, dependency(Offers)]
TransactionsDep = Annotated[Transactions, dependency(Transactions)]
DraftsDep = Annotated[ContractDrafts, dependency(ContractDrafts)]

ERRORS = responses(400, 401, 403, 404, 409, 413, 422)
offers = APIRouter(prefix="/api/offers", tags=["trading"], responses=ERRORS)
drafts = APIRouter(
    prefix="/api/desk", tags=["trading"], responses=responses(401, 403, 404, 409, 422)
)
statistics = APIRouter(prefix="/api/stats", tags=["stats"], responses=responses(401, 422))
routers = (offers, drafts, statistics)
Year = Annotated[int | None, Query(ge=1990, le=2100, description="default: this year (Beijing)")]


def this_year() -> int:
    return clock.today().year


def attachment(content: bytes, media_type: str, ascii_name: str, name: str) -> Response:
    disposition = f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(name)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@offers.get("", response_model=list[Offer])
def list_offers(store: OffersDep, all: bool = False) -> list[Offer]:
    """Offers now open (公示中, 公示期满, 待开拍, 竞价中), the newest first; ``all=true`` adds
    the ended ones."""
    return store.browse(current=not all)


@offers.post("", response_model=Offer, status_code=status.HTTP_201_CREATED)
def create_offer(body: OfferIn, store: OffersDep, user: SignedIn) -> Offer:
    """挂牌 an achievement (its owner, a broker or an admin), with a 公示 of ``notice_days``."""
    return store.create(body, user)


@offers.get("/{offer_id}", response_model=Offer)
def get_offer(offer_id: RowId, store: OffersDep) -> Offer:
    return store.get(offer_id)


@offers.get("/{offer_id}/objections", response_model=list[Objection])
def objections(offer_id: RowId, store: OffersDep, user: CurrentUser) -> list[Objection]:
    """All objections for brokers and admins; the account's own for anyone else."""
    return store.objections(offer_id, user)


@offers.post("/{offer_id}/objections", response_model=Objection, status_code=201)
def object_to(offer_id: RowId, body: ObjectionIn, store: OffersDep, user: SignedIn) -> Objection:
    """Lodge an 异议 during the 公示 (any signed-in account)."""
    return store.object(offer_id, body, user)


@offers.post("/{offer_id}/objections/{objection_id}/decision", response_model=Objection)
def decide(
    offer_id: RowId, objection_id: RowId, body: DecisionIn, store: OffersDep, user: AdminUser
) -> Objection:
    """An admin upholds the objection (the offer stops) or dismisses it."""
    return store.decide(offer_id, objection_id, body, user)


@offers.post("/{offer_id}/bids", response_model=Bid, status_code=201)
def bid(offer_id: RowId, body: BidIn, store: OffersDep, user: SignedIn) -> Bid:
    """Bid (enterprise accounts of verified organisations): at least the start price first,
    then the current price plus the increment; a bid in the last 5 minutes moves the close."""
    return store.place_bid(offer_id, body, user)


@offers.get("/{offer_id}/bids", response_model=list[Bid])
def bids(offer_id: RowId, store: OffersDep) -> list[Bid]:
    """The public bid log, the newest first, with bidder codes."""
    return store.bids(offer_id)


@offers.post("/{offer_id}/desk", response_model=Offer)
def to_desk(offer_id: RowId, body: ToDeskIn, store: OffersDep, user: BrokerUser) -> Offer:
    """A 挂牌 past its 公示 goes to the desk at 洽谈 with the buyer's need (brokers, admins)."""
    return store.to_desk(offer_id, body, user)


@drafts.get("/matches/{match_id}/contract.docx", response_class=Response)
def contract_docx(
    match_id: RowId,
    maker: DraftsDep,
    user: BrokerUser,
    template: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The contract draft (Word) of a pair at 签约 or opened by an offer; ``template`` one of
    transfer_patent, transfer_secret, license, development, service, consulting."""
    content = maker.docx(match_id, template)
    return attachment(content, DOCX, f"contract-{match_id}.docx", f"技术合同草稿-{match_id}.docx")


@drafts.get("/registrations.xlsx", response_class=Response)
def registrations(store: TransactionsDep, user: BrokerUser, year: Year = None) -> Response:
    """The year's 技术合同认定登记 records with the contracts' names and parties."""
    chosen = year or this_year()
    content = registration.registrations_xlsx(store.registered(chosen), chosen, parties=True)
    return attachment(content, registration.XLSX, f"registrations-{chosen}.xlsx",
                      f"技术合同登记-{chosen}.xlsx")  # fmt: skip


@statistics.get("/transactions", response_model=TransactionStats)
def transactions(store: TransactionsDep, year: Year = None) -> TransactionStats:
    """The year's registered 技术合同成交额 against the target, by month, county, field and
    contract type, and the share traced to events, challenges and offers."""
    return store.year(year or this_year())


@statistics.get("/transactions.xlsx", response_class=Response)
def transactions_xlsx(store: TransactionsDep, user: CurrentUser, year: Year = None) -> Response:
    """The annual report (summary and records); parties only for brokers and admins."""
    chosen = year or this_year()
    parties = user is not None and user.sees_everything
    content = registration.annual_xlsx(store.year(chosen), store.registered(chosen), parties)
    return attachment(content, registration.XLSX, f"transactions-{chosen}.xlsx",
                      f"技术合同成交额-{chosen}.xlsx")  # fmt: skip
