"""Rows to read models, and the two queries the desk builds from several tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, select

from service.catalog.models import ListingOwnerRow
from service.desk.contracts import Contract
from service.desk.models import ContractRow, DeskMatchRow
from service.desk.stages import Stage
from service.desk.views import DeskMatch
from service.listings.schemas import Kind

INTRODUCED = tuple(s.value for s in Stage if s.introduced)


def columns(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def to_match(row: DeskMatchRow) -> DeskMatch:
    return DeskMatch.model_validate(row, from_attributes=True)


def to_contract(row: ContractRow, match: DeskMatchRow) -> Contract:
    return Contract.model_validate(
        {
            **columns(row),
            "need_id": match.need_id,
            "achievement_id": match.achievement_id,
            "stage": match.stage,
        }
    )


def all_contracts() -> Select[ContractRow, DeskMatchRow]:
    """Every contract with its pair, the most recently signed first."""
    return (
        select(ContractRow, DeskMatchRow)
        .join(DeskMatchRow, DeskMatchRow.id == ContractRow.match_id)
        .order_by(ContractRow.signed_on.desc(), ContractRow.match_id.desc())
    )


def introduced_pair(user_id: int, kind: Kind, listing_id: str) -> Select[int]:
    """A pair with this listing, introduced, whose other listing this user owns (limit 1)."""
    this_side, other_side = (
        (DeskMatchRow.need_id, DeskMatchRow.achievement_id)
        if kind is Kind.need
        else (DeskMatchRow.achievement_id, DeskMatchRow.need_id)
    )
    owner = and_(ListingOwnerRow.kind == kind.other.value, ListingOwnerRow.listing_id == other_side)
    return (
        select(DeskMatchRow.id)
        .join(ListingOwnerRow, owner)
        .where(
            this_side == listing_id,
            DeskMatchRow.stage.in_(INTRODUCED),
            ListingOwnerRow.user_id == user_id,
        )
        .limit(1)
    )
