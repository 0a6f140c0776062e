"""What admins and brokers do with accounts: list them, disable and re-enable them, and issue
one-time password-reset links (no e-mail needed: the broker hands the link over; with SMTP
configured a person may also ask for one by e-mail, ``find_for_reset``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from service.accounts.contact import PASSWORD_MIN, clean_email, clean_phone
from service.accounts.models import (
    AccountProfileRow,
    ApiTokenRow,
    OrganisationMemberRow,
    OrganisationRow,
    PasswordResetRow,
    UserRow,
)
from service.accounts.organisations import Standing
from service.accounts.roles import Role
from service.catalog.models import utcnow
from service.stamps import Timestamp

RESET_HOURS = 72  # a reset link works this long, and once
FOUND_MAX = 5  # accounts sharing one e-mail address or phone number that get a reset link


class AccountRow(BaseModel):
    """One line of the admin's account list."""

    id: int
    username: str
    display_name: str
    role: Role
    organisation: str
    phone: str | None
    email: str | None
    created_at: Timestamp
    disabled: bool
    organisation_id: int | None = None
    standing: Standing | None = Field(
        default=None, description="the account's claim to its organisation"
    )
    organisation_verified: bool = False


class ResetError(ValueError):
    """A reset link that is unknown, used or expired, or a new password that is too short."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _profile(session: Session, user_id: int) -> AccountProfileRow:
    found = session.get(AccountProfileRow, user_id)
    if found is None:  # accounts made before profiles existed
        found = AccountProfileRow(user_id=user_id)
        session.add(found)
    return found


class AccountDirectory:
    def __init__(self, sessions: sessionmaker[Session], hasher: PasswordHasher) -> None:
        self._sessions = sessions
        self._hasher = hasher

    def list_accounts(self) -> list[AccountRow]:
        with self._sessions() as session:
            rows = session.execute(
                select(UserRow, AccountProfileRow, OrganisationMemberRow, OrganisationRow)
                .outerjoin(AccountProfileRow, AccountProfileRow.user_id == UserRow.id)
                .outerjoin(OrganisationMemberRow, OrganisationMemberRow.user_id == UserRow.id)
                .outerjoin(
                    OrganisationRow, OrganisationRow.id == OrganisationMemberRow.organisation_id
                )
                .order_by(UserRow.created_at.desc(), UserRow.id.desc())
            )
            return [
                AccountRow(
                    id=user.id,
                    username=user.username,
                    display_name=user.display_name,
                    role=Role(user.role),
                    organisation=user.organisation,
                    phone=profile.phone if profile else None,
                    email=profile.email if profile else None,
                    created_at=user.created_at,
                    disabled=bool(profile and profile.disabled_at),
                    organisation_id=member.organisation_id if member else None,
                    standing=Standing(member.standing) if member else None,
                    organisation_verified=bool(org and org.verified_at),
                )
                for user, profile, member, org in rows
            ]

    def set_disabled(self, user_id: int, disabled: bool) -> bool:
        """Disable (its sign-ins and tokens stop working) or re-enable; False if no account."""
        with self._sessions.begin() as session:
            if session.get(UserRow, user_id) is None:
                return False
            _profile(session, user_id).disabled_at = utcnow() if disabled else None
            return True

    def find_for_reset(self, typed: str) -> list[int]:
        """The enabled accounts with an e-mail address that ``typed`` names: by username,
        e-mail address or phone number (a few at most; none is not an error)."""
        typed = typed.strip()
        if not typed:
            return []
        email, phone = clean_email(typed), clean_phone(typed)
        with self._sessions() as session:
            rows = session.scalars(
                select(UserRow.id)
                .join(AccountProfileRow, AccountProfileRow.user_id == UserRow.id)
                .where(
                    or_(
                        UserRow.username == typed,
                        func.lower(AccountProfileRow.email) == email,
                        AccountProfileRow.phone == phone,
                    ),
                    AccountProfileRow.email.is_not(None),
                    AccountProfileRow.disabled_at.is_(None),
                )
                .order_by(UserRow.id)
                .limit(FOUND_MAX)
            )
            return list(rows)

    def sign_in_candidates(self, typed: str) -> list[int]:
        """The accounts ``typed`` may name at sign-in: the one with that username, else those
        whose phone number or e-mail address it is (a few at most, oldest first)."""
        typed = typed.strip()
        if not typed:
            return []
        email, phone = clean_email(typed), clean_phone(typed)
        with self._sessions() as session:
            by_name = session.scalar(select(UserRow.id).where(UserRow.username == typed))
            if by_name is not None or not (email or phone):
                return [by_name] if by_name is not None else []
            contact = [
                *([func.lower(AccountProfileRow.email) == email] if email else []),
                *([AccountProfileRow.phone == phone] if phone else []),
            ]
            rows = session.scalars(
                select(UserRow.id)
                .join(AccountProfileRow, AccountProfileRow.user_id == UserRow.id)
                .where(or_(*contact))
                .order_by(UserRow.id)
                .limit(FOUND_MAX)
            )
            return list(rows)

    def of_organisation(self, organisation: str) -> list[int]:
        """The enabled enterprise and university accounts posting as ``organisation``."""
        posters = [Role.enterprise.value, Role.university.value]
        with self._sessions() as session:
            rows = session.scalars(
                select(UserRow.id)
                .outerjoin(AccountProfileRow, AccountProfileRow.user_id == UserRow.id)
                .where(
                    UserRow.organisation == organisation.strip(),
                    UserRow.role.in_(posters),
                    AccountProfileRow.disabled_at.is_(None),
                )
                .order_by(UserRow.id)
            )
            return list(rows)

    def issue_reset(self, user_id: int, issued_by: int | None, hours: int = RESET_HOURS) -> str:
        """A one-time reset token for the account, good for ``hours`` (earlier unused ones
        stop working)."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self._sessions.begin() as session:
            if session.get(UserRow, user_id) is None:
                raise ResetError("user", "没有这个账号")
            for old in session.scalars(
                select(PasswordResetRow).where(
                    PasswordResetRow.user_id == user_id, PasswordResetRow.used_at.is_(None)
                )
            ):
                old.used_at = now
            session.add(
                PasswordResetRow(
                    user_id=user_id,
                    token_hash=_digest(token),
                    issued_by=issued_by,
                    created_at=now,
                    expires_at=now + dt.timedelta(hours=hours),
                )
            )
        return token

    def _live_reset(self, session: Session, token: str) -> PasswordResetRow:
        row = session.scalar(
            select(PasswordResetRow).where(PasswordResetRow.token_hash == _digest(token))
        )
        profile = session.get(AccountProfileRow, row.user_id) if row is not None else None
        disabled = profile is not None and profile.disabled_at is not None
        if row is None or row.used_at is not None or row.expires_at < utcnow() or disabled:
            raise ResetError(
                "token",
                "该重置链接无效、已使用或已过期，请重新申请（忘记密码）或向经纪人或管理员索取",
            )
        return row

    def reset_username(self, token: str) -> str:
        """The username a live reset link is for; ResetError otherwise."""
        with self._sessions() as session:
            row = self._live_reset(session, token)
            user = session.get(UserRow, row.user_id)
            assert user is not None
            return user.username

    def redeem_reset(self, token: str, password: str) -> str:
        """Set the new password and spend the link; returns the username. Whoever knew the
        old password is out: the account's other sessions end and its API tokens are revoked."""
        if len(password) < PASSWORD_MIN:
            raise ResetError("password", f"密码至少 {PASSWORD_MIN} 位")
        with self._sessions.begin() as session:
            row = self._live_reset(session, token)
            user = session.get(UserRow, row.user_id)
            assert user is not None
            user.password_hash = self._hasher.hash(password)  # every session signs out
            row.used_at = utcnow()
            for api_token in session.scalars(
                select(ApiTokenRow).where(
                    ApiTokenRow.user_id == user.id, ApiTokenRow.revoked_at.is_(None)
                )
            ):
                api_token.revoked_at = row.used_at  # and every API token stops working
            return user.username
