"""Expert evaluations of achievements (科技成果评价): three 1–5 scores and a comment.

Brokers and admins record them; everyone reads them on the achievement's page, and the desk
shows them beside a pair.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from service.accounts import User
from service.catalog import Catalog
from service.catalog.models import row_to_dict, utcnow
from service.listings.schemas import Kind
from service.programmes.errors import ProgrammeInputError, ProgrammeNotFoundError
from service.programmes.experts.models import EvaluationRow
from service.programmes.experts.service import Experts
from service.requests import RequestModel
from service.stamps import Timestamp

Score = Annotated[int, Field(ge=1, le=5)]
SCORE_LABELS = {"maturity": "技术成熟度", "novelty": "创新性", "market": "市场前景"}


class EvaluationIn(RequestModel):
    expert_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    maturity: Score
    novelty: Score
    market: Score
    comment: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]


class Evaluation(EvaluationIn):
    model_config = ConfigDict(extra="ignore")

    id: int
    achievement_id: str
    expert_name: str
    expert_title: str | None
    expert_organisation: str
    recorded_by: int
    created_at: Timestamp

    @property
    def mean(self) -> float:
        return round((self.maturity + self.novelty + self.market) / 3, 2)


class EvaluationList(BaseModel):
    achievement_id: str
    items: list[Evaluation]


class Evaluations:
    def __init__(self, engine: Engine, catalog: Catalog, experts: Experts) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.catalog = catalog
        self.experts = experts

    def record(self, achievement_id: str, data: EvaluationIn, user: User) -> Evaluation:
        self.catalog.get(Kind.achievement, achievement_id)  # NotFoundError: 404
        try:
            expert = self.experts.get(data.expert_id)
        except ProgrammeNotFoundError as exc:
            raise ProgrammeInputError("expert_id", str(exc)) from exc
        with self._sessions.begin() as session:
            row = EvaluationRow(
                achievement_id=achievement_id,
                **data.model_dump(),
                recorded_by=user.id,
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            values = row_to_dict(row)
        return _evaluation(values, {expert.id: (expert.name, expert.title, expert.organisation)})

    def version(self) -> int:
        """Changes whenever an evaluation is recorded (the newest row id), for page caches."""
        with self._sessions() as session:
            return int(session.scalar(select(func.max(EvaluationRow.id))) or 0)

    def of_achievements(self, achievement_ids: list[str]) -> dict[str, list[Evaluation]]:
        """Evaluations by achievement, newest first."""
        if not achievement_ids:
            return {}
        query = (
            select(EvaluationRow)
            .where(EvaluationRow.achievement_id.in_(achievement_ids))
            .order_by(EvaluationRow.created_at.desc(), EvaluationRow.id.desc())
        )
        with self._sessions() as session:
            rows = [row_to_dict(r) for r in session.scalars(query)]
        experts = {e.id: (e.name, e.title, e.organisation) for e in self.experts.all(False)}
        out: dict[str, list[Evaluation]] = {}
        for values in rows:
            out.setdefault(values["achievement_id"], []).append(_evaluation(values, experts))
        return out

    def of_achievement(self, achievement_id: str) -> EvaluationList:
        found = self.of_achievements([achievement_id]).get(achievement_id, [])
        return EvaluationList(achievement_id=achievement_id, items=found)


def _evaluation(
    values: dict[str, object], experts: dict[str, tuple[str, str | None, str]]
) -> Evaluation:
    name, title, organisation = experts.get(str(values["expert_id"]), ("（已删除）", None, "—"))
    return Evaluation.model_validate(
        {
            **values,
            "expert_name": name,
            "expert_title": title,
            "expert_organisation": organisation,
        }
    )
