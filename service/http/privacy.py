"""Who sees a listing's contact details: one rule for the pages and the JSON API.

The rule itself is ``Desk.can_see_contact`` (brokers, admins and the listing's owner always;
the owner of the other listing of a pair a broker has moved to 已联系 or beyond). The listing
page asks it before showing the contact; every JSON answer carrying a listing passes through
``for_viewer`` here, which sends ``contact: null`` to everyone else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar, cast

from service.accounts import User
from service.desk.store import Desk
from service.listings.schemas import Listing

L = TypeVar("L", bound=Listing)


def for_viewer(listing: L, user: User | None, desk: Desk) -> L:
    """``listing`` as ``user`` may see it: without its contact unless the rule allows it."""
    if listing.contact is None or desk.can_see_contact(user, listing.kind, listing.id):
        return listing
    return cast(L, listing.model_copy(update={"contact": None}))


def all_for_viewer(listings: Iterable[L], user: User | None, desk: Desk) -> list[L]:
    return [for_viewer(listing, user, desk) for listing in listings]
