"""The signed-in account and its API tokens, for scripts and the account page alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, StringConstraints

from service.accounts import User
from service.accounts.store import ApiToken
from service.http.auth import SignedIn
from service.http.deps import AccountsDep, RowId
from service.http.responses import BODY, responses
from service.requests import RequestModel

router = APIRouter(prefix="/api/me", tags=["account"], responses=responses(401))


class TokenRequest(RequestModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class NewToken(BaseModel):
    token: str
    note: str = "shown once: store it now; only its hash is kept"


@router.get("", response_model=User)
def me(user: SignedIn) -> User:
    return user


@router.get("/tokens", response_model=list[ApiToken])
def tokens(user: SignedIn, accounts: AccountsDep) -> list[ApiToken]:
    return accounts.tokens(user.id)


@router.post(
    "/tokens",
    response_model=NewToken,
    status_code=status.HTTP_201_CREATED,
    responses={**responses(403), **BODY},
)
def create_token(body: TokenRequest, user: SignedIn, accounts: AccountsDep) -> NewToken:
    return NewToken(token=accounts.create_token(user.id, body.name))


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(403, 404, 422),
)
def revoke(token_id: RowId, user: SignedIn, accounts: AccountsDep) -> None:
    if not accounts.revoke_token(user.id, token_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"token {token_id} not found")
