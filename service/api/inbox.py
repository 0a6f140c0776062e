"""The inbox, saved searches and renewing a listing's term — the JSON twins of /inbox."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from service.http.auth import SignedIn, require_editor
from service.http.deps import AccountsDep, InboxDep, RowId, SavedSearchesDep, TermsDep
from service.http.responses import responses
from service.listings.schemas import Kind
from service.matching.search import QUERY_MAX
from service.notifications.inbox import Notification
from service.notifications.saved import SavedSearch
from service.requests import RequestModel

router = APIRouter(
    prefix="/api", tags=["inbox"], responses=responses(400, 401, 403, 404, 409, 413, 422)
)


class InboxPage(BaseModel):
    unread: int
    items: list[Notification]


class SavedSearchIn(RequestModel):
    q: str = Field(min_length=1, max_length=QUERY_MAX)
    kind: Kind | None = None


class Renewed(BaseModel):
    id: str
    expires_on: dt.date


@router.get("/inbox", response_model=InboxPage)
def inbox(inbox: InboxDep, user: SignedIn) -> InboxPage:
    return InboxPage(unread=inbox.unread_count(user.id), items=inbox.items(user.id))


@router.post("/inbox/read")
def mark_read(inbox: InboxDep, user: SignedIn) -> dict[str, int]:
    return {"marked": inbox.mark_read(user.id)}


@router.get("/saved-searches", response_model=list[SavedSearch])
def saved_searches(saved: SavedSearchesDep, user: SignedIn) -> list[SavedSearch]:
    return saved.list(user.id)


@router.post("/saved-searches", response_model=SavedSearch, status_code=201)
def save_search(body: SavedSearchIn, saved: SavedSearchesDep, user: SignedIn) -> SavedSearch:
    return saved.save(user.id, body.q, body.kind)


@router.delete("/saved-searches/{search_id}", status_code=204)
def delete_search(search_id: RowId, saved: SavedSearchesDep, user: SignedIn) -> None:
    if not saved.delete(user.id, search_id):
        raise HTTPException(404, "没有这个保存的搜索")


def renew(kind: Kind, listing_id: str, terms: TermsDep, accounts: AccountsDep,
          user: SignedIn) -> Renewed:  # fmt: skip
    require_editor(accounts, user, kind, listing_id)
    return Renewed(id=listing_id, expires_on=terms.renew(kind, listing_id))


@router.post("/needs/{listing_id}/renew", response_model=Renewed)
def renew_need(listing_id: str, terms: TermsDep, accounts: AccountsDep, user: SignedIn) -> Renewed:
    return renew(Kind.need, listing_id, terms, accounts, user)


@router.post("/achievements/{listing_id}/renew", response_model=Renewed)
def renew_achievement(
    listing_id: str, terms: TermsDep, accounts: AccountsDep, user: SignedIn
) -> Renewed:
    return renew(Kind.achievement, listing_id, terms, accounts, user)
