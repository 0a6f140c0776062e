"""A listing's contact as a person reads it: the listing's own contact, or else the phone and
e-mail its owner gave at sign-up (the fallback), or "未填写". Who may read it is another rule
(``Desk.can_see_contact``)."""

from __future__ import annotations

from service.accounts import Accounts
from service.listings.schemas import Kind, Listing

NONE_GIVEN = "未填写"


def owner_contact(accounts: Accounts, kind: Kind, listing_id: str) -> str | None:
    owner_id = accounts.owner_of(kind, listing_id)
    owner = accounts.get_many([owner_id]).get(owner_id) if owner_id is not None else None
    if owner is None:
        return None
    parts = [p for p in (owner.phone, owner.email) if p]
    return f"{owner.display_name} {' / '.join(parts)}" if parts else None


def contact_of(accounts: Accounts, listing: Listing) -> str:
    return listing.contact or owner_contact(accounts, listing.kind, listing.id) or NONE_GIVEN
