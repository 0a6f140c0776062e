"""Organisations for brokers and admins: the list (those with accounts awaiting a decision
first), verifying an organisation, confirming or rejecting an account's claim to its
organisation; and an account's own standing (``GET /api/me/organisation``)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from service.accounts.organisations import Organisation, OrganisationError, Standing
from service.http.auth import BrokerUser, SignedIn
from service.http.deps import AccountsDep, RowId
from service.http.responses import BODY, responses
from service.requests import RequestModel

router = APIRouter(tags=["accounts"], responses={**responses(401, 403, 404, 422), **BODY})


class Affiliation(BaseModel):
    organisation_id: int
    name: str
    standing: Standing
    standing_label: str
    recognised: bool
    verified: bool


class VerifyIn(RequestModel):
    verified: bool = True


class StandingIn(RequestModel):
    standing: Literal["confirmed", "rejected"]


def _affiliation(accounts: AccountsDep, user_id: int) -> Affiliation:
    found = accounts.organisation_of(user_id)
    if found is None:
        raise HTTPException(404, f"没有编号为 {user_id} 的账号")
    return Affiliation(
        organisation_id=found.organisation_id,
        name=found.name,
        standing=found.standing,
        standing_label=found.standing.label,
        recognised=found.recognised,
        verified=found.verified,
    )


@router.get("/api/me/organisation", response_model=Affiliation)
def my_organisation(accounts: AccountsDep, user: SignedIn) -> Affiliation:
    """The organisation this account speaks for, and whether it may yet."""
    return _affiliation(accounts, user.id)


@router.get("/api/admin/organisations", response_model=list[Organisation])
def list_organisations(accounts: AccountsDep, user: BrokerUser) -> list[Organisation]:
    return accounts.organisations.all()


@router.post("/api/admin/organisations/{organisation_id}/verify", response_model=Organisation)
def verify(
    organisation_id: RowId, body: VerifyIn, accounts: AccountsDep, user: BrokerUser
) -> Organisation:
    """Mark the organisation verified (checked by a broker or admin), or take it back."""
    try:
        return accounts.organisations.verify(organisation_id, body.verified, user.id)
    except OrganisationError as exc:
        raise HTTPException(404, exc.message) from exc


@router.post("/api/admin/accounts/{user_id}/organisation", response_model=Affiliation)
def decide(
    user_id: RowId, body: StandingIn, accounts: AccountsDep, user: BrokerUser
) -> Affiliation:
    """Confirm an account's claim to its organisation (it may then act for it) or reject it."""
    try:
        accounts.organisations.decide(user_id, Standing(body.standing), user.id)
    except OrganisationError as exc:
        raise HTTPException(404, exc.message) from exc
    return _affiliation(accounts, user_id)
