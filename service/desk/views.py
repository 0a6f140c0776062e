"""What the desk hands out: pairs, their history and notes, queue items, board cards."""

from __future__ import annotations

from pydantic import BaseModel, Field

from service.desk.contracts import Contract
from service.desk.stages import LostReason, Stage
from service.listings.schemas import UtcDateTime
from service.matching.calibration import Tier
from service.matching.results import Component, ListingBrief, Match


class DeskMatch(BaseModel):
    """One (need, achievement) pair on the desk."""

    id: int
    need_id: str
    achievement_id: str
    stage: Stage
    lost_reason: LostReason | None
    score: float | None
    requested_by: int | None
    broker_id: int | None
    introduced_at: UtcDateTime | None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class StageChange(BaseModel):
    id: int
    from_stage: Stage | None
    to_stage: Stage
    reason: LostReason | None
    user_id: int | None
    user_name: str | None = None
    at: UtcDateTime


class Note(BaseModel):
    id: int
    author_id: int
    author_name: str | None = None
    body: str
    created_at: UtcDateTime


class Card(BaseModel):
    """A pair with the titles of both listings, for lists and the board."""

    match: DeskMatch
    need: ListingBrief | None
    achievement: ListingBrief | None


class MatchDetail(Card):
    next_stages: list[Stage]
    history: list[StageChange]
    notes: list[Note]
    contract: Contract | None
    fit: Match | None = Field(
        default=None,
        description="the matcher's explanation, when the achievement is among the need's top "
        "matches",
    )


class QueueItem(BaseModel):
    """A pair waiting for a broker's decision: an introduction request or a strong match."""

    need: ListingBrief
    achievement: ListingBrief
    match_id: int | None = Field(description="set when the pair is already on the desk (requested)")
    stage: Stage | None
    requested_by_name: str | None = None
    requested_at: UtcDateTime | None = None
    score: float | None = Field(description="match score 0..1; null when outside the top matches")
    probability: float | None = Field(
        default=None, description="calibrated chance the pair is relevant (top matches only)"
    )
    tier: Tier | None = Field(default=None, description="strong | possible | weak")
    explanation: str
    shared_terms: list[str] = Field(default_factory=list)
    mismatches: list[str] = Field(default_factory=list)
    components: list[Component] = Field(default_factory=list)
