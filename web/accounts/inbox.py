"""/inbox: what the market told this account, its saved searches; saving a search from
/search; renewing a listing's term (有效期) from its page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from service.api import inbox as api
from service.http.auth import SignedIn
from service.http.deps import AccountsDep, InboxDep, RowId, SavedSearchesDep, TermsDep
from service.listings.schemas import Kind
from service.notifications.saved import SavedSearchError
from web.accounts.signin import safe_next
from web.templating import flash, render

router = APIRouter(include_in_schema=False)


@router.get("/inbox")
def inbox_page(
    request: Request, inbox: InboxDep, saved: SavedSearchesDep, user: SignedIn
) -> Response:
    context = {"items": inbox.items(user.id), "saved": saved.list(user.id)}
    return render(request, "inbox.html", context)


@router.post("/inbox/read")
def mark_read(request: Request, inbox: InboxDep, user: SignedIn) -> Response:
    inbox.mark_read(user.id)
    flash(request, "已全部标为已读")
    return RedirectResponse("/inbox", 303)


@router.post("/saved-searches")
def save_search(
    request: Request,
    saved: SavedSearchesDep,
    user: SignedIn,
    q: Annotated[str, Form(max_length=500)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    chosen = Kind(kind) if kind in {k.value for k in Kind} else None
    try:
        found = saved.save(user.id, q, chosen)
    except SavedSearchError as exc:
        flash(request, exc.message, "error")
        return RedirectResponse("/search", 303)
    flash(request, f"已保存搜索「{found.query}」，有新结果时会在消息中通知您")
    return RedirectResponse(safe_next(found.url), 303)


@router.post("/saved-searches/{search_id}/delete")
def delete_search(
    request: Request, search_id: RowId, saved: SavedSearchesDep, user: SignedIn
) -> Response:
    flash(request, "已删除" if saved.delete(user.id, search_id) else "没有找到该搜索")
    return RedirectResponse("/inbox#saved", 303)


def _renew(
    request: Request, kind: Kind, listing_id: str, terms: TermsDep, accounts: AccountsDep,
    user: SignedIn,
) -> Response:  # fmt: skip
    renewed = api.renew(kind, listing_id, terms, accounts, user)
    flash(request, f"已续期，有效期至 {renewed.expires_on}")
    return RedirectResponse(kind.path(listing_id), 303)


@router.post("/needs/{listing_id}/renew")
def renew_need(
    request: Request, listing_id: str, terms: TermsDep, accounts: AccountsDep, user: SignedIn
) -> Response:
    return _renew(request, Kind.need, listing_id, terms, accounts, user)


@router.post("/achievements/{listing_id}/renew")
def renew_achievement(
    request: Request, listing_id: str, terms: TermsDep, accounts: AccountsDep, user: SignedIn
) -> Response:
    return _renew(request, Kind.achievement, listing_id, terms, accounts, user)
