"""Posting, previewing, editing and withdrawing listings from the browser.

Enterprises post needs and universities achievements (brokers and admins may post either);
each account edits only what it posted. "预览" validates the form, fills an empty field and
keywords from the text, and shows the top matches without saving anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from service import clock
from service.accounts import Accounts, User
from service.catalog import Catalog
from service.error_messages import first_per_field
from service.http.auth import SignedIn, require_editor, require_poster
from service.http.deps import (
    AccountsDep,
    CatalogDep,
    ListingsDep,
    MatcherDep,
    SuggesterDep,
    part,
)
from service.listings.schemas import IN_MODELS, OUT_MODELS, Kind, Status
from service.listings.taxonomy import Taxonomy
from service.matching.matcher import Matcher
from service.publishing.writes import ListingWriter
from service.requests import FORM
from service.suggest.suggester import Suggester
from web.listings import form_data
from web.templating import flash, render

router = APIRouter(include_in_schema=False)
PREVIEW_MATCHES = 5
OPTIONAL = {
    Kind.need: ("budget_wan", "required_maturity", "deadline", "contact"),
    Kind.achievement: ("price_wan", "region", "contact"),
}


@dataclass
class Posting:
    """What the posting forms use."""

    catalog: Catalog
    accounts: Accounts
    listings: ListingWriter
    matcher: Matcher
    suggester: Suggester


def _posting(
    catalog: CatalogDep,
    accounts: AccountsDep,
    listings: ListingsDep,
    matcher: MatcherDep,
    suggester: SuggesterDep,
) -> Posting:
    return Posting(catalog, accounts, listings, matcher, suggester)


PostingDep = Annotated[Posting, Depends(_posting)]


def _suggest(parts: Posting, kind: Kind, record: dict[str, Any]) -> Any:
    """Field and keyword suggestions for the form's title and text (None for too little text)."""
    title = str(record.get("title", ""))
    text = str(record.get("description" if kind is Kind.need else "summary", ""))
    if len((title + text).strip()) < 10:
        return None
    return parts.suggester.suggest(kind, text, title=title)


def _preview(parts: Posting, kind: Kind, checked: Any) -> Any:
    now = clock.utc_now()
    data = checked.model_dump() | {"id": "PREVIEW", "created_at": now, "updated_at": now}
    data["status"] = Status.published
    listing = OUT_MODELS[kind].model_validate(data)
    return parts.matcher.match_listing(kind, listing, PREVIEW_MATCHES)


def _form_page(
    request: Request,
    kind: Kind,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    listing_id: str | None = None,
    suggestion: Any = None,
    preview: Any = None,
    filled: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "kind": kind,
        "values": values,
        "errors": errors or {},
        "listing_id": listing_id,
        "suggestion": suggestion,
        "preview": preview,
        "filled": filled or [],
        "form_labels": form_data.labels(kind),
        "options": {
            "field": form_data.field_options(part(request, Taxonomy)),
            "region": form_data.region_options(part(request, Taxonomy)),
            "maturity": form_data.maturity_options(),
            "modes": form_data.mode_options(),
        },
    }
    return render(request, "listing_form.html", context, status_code=status_code)


def _own_org(user: User, kind: Kind, record: dict[str, Any]) -> None:
    """Enterprises and universities always post under their own organisation's name."""
    if not user.sees_everything:
        record[kind.organisation_field] = user.organisation


def _new_form(request: Request, kind: Kind, user: User) -> Response:
    require_poster(user, kind)
    values: dict[str, Any] = {kind.organisation_field: user.organisation}
    return _form_page(request, kind, values=values)


async def _submit_new(request: Request, kind: Kind, parts: Posting, user: User) -> Response:
    require_poster(user, kind)
    form = await request.form()
    action = str(form.get("action") or "preview")
    record = form_data.record_from_form(kind, form)
    _own_org(user, kind, record)
    suggestion, filled = None, []
    if action == "preview":
        suggestion = _suggest(parts, kind, record)
        if suggestion is not None and suggestion.fields and not record.get("field"):
            record["field"] = suggestion.fields[0].code
            filled.append("field")
        if suggestion is not None and not record.get("keywords"):
            record["keywords"] = list(suggestion.keywords)[:8]
            filled.append("keywords")
    if action == "draft":
        record["status"] = Status.draft.value
    values = form_data.display_values(kind, record)
    try:
        checked = IN_MODELS[kind].model_validate(record, context=FORM)
    except ValidationError as exc:
        errors = first_per_field(exc.errors())
        return _form_page(
            request, kind, values=values, errors=errors, suggestion=suggestion,
            filled=filled, status_code=400,
        )  # fmt: skip
    if action == "preview":
        preview = _preview(parts, kind, checked)
        return _form_page(
            request, kind, values=values, suggestion=suggestion, preview=preview, filled=filled
        )
    listing = parts.listings.create(kind, checked, user)
    flash(request, "已保存为草稿" if action == "draft" else "已发布，下面是为它找到的匹配")
    return RedirectResponse(kind.path(listing.id), 303)


def _edit_form(
    request: Request, kind: Kind, listing_id: str, parts: Posting, user: User
) -> Response:
    listing = parts.catalog.get(kind, listing_id)
    require_editor(parts.accounts, user, kind, listing_id)
    values = form_data.form_values(kind, listing)
    return _form_page(request, kind, values=values, listing_id=listing_id)


async def _submit_edit(
    request: Request, kind: Kind, listing_id: str, parts: Posting, user: User
) -> Response:
    parts.catalog.get(kind, listing_id)
    require_editor(parts.accounts, user, kind, listing_id)
    form = await request.form()
    record = form_data.record_from_form(kind, form)
    _own_org(user, kind, record)
    for key in OPTIONAL[kind]:
        record.setdefault(key, None)  # a blanked optional field is cleared, not kept
    try:
        parts.listings.update(kind, listing_id, record, user)
    except ValidationError as exc:
        values = form_data.display_values(kind, record)
        errors = first_per_field(exc.errors())
        return _form_page(
            request, kind, values=values, errors=errors, listing_id=listing_id, status_code=400
        )
    flash(request, "修改已保存")
    return RedirectResponse(kind.path(listing_id), 303)


def _set_status(
    request: Request, kind: Kind, listing_id: str, parts: Posting, user: User, status: Status
) -> Response:
    parts.catalog.get(kind, listing_id)
    require_editor(parts.accounts, user, kind, listing_id)
    parts.listings.set_status(kind, listing_id, status, user)
    flash(request, "已撤回，不再公开展示" if status is Status.withdrawn else "已重新发布")
    return RedirectResponse("/mine" if not user.sees_everything else kind.path(listing_id), 303)


def _add_routes(kind: Kind) -> None:
    base = f"/{kind.plural}"

    @router.get(f"{base}/new", name=f"new_{kind.value}")
    def new_form(request: Request, user: SignedIn) -> Response:
        return _new_form(request, kind, user)

    @router.post(f"{base}/new")
    async def submit_new(request: Request, parts: PostingDep, user: SignedIn) -> Response:
        return await _submit_new(request, kind, parts, user)

    @router.get(f"{base}/{{listing_id}}/edit")
    def edit_form(request: Request, listing_id: str, parts: PostingDep, user: SignedIn) -> Response:
        return _edit_form(request, kind, listing_id, parts, user)

    @router.post(f"{base}/{{listing_id}}/edit")
    async def submit_edit(
        request: Request, listing_id: str, parts: PostingDep, user: SignedIn
    ) -> Response:
        return await _submit_edit(request, kind, listing_id, parts, user)

    @router.post(f"{base}/{{listing_id}}/withdraw")
    def withdraw(request: Request, listing_id: str, parts: PostingDep, user: SignedIn) -> Response:
        return _set_status(request, kind, listing_id, parts, user, Status.withdrawn)

    @router.post(f"{base}/{{listing_id}}/publish")
    def publish(request: Request, listing_id: str, parts: PostingDep, user: SignedIn) -> Response:
        return _set_status(request, kind, listing_id, parts, user, Status.published)


for _kind in Kind:
    _add_routes(_kind)
