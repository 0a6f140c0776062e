"""The shapes of 揭榜挂帅: what is posted (challenge, application) and what is shown."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.matching.calibration import Tier
from service.programmes.common_needs.views import GroupMatch
from service.requests import Day, RequestModel, RowRef
from service.stamps import Timestamp

Text = str


class ChallengeStage(StrEnum):
    published = "published"
    open = "open"
    review = "review"
    selected = "selected"
    accepted = "accepted"

    @property
    def label(self) -> str:
        return {"published": "发布", "open": "报名中", "review": "评审中",
                "selected": "已立项", "accepted": "验收"}[self.value]  # fmt: skip

    @property
    def takes_applications(self) -> bool:
        return self in (ChallengeStage.published, ChallengeStage.open)


STAGES = list(ChallengeStage)


def _items(values: list[str]) -> list[str]:
    out = [v.strip() for v in values if v.strip()]
    if any(len(v) > 200 for v in out):
        raise ValueError("每条不超过200字")
    return out


class ChallengeIn(RequestModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=5000, description="the problem")
    indicators: list[str] = Field(min_length=1, max_length=20, description="考核指标")
    reward_wan: float = Field(gt=0, le=100000, description="funding, 万元")
    deadline: Day = Field(description="application deadline, YYYY-MM-DD")
    delivery_months: int | None = Field(default=None, ge=1, le=120)
    eligibility: str | None = Field(default=None, max_length=1000)
    need_ids: list[str] = Field(default_factory=list, max_length=50)
    common_need_id: RowRef | None = None

    _clean = field_validator("indicators")(_items)

    @field_validator("indicators")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("至少填写一项考核指标")
        return value


class ApplicationIn(RequestModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    team: str = Field(min_length=1, max_length=2000)
    plan: str = Field(min_length=1, max_length=5000, description="technical plan")
    promised_indicators: list[str] = Field(min_length=1, max_length=20)
    budget_wan: float = Field(ge=0, le=100000)
    months: int = Field(ge=1, le=120, description="schedule, months")
    achievement_ids: list[str] = Field(default_factory=list, max_length=20)

    _clean = field_validator("promised_indicators")(_items)


class StageEntry(BaseModel):
    stage: ChallengeStage
    stage_label: str
    note: str | None
    at: Timestamp


class Result(BaseModel):
    """Public once selected: who was chosen (挂帅) and why."""

    application_id: int
    organisation: str
    team: str
    reason: str | None


class Challenge(BaseModel):
    id: int
    title: str
    description: str
    indicators: list[str]
    reward_wan: float
    deadline: dt.date
    delivery_months: int | None
    eligibility: str | None
    need_ids: list[str]
    common_need_id: int | None
    stage: ChallengeStage
    stage_label: str
    applications: int
    history: list[StageEntry]
    result: Result | None
    reviewers: list[str] = Field(description="brokers appointed to score the applications")
    created_at: Timestamp


class Application(BaseModel):
    id: int
    challenge_id: int
    organisation: str
    team: str
    plan: str
    promised_indicators: list[str]
    budget_wan: float
    months: int
    achievement_ids: list[str]
    score: float | None
    score_note: str | None
    selected: bool
    created_at: Timestamp


class SolverCandidate(BaseModel):
    """An institution likely to solve a challenge, ranked by its matching achievements."""

    rank: int
    institution: str
    score: float = Field(
        description="its best achievement's probability, plus a quarter of the second's and a "
        "sixteenth of the third's: one strong fit outranks many weak ones"
    )
    probability: float | None = Field(
        description="the best calibrated probability among its achievements (the chance a "
        "broker would judge it relevant to one of the challenge's needs)"
    )
    tier: Tier | None
    achievements: list[GroupMatch] = Field(
        description="its fitting achievements (at least a possible match), best first; its best "
        "one when none fits"
    )
    explanation: str
    invited: bool


class ScoreIn(RequestModel):
    score: float = Field(ge=0, le=100)
    note: str | None = Field(default=None, max_length=2000)


class SelectIn(RequestModel):
    application_id: RowRef
    reason: str = Field(min_length=1, max_length=2000)


class StageIn(RequestModel):
    stage: ChallengeStage
    note: str | None = Field(default=None, max_length=2000)


class ReviewerIn(RequestModel):
    username: str = Field(min_length=1, max_length=64, description="a broker's user name")


class InviteIn(RequestModel):
    institution: str = Field(min_length=1, max_length=100)
