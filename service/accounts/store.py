"""Creating and checking accounts and API tokens; recording who owns a listing.

Passwords are hashed with Argon2id (argon2-cffi). API tokens are random; only their
SHA-256 is stored, so a leaked database does not leak usable tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from service.accounts.contact import (
    PASSWORD_MIN,
    USERNAME,
    account_problems,
    clean_email,
    clean_phone,
    display_name_problem,
)
from service.accounts.directory import AccountDirectory
from service.accounts.models import AccountProfileRow, ApiTokenRow, UserRow
from service.accounts.organisations import Affiliation, Organisations, claim
from service.accounts.roles import Role
from service.catalog.db import retry_when_locked
from service.catalog.models import ListingOwnerRow, utcnow
from service.listings.schemas import Kind, UtcDateTime

__all__ = ["PASSWORD_MIN", "USERNAME", "Accounts", "AuthError", "User"]
TOKEN_PREFIX = "tm_"

_hasher = PasswordHasher()


class User(BaseModel):
    """A signed-in account as the rest of the service sees it (no password hash)."""

    model_config = ConfigDict(frozen=True)

    id: int
    username: str
    display_name: str
    role: Role
    organisation: str
    phone: str | None = None
    email: str | None = None
    disabled: bool = False

    @property
    def sees_everything(self) -> bool:
        return self.role.sees_everything


class ApiToken(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: UtcDateTime
    last_used_at: UtcDateTime | None


class AuthError(ValueError):
    """A sign-up or login problem, with the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UsernameTakenError(AuthError):
    def __init__(self, username: str) -> None:
        super().__init__("username", f"用户名 {username} 已被注册")


def _user(row: UserRow, profile: AccountProfileRow | None = None) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        organisation=row.organisation,
        phone=profile.phone if profile else None,
        email=profile.email if profile else None,
        disabled=bool(profile and profile.disabled_at),
    )


def _loaded(session: Session, row: UserRow) -> User:
    return _user(row, session.get(AccountProfileRow, row.id))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _stamp(password_hash: str) -> str:
    """A short fingerprint of the password hash: it changes when the password does."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


WRONG_CREDENTIALS = "账号或密码不正确"


def _verifies(digest: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(digest, password))
    except (VerificationError, InvalidHashError):
        return False


def check_new_account(username: str, password: str, organisation: str) -> None:
    """Raise AuthError naming the first bad field of a new account."""
    for field_name, message in account_problems(username, password, organisation).items():
        raise AuthError(field_name, message)


class Accounts(AccountDirectory):
    """Account storage over the catalog's SQL engine (listing, disabling and password resets
    in ``AccountDirectory``)."""

    def __init__(self, engine: Engine) -> None:
        sessions = sessionmaker(engine, expire_on_commit=False)
        super().__init__(sessions, _hasher)
        self.organisations = Organisations(sessions)

    def organisation_of(self, user: User | int) -> Affiliation | None:
        """The organisation the account speaks for and on what standing (``.recognised``: it
        may act for it; ``.verified``: and a broker or admin verified the organisation); None
        for an unknown account."""
        return self.organisations.of(user if isinstance(user, int) else user.id)

    # ---- users --------------------------------------------------------------------------
    def create_user(
        self,
        username: str,
        password: str,
        role: Role,
        organisation: str,
        display_name: str | None = None,
        *,
        phone: str | None = None,
        email: str | None = None,
        require_contact: bool = False,
    ) -> User:
        """A new account. With ``require_contact`` (sign-up) a phone number is required; a
        phone or e-mail given is always checked. Raises AuthError on the first bad field."""
        username = username.strip()
        phone, email = clean_phone(phone), clean_email(email)
        problems = account_problems(
            username, password, organisation, phone=phone, email=email,
            check_contact=require_contact or bool(phone or email), display_name=display_name,
        )  # fmt: skip
        if not require_contact and phone is None:
            problems.pop("phone", None)
        for field_name, message in problems.items():
            raise AuthError(field_name, message)
        row = UserRow(
            username=username,
            display_name=(display_name or username).strip(),
            role=role.value,
            organisation=organisation.strip(),
            password_hash=_hasher.hash(password),
        )
        try:
            with self._sessions.begin() as session:
                if session.scalar(select(UserRow.id).where(UserRow.username == username)):
                    raise UsernameTakenError(username)
                session.add(row)
                session.flush()
                profile = AccountProfileRow(user_id=row.id, phone=phone, email=email)
                session.add(profile)
                claim(session, row.id, row.organisation, trusted=role.sees_everything)
                return _user(row, profile)
        except IntegrityError as exc:  # a concurrent sign-up took the name first
            raise UsernameTakenError(username) from exc

    def authenticate(self, username: str, password: str) -> User:
        """The account for these credentials; ``username`` may also be the phone number or
        e-mail address given at sign-up. One message for every kind of failure."""
        with self._sessions.begin() as session:
            ids = self.sign_in_candidates(username)
            rows = [r for r in (session.get(UserRow, i) for i in ids) if r is not None]
            if not rows:
                _hasher.hash(password)  # same cost as a real check: no user enumeration by time
                raise AuthError("password", WRONG_CREDENTIALS)
            row = next((r for r in rows if _verifies(r.password_hash, password)), None)
            if row is None:
                raise AuthError("password", WRONG_CREDENTIALS)
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hasher.hash(password)
            user = _loaded(session, row)
            if user.disabled:
                raise AuthError("password", "该账号已被管理员停用，请联系交易市场")
            return user

    def rename(self, user_id: int, display_name: str) -> User:
        """Change the name shown for the account (Chinese welcome); AuthError when unusable."""
        if problem := display_name_problem(display_name):
            raise AuthError("display_name", problem)
        with self._sessions.begin() as session:
            row = session.get(UserRow, user_id)
            if row is None:
                raise AuthError("display_name", "没有这个账号")
            row.display_name = display_name.strip()
            return _loaded(session, row)

    def get(self, user_id: int) -> User | None:
        """The account, or None when there is none or it is disabled (its sessions end)."""
        with self._sessions() as session:
            row = session.get(UserRow, user_id)
            user = _loaded(session, row) if row else None
            return None if user is None or user.disabled else user

    def for_session(self, user_id: int, stamp: object) -> User | None:
        """The account of a signed-in session, or None when it is gone, disabled, or its
        password changed since the session began (a reset signs every session out)."""
        with self._sessions() as session:
            row = session.get(UserRow, user_id)
            if row is None or stamp != _stamp(row.password_hash):
                return None
            user = _loaded(session, row)
            return None if user.disabled else user

    def session_stamp(self, user_id: int) -> str:
        """What a new session keeps to know it began under the current password."""
        with self._sessions() as session:
            row = session.get(UserRow, user_id)
            return _stamp(row.password_hash) if row else ""

    def get_many(self, user_ids: Iterable[int]) -> dict[int, User]:
        ids = list(set(user_ids))
        if not ids:
            return {}
        with self._sessions() as session:
            rows = session.scalars(select(UserRow).where(UserRow.id.in_(ids)))
            return {row.id: _loaded(session, row) for row in rows}

    def active_users(self) -> list[User]:
        """Every account not disabled (what the background sweep goes through)."""
        ids = [a.id for a in self.list_accounts() if not a.disabled]
        return [u for u in self.get_many(ids).values() if not u.disabled]

    def by_username(self, username: str) -> User | None:
        with self._sessions() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            return _loaded(session, row) if row else None

    # ---- API tokens ---------------------------------------------------------------------
    def create_token(self, user_id: int, name: str = "api") -> str:
        """A new token for the user; the plain value is returned once and never stored."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._sessions.begin() as session:
            session.add(
                ApiTokenRow(
                    user_id=user_id,
                    name=(name.strip() or "api")[:60],
                    token_hash=_digest(token),
                    prefix=token[:10],
                )
            )
        return token

    @retry_when_locked  # every API request writes last_used_at
    def user_for_token(self, token: str) -> User | None:
        with self._sessions.begin() as session:
            row = session.scalar(
                select(ApiTokenRow).where(
                    ApiTokenRow.token_hash == _digest(token), ApiTokenRow.revoked_at.is_(None)
                )
            )
            if row is None:
                return None
            row.last_used_at = utcnow()
            user_row = session.get(UserRow, row.user_id)
            user = _loaded(session, user_row) if user_row else None
            return None if user is None or user.disabled else user

    def tokens(self, user_id: int) -> list[ApiToken]:
        with self._sessions() as session:
            rows = session.scalars(
                select(ApiTokenRow)
                .where(ApiTokenRow.user_id == user_id, ApiTokenRow.revoked_at.is_(None))
                .order_by(ApiTokenRow.created_at.desc())
            )
            return [
                ApiToken(
                    id=r.id,
                    name=r.name,
                    prefix=r.prefix,
                    created_at=r.created_at,
                    last_used_at=r.last_used_at,
                )
                for r in rows
            ]

    def revoke_token(self, user_id: int, token_id: int) -> bool:
        with self._sessions.begin() as session:
            row = session.get(ApiTokenRow, token_id)
            if row is None or row.user_id != user_id or row.revoked_at is not None:
                return False
            row.revoked_at = utcnow()
            return True

    # ---- listing ownership --------------------------------------------------------------
    def owner_of(self, kind: Kind, listing_id: str) -> int | None:
        with self._sessions() as session:
            row = session.get(ListingOwnerRow, (kind.value, listing_id))
            return row.user_id if row else None

    def owned_ids(self, user_id: int, kind: Kind) -> list[str]:
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(ListingOwnerRow.listing_id)
                    .where(ListingOwnerRow.user_id == user_id, ListingOwnerRow.kind == kind.value)
                    .order_by(ListingOwnerRow.created_at.desc())
                )
            )

    def may_edit(self, user: User | None, kind: Kind, listing_id: str) -> bool:
        """Owners edit their own listings; brokers and admins edit any."""
        if user is None:
            return False
        if user.sees_everything:
            return True
        return user.role.posts is kind and self.owner_of(kind, listing_id) == user.id
