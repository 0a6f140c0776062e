"""A listing's contact as a person reads it (the rule lives in ``service/accounts/contacts.py``,
shared with the exports)."""

from __future__ import annotations

from service.accounts import Accounts
from service.accounts.contacts import NONE_GIVEN, contact_of, owner_contact
from service.catalog import Catalog
from service.listings.schemas import Kind

__all__ = ["NONE_GIVEN", "contact_by_id", "contact_of", "owner_contact"]


def contact_by_id(accounts: Accounts, catalog: Catalog, kind: Kind, listing_id: str) -> str:
    found = catalog.get_many(kind, [listing_id]).get(listing_id)
    return contact_of(accounts, found) if found is not None else NONE_GIVEN
