"""The shapes of match and search results, shared by the API, the CLI and the web pages."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from service.listings.schemas import Kind
from service.matching.calibration import Tier


class Component(BaseModel):
    """One part of a match score: its value in [0, 1], its weight and what it adds."""

    name: str
    label: str
    value: float
    weight: float
    contribution: float
    note: str


class ListingBrief(BaseModel):
    id: str
    kind: Kind
    title: str
    organisation: str
    field: str
    field_label: str
    region: str | None
    maturity: str | None
    money_wan: float | None = Field(description="price (achievement) or budget (need); null = 面议")


class Match(ListingBrief):
    rank: int
    score: float
    probability: float | None = Field(
        default=None,
        description="the chance (0–1) a broker would judge the pair relevant, calibrated on the "
        "development set's judgments; null only when no calibration applies (see `calibration`)",
    )
    tier: Tier | None = Field(
        default=None, description="strong | possible | weak: the probability's band"
    )
    components: list[Component]
    shared_terms: list[str]
    mismatches: list[str]
    bridges: list[str] = Field(
        default_factory=list,
        description="problem-lexicon bridges: a problem the need states → a concept the "
        "achievement uses (浮头→溶解氧)",
    )
    retrieval: dict[str, int] = Field(description="rank given by each retriever (1 = first)")
    best_passage: str | None = Field(
        default=None,
        description="the counterpart's title or sentence closest in meaning to the source "
        "(semantic matching on, embedded backend)",
    )


class MatchList(BaseModel):
    source: ListingBrief
    semantic: bool
    notice: str | None = None
    expansions: list[str] = Field(default_factory=list, description="synonyms that fired")
    query_terms: list[str] = Field(
        default_factory=list, description="the source's key terms, heaviest first"
    )
    feedback_terms: list[str] = Field(
        default_factory=list,
        description="terms added by pseudo-relevance feedback from the first-pass top results",
    )
    lexicon: list[str] = Field(
        default_factory=list,
        description="problems of the need found in the problem lexicon → the concepts added "
        "to the query",
    )
    weights_tuned: bool = Field(
        default=False, description="whether the weights come from `techmatch tune`"
    )
    calibration: str | None = Field(
        default=None,
        description="how the probabilities were calibrated when it is not the usual way "
        "(a fallback to the keyword-only calibration, or none)",
    )
    matches: list[Match]


class SearchItem(ListingBrief):
    score: float
    snippet: str
    matched_terms: list[str]
    date: dt.date | None = Field(default=None, description="the day the listing was posted")


class SearchPage(BaseModel):
    query: str
    kind: Kind | None
    page: int
    page_size: int
    total: int
    semantic: bool
    items: list[SearchItem]
    facets: dict[str, dict[str, int]]
