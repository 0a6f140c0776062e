"""Organisations with an identity a name alone cannot claim.

An organisation is a row of its own, keyed by its name normalised (full-width and half-width
forms, spaces and letter case do not make a second one). The first account that uses the name
is bound to it (``founder``); an account signing up later with the same name is ``pending``
and cannot act for the organisation (register it for events, receive its intents, cite its
achievements) until a broker or admin confirms it. Brokers and admins may also mark the
organisation itself verified, after checking it is who it says it is: an account of a verified
organisation in good standing is what ``Affiliation.verified`` means, the test for the
programmes that admit "enterprise accounts of verified organisations" only.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from service.accounts.models import OrganisationMemberRow, OrganisationRow, UserRow
from service.catalog.models import AchievementRow, ListingOwnerRow, NeedRow, utcnow
from service.stamps import Timestamp


class Standing(StrEnum):
    founder = "founder"
    confirmed = "confirmed"
    pending = "pending"
    rejected = "rejected"

    @property
    def label(self) -> str:
        return {
            "founder": "首个注册账号",
            "confirmed": "已确认",
            "pending": "待核实",
            "rejected": "已驳回",
        }[self.value]

    @property
    def recognised(self) -> bool:
        """The account may act for its organisation."""
        return self in (Standing.founder, Standing.confirmed)


class Affiliation(BaseModel):
    """The organisation an account speaks for, and whether it may."""

    model_config = ConfigDict(frozen=True)

    organisation_id: int
    name: str
    standing: Standing
    organisation_verified: bool

    @property
    def recognised(self) -> bool:
        """The account may act for the organisation (first account, or confirmed)."""
        return self.standing.recognised

    @property
    def verified(self) -> bool:
        """A broker or admin verified the organisation, and this account may act for it."""
        return self.recognised and self.organisation_verified


class Member(BaseModel):
    user_id: int
    username: str
    role: str
    standing: Standing
    standing_label: str


class Organisation(BaseModel):
    id: int
    name: str
    verified: bool
    verified_at: Timestamp | None
    members: list[Member]


class OrganisationError(ValueError):
    """An unknown organisation or account, or a decision that makes no sense."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def organisation_key(name: str) -> str:
    """The name as it identifies an organisation: NFKC (full-width forms), no spaces, casefold."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()[:100]


def _find(session: Session, name: str) -> OrganisationRow | None:
    return session.scalar(
        select(OrganisationRow).where(OrganisationRow.key == organisation_key(name))
    )


def _ensure(session: Session, name: str) -> OrganisationRow:
    found = _find(session, name)
    if found is None:
        found = OrganisationRow(name=name.strip()[:100], key=organisation_key(name))
        session.add(found)
        session.flush()
    return found


def _has_recognised(session: Session, organisation_id: int) -> bool:
    return (
        session.scalar(
            select(OrganisationMemberRow.user_id).where(
                OrganisationMemberRow.organisation_id == organisation_id,
                OrganisationMemberRow.standing.in_((Standing.founder, Standing.confirmed)),
            )
        )
        is not None
    )


def _known_to_the_market(session: Session, name: str) -> bool:
    """Listings under this name that no account posted (the market entered or seeded them):
    the organisation exists outside the site, so an account cannot found it by signing up."""
    spellings = {name.strip(), unicodedata.normalize("NFKC", name).strip()}
    tables = (
        ("need", NeedRow.id, NeedRow.enterprise),
        ("achievement", AchievementRow.id, AchievementRow.institution),
    )
    for kind, listing_id, named in tables:
        owner = (ListingOwnerRow.listing_id == listing_id) & (ListingOwnerRow.kind == kind)
        unowned = (
            select(listing_id)
            .outerjoin(ListingOwnerRow, owner)
            .where(named.in_(spellings), ListingOwnerRow.user_id.is_(None))
            .limit(1)
        )
        if session.scalar(unowned) is not None:
            return True
    return False


def claim(session: Session, user_id: int, name: str, *, trusted: bool = False) -> Affiliation:
    """Bind an account to the organisation of this name, in the caller's transaction: the
    first account (or a ``trusted`` one: made by an admin) is recognised; a later one, or one
    naming an organisation the market already lists, is pending until a broker confirms it."""
    org = _ensure(session, name)
    if trusted:
        standing = Standing.confirmed
    elif _has_recognised(session, org.id) or _known_to_the_market(session, name):
        standing = Standing.pending
    else:
        standing = Standing.founder
    session.add(OrganisationMemberRow(user_id=user_id, organisation_id=org.id, standing=standing))
    session.flush()
    return Affiliation(
        organisation_id=org.id,
        name=org.name,
        standing=standing,
        organisation_verified=org.verified_at is not None,
    )


class Organisations:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def of(self, user_id: int) -> Affiliation | None:
        """The account's organisation; an account made before organisations existed is bound
        now, on the same first-come rule. None when there is no such account."""
        with self._sessions.begin() as session:
            member = session.get(OrganisationMemberRow, user_id)
            if member is None:
                user = session.get(UserRow, user_id)
                if user is None:
                    return None
                return claim(session, user_id, user.organisation, trusted=user.role in STAFF)
            org = session.get(OrganisationRow, member.organisation_id)
            assert org is not None
            return Affiliation(
                organisation_id=org.id,
                name=org.name,
                standing=Standing(member.standing),
                organisation_verified=org.verified_at is not None,
            )

    def find(self, name: str) -> tuple[int, str] | None:
        """(id, name) of the organisation this name identifies, if there is one."""
        with self._sessions() as session:
            org = _find(session, name)
            return (org.id, org.name) if org else None

    def ensure(self, name: str) -> tuple[int, str]:
        """(id, name) of the organisation of this name, made when a broker names a new one."""
        with self._sessions.begin() as session:
            org = _ensure(session, name)
            return org.id, org.name

    def recognised_members(self, organisation_id: int) -> set[int]:
        with self._sessions() as session:
            return set(
                session.scalars(
                    select(OrganisationMemberRow.user_id).where(
                        OrganisationMemberRow.organisation_id == organisation_id,
                        OrganisationMemberRow.standing.in_((Standing.founder, Standing.confirmed)),
                    )
                )
            )

    def unrecognised(self) -> set[int]:
        """Accounts whose claim to their organisation is pending or rejected: what they post
        under its name does not speak for it."""
        with self._sessions() as session:
            return set(
                session.scalars(
                    select(OrganisationMemberRow.user_id).where(
                        OrganisationMemberRow.standing.in_((Standing.pending, Standing.rejected))
                    )
                )
            )

    def verify(self, organisation_id: int, verified: bool, by: int) -> Organisation:
        """A broker or admin marks the organisation verified (or takes it back)."""
        with self._sessions.begin() as session:
            org = session.get(OrganisationRow, organisation_id)
            if org is None:
                raise OrganisationError("organisation_id", f"没有编号为 {organisation_id} 的单位")
            org.verified_at, org.verified_by = (utcnow(), by) if verified else (None, None)
        return self.get(organisation_id)

    def decide(self, user_id: int, standing: Standing, by: int) -> Affiliation:
        """A broker or admin confirms an account's claim to its organisation, or rejects it."""
        if standing not in (Standing.confirmed, Standing.rejected):
            raise OrganisationError("standing", "只能确认（confirmed）或驳回（rejected）")
        if self.of(user_id) is None:
            raise OrganisationError("user_id", f"没有编号为 {user_id} 的账号")
        with self._sessions.begin() as session:
            member = session.get(OrganisationMemberRow, user_id)
            assert member is not None
            member.standing, member.decided_by, member.decided_at = standing.value, by, utcnow()
        found = self.of(user_id)
        assert found is not None
        return found

    def get(self, organisation_id: int) -> Organisation:
        with self._sessions() as session:
            org = session.get(OrganisationRow, organisation_id)
            if org is None:
                raise OrganisationError("organisation_id", f"没有编号为 {organisation_id} 的单位")
            return _organisation(session, org)

    def all(self) -> list[Organisation]:
        """Every organisation, those with accounts awaiting a decision first."""
        with self._sessions() as session:
            orgs = [_organisation(session, o) for o in session.scalars(select(OrganisationRow))]
        return sorted(
            orgs,
            key=lambda o: (not any(m.standing is Standing.pending for m in o.members), o.id),
        )


STAFF = ("broker", "admin")


def _organisation(session: Session, org: OrganisationRow) -> Organisation:
    rows = session.execute(
        select(OrganisationMemberRow, UserRow)
        .join(UserRow, UserRow.id == OrganisationMemberRow.user_id)
        .where(OrganisationMemberRow.organisation_id == org.id)
        .order_by(OrganisationMemberRow.created_at, UserRow.id)
    )
    return Organisation(
        id=org.id,
        name=org.name,
        verified=org.verified_at is not None,
        verified_at=org.verified_at,
        members=[
            Member(
                user_id=user.id,
                username=user.username,
                role=user.role,
                standing=Standing(member.standing),
                standing_label=Standing(member.standing).label,
            )
            for member, user in rows
        ],
    )
