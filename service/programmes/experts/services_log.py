"""The service log of the 科技特派员: every visit or consultation, so the bureau can count
services, counties reached and technologies adopted."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from service import clock
from service.accounts import User
from service.catalog.models import row_to_dict, utcnow
from service.listings.taxonomy import active_taxonomy
from service.programmes.errors import ProgrammeInputError, ProgrammeNotFoundError
from service.programmes.experts.models import ServiceRow
from service.programmes.experts.service import Experts
from service.requests import Day, RequestModel
from service.stamps import Timestamp

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
Paragraph = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]


class ServiceIn(RequestModel):
    expert_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    served_on: Day
    client: Line
    county: str
    problem: Paragraph
    advice: Paragraph
    adopted: bool = False
    technology: Line | None = None

    @field_validator("county")
    @classmethod
    def _known_county(cls, name: str) -> str:
        if name not in active_taxonomy().regions:
            raise ValueError(f"未知的地区 {name!r}（见 seed_data/taxonomy.json）")
        return name

    @field_validator("served_on")
    @classmethod
    def _not_future(cls, day: dt.date) -> dt.date:
        if day > clock.today():
            raise ValueError("服务日期不能晚于今天")
        return day


class Service(ServiceIn):
    model_config = ConfigDict(extra="ignore")

    id: int
    expert_name: str
    recorded_by: int
    created_at: Timestamp


class ServicePage(BaseModel):
    items: list[Service]
    total: int
    page: int
    page_size: int


class ServiceLog:
    def __init__(self, engine: Engine, experts: Experts) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.experts = experts

    def record(self, data: ServiceIn, user: User) -> Service:
        try:
            expert = self.experts.get(data.expert_id)
        except ProgrammeNotFoundError as exc:
            raise ProgrammeInputError("expert_id", str(exc)) from exc
        with self._sessions.begin() as session:
            row = ServiceRow(**data.model_dump(), recorded_by=user.id, created_at=utcnow())
            session.add(row)
            session.flush()
            values = row_to_dict(row)
        return Service.model_validate({**values, "expert_name": expert.name})

    def page(self, expert_id: str | None = None, page: int = 1, page_size: int = 50) -> ServicePage:
        """Services, the latest first (of one expert when given)."""
        query = select(ServiceRow)
        if expert_id:
            query = query.where(ServiceRow.expert_id == expert_id)
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(ServiceRow.served_on.desc(), ServiceRow.id.desc())
                .offset((page - 1) * page_size)
                .limit(page_size)
            )
            values = [row_to_dict(r) for r in rows]
        names = {e.id: e.name for e in self.experts.all(False)}
        items = [
            Service.model_validate({**v, "expert_name": names.get(v["expert_id"], "—")})
            for v in values
        ]
        return ServicePage(items=items, total=total, page=page, page_size=page_size)
