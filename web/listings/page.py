"""A listing's own page: its facts, its ranked counterparts and why, and what its viewer may do.

Contact details show only to brokers, the listing's owner, and the owner of a listing on the
other side of a pair a broker has introduced. The owner of a listing sees, beside each match,
a button asking a broker for an introduction (or where that request stands).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from service.accounts import Accounts, User
from service.catalog import Catalog, NotFoundError
from service.desk.store import Desk
from service.http.deps import AccountsDep, CatalogDep, DeskDep, MatcherDep, TaxonomyDep, TermsDep
from service.listings.schemas import Kind
from service.listings.taxonomy import Taxonomy
from service.matching.matcher import Matcher
from service.notifications.terms import Terms
from service.programmes.experts.api import EvaluationsDep, ExpertMatcherDep
from service.programmes.experts.evaluations import Evaluations
from service.programmes.experts.matching import ExpertMatcher
from web.listings.contacts import contact_of
from web.listings.facts import facts
from web.templating import render, viewer

router = APIRouter(include_in_schema=False)
MATCHES_SHOWN = 10
EXPERTS_SHOWN = 8


@dataclass
class PageParts:
    """What a listing page reads."""

    catalog: Catalog
    accounts: Accounts
    desk: Desk
    matcher: Matcher
    experts: ExpertMatcher
    evaluations: Evaluations
    terms: Terms
    taxonomy: Taxonomy


def _page_parts(
    catalog: CatalogDep,
    accounts: AccountsDep,
    desk: DeskDep,
    matcher: MatcherDep,
    experts: ExpertMatcherDep,
    evaluations: EvaluationsDep,
    terms: TermsDep,
    taxonomy: TaxonomyDep,
) -> PageParts:
    return PageParts(catalog, accounts, desk, matcher, experts, evaluations, terms, taxonomy)


PagePartsDep = Annotated[PageParts, Depends(_page_parts)]


def _add_route(kind: Kind) -> None:
    @router.get(f"/{kind.plural}/{{listing_id}}", name=f"{kind.value}_page")
    def page(request: Request, listing_id: str, parts: PagePartsDep) -> Response:
        return _listing_page(request, kind, listing_id, parts)


for _kind in Kind:
    _add_route(_kind)


def _desk_states(desk: Desk, kind: Kind, listing_id: str, other_ids: list[str]) -> dict[str, Any]:
    """The desk pair (if any) of this listing with each counterpart."""
    states = {}
    for other in other_ids:
        need, achievement = (listing_id, other) if kind is Kind.need else (other, listing_id)
        found = desk.find(need, achievement)
        if found is not None:
            states[other] = found
    return states


def _listing_page(request: Request, kind: Kind, listing_id: str, parts: PageParts) -> Response:
    listing = parts.catalog.get(kind, listing_id)
    user = viewer(request)
    accounts, desk = parts.accounts, parts.desk
    editable = accounts.may_edit(user, kind, listing_id)
    if not listing.is_published and not editable:
        raise NotFoundError(kind, listing_id)  # drafts and withdrawn listings: owner only
    # Drafts and withdrawn listings are shown to their owner and brokers, never matched.
    published = listing.is_published
    result = parts.matcher.match(kind, listing_id, MATCHES_SHOWN) if published else None
    owner = user is not None and accounts.owner_of(kind, listing_id) == user.id
    ids = [m.id for m in result.matches] if result else []
    context = {
        "kind": kind,
        "listing": listing,
        "body": listing.body,
        "facts": facts(kind, listing, parts.taxonomy),
        "result": result,
        "editable": editable,
        "can_request": owner and published,
        "technical": user is not None and user.sees_everything,
        "desk_states": _desk_states(desk, kind, listing_id, ids) if user else {},
        "show_contact": desk.can_see_contact(user, kind, listing_id),
        **_programmes(kind, listing, user, parts.experts, parts.evaluations),
        "contact": contact_of(accounts, listing),
        "expires_on": parts.terms.expires_on(kind, listing),
        "expired": parts.terms.is_expired(kind, listing_id),
    }
    return render(request, "listing.html", context)


def _programmes(
    kind: Kind, listing: Any, user: User | None, experts: ExpertMatcher, evaluations: Evaluations
) -> dict[str, Any]:
    """Expert evaluations (everyone) and the experts ranked for the listing (brokers only)."""
    ranked = experts.rank(kind, listing, EXPERTS_SHOWN) if user and user.sees_everything else None
    found = evaluations.of_achievement(listing.id).items if kind is Kind.achievement else []
    return {"experts": ranked, "evaluations": found}
