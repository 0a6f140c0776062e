"""Statistics of the programmes: common needs found and published, challenges by stage,
applications per challenge, funding committed (榜单金额 of challenges that selected a team)."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from service.programmes.challenges.models import ApplicationRow, ChallengeRow
from service.programmes.challenges.views import ChallengeStage
from service.programmes.common_needs.models import CommonNeedRow


class StageCount(BaseModel):
    stage: ChallengeStage
    label: str
    count: int


class ChallengeStats(BaseModel):
    common_needs_found: int = Field(description="groups proposed or reviewed, not dismissed")
    common_needs_published: int = Field(description="groups in the 重大科技需求目录")
    challenges: int
    challenges_by_stage: list[StageCount]
    applications: int
    applications_per_challenge: float | None
    funding_published_wan: float
    funding_committed_wan: float = Field(description="榜单金额 of challenges with a team selected")


class ChallengeStatistics:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def programmes(self) -> ChallengeStats:
        with self.engine.connect() as conn:
            groups = dict(
                conn.execute(
                    select(CommonNeedRow.status, func.count()).group_by(CommonNeedRow.status)
                ).all()
            )
            stages = dict(
                conn.execute(
                    select(ChallengeRow.stage, func.count()).group_by(ChallengeRow.stage)
                ).all()
            )
            applications = conn.scalar(select(func.count()).select_from(ApplicationRow)) or 0
            published = (
                conn.scalar(select(func.coalesce(func.sum(ChallengeRow.reward_wan), 0))) or 0
            )
            committed = (
                conn.scalar(
                    select(func.coalesce(func.sum(ChallengeRow.reward_wan), 0)).where(
                        ChallengeRow.selected_application_id.is_not(None)
                    )
                )
                or 0
            )
        total = sum(stages.values())
        return ChallengeStats(
            common_needs_found=sum(n for s, n in groups.items() if s != "dismissed"),
            common_needs_published=groups.get("published", 0),
            challenges=total,
            challenges_by_stage=[
                StageCount(stage=s, label=s.label, count=stages.get(s.value, 0))
                for s in ChallengeStage
            ],
            applications=applications,
            applications_per_challenge=round(applications / total, 2) if total else None,
            funding_published_wan=float(published),
            funding_committed_wan=float(committed),
        )
