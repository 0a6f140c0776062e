"""技术合同成交额: the year's registered technology contracts against the city's target, by
month, county, field and contract type, and the programmes' share of it.

A contract counts in the year of its 登记日期 once its pair is at 合同登记 (a registered
contract is what the city reports). County: the buyer's (the need's region), else the seller's.
Field: the technology's (the achievement's top field), else the need's. A deal is traced to a
programme when its pair was opened by an event's intent, answers a 揭榜挂帅 challenge (a need of
the challenge and an achievement of the selected application), or came from an offer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pydantic import BaseModel, Field
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, aliased

from service.catalog.models import AchievementRow, NeedRow
from service.desk.models import ContractRow, DeskMatchRow
from service.desk.stages import ContractType, Stage
from service.listings.taxonomy import Taxonomy
from service.programmes.challenges.models import ApplicationRow, ChallengeRow
from service.programmes.events.models import IntentRow
from service.programmes.offers.models import OfferRow

UNSPECIFIED = "未注明"
PROGRAMMES = (("events", "对接活动"), ("challenges", "揭榜挂帅"), ("offers", "挂牌与竞价"))


class Registered(BaseModel):
    """One registered contract, in the layout of a 技术合同认定登记 record."""

    match_id: int
    title: str
    contract_type: ContractType
    contract_type_label: str
    field: str = Field(description="the top technology field's label")
    county: str
    seller: str
    buyer: str
    amount_wan: float = Field(description="成交额")
    tech_amount_wan: float = Field(description="技术交易额 (the amount when not given)")
    registration_no: str
    registered_on: dt.date


class Group(BaseModel):
    key: str
    label: str
    count: int
    amount_wan: float
    tech_amount_wan: float


class ProgrammeShare(BaseModel):
    programme: str
    label: str
    count: int
    amount_wan: float
    share: float | None = Field(description="of the year's registered amount; null: none yet")


class TransactionStats(BaseModel):
    year: int
    target_wan: float
    registered_wan: float
    tech_wan: float = Field(description="技术交易额 of the registered contracts")
    count: int
    progress: float = Field(description="registered_wan / target_wan")
    by_month: list[Group] = Field(description="all twelve months of the year")
    by_county: list[Group]
    by_field: list[Group]
    by_type: list[Group]
    programmes: list[ProgrammeShare]


class Transactions:
    def __init__(self, engine: Engine, taxonomy: Taxonomy, target_wan: float) -> None:
        self.engine = engine
        self.taxonomy = taxonomy
        self.target_wan = target_wan

    def year(self, year: int) -> TransactionStats:
        records = self.registered(year)
        amount = round(sum(r.amount_wan for r in records), 4)
        traced = self._traced({r.match_id for r in records})
        return TransactionStats(
            year=year,
            target_wan=self.target_wan,
            registered_wan=amount,
            tech_wan=round(sum(r.tech_amount_wan for r in records), 4),
            count=len(records),
            progress=round(amount / self.target_wan, 4),
            by_month=_groups(records, lambda r: f"{r.registered_on.month:02d}",
                             [(f"{m:02d}", f"{m}月") for m in range(1, 13)]),
            by_county=_groups(records, lambda r: r.county),
            by_field=_groups(records, lambda r: r.field),
            by_type=_groups(records, lambda r: r.contract_type.value,
                            [(t.value, t.label) for t in ContractType]),
            programmes=[
                _share(key, label, [r for r in records if r.match_id in traced[key]], amount)
                for key, label in PROGRAMMES
            ],
        )  # fmt: skip

    def registered(self, year: int) -> list[Registered]:
        need, achievement = aliased(NeedRow), aliased(AchievementRow)
        query = (
            select(ContractRow, need.region, need.field, achievement.region, achievement.field)
            .join(DeskMatchRow, DeskMatchRow.id == ContractRow.match_id)
            .outerjoin(need, need.id == DeskMatchRow.need_id)
            .outerjoin(achievement, achievement.id == DeskMatchRow.achievement_id)
            .where(
                DeskMatchRow.stage == Stage.registered.value,
                ContractRow.registered_on >= dt.date(year, 1, 1),
                ContractRow.registered_on <= dt.date(year, 12, 31),
            )
            .order_by(ContractRow.registered_on, ContractRow.match_id)
        )
        with Session(self.engine) as session:
            rows = session.execute(query).all()
            return [self._record(*row) for row in rows]

    def _record(
        self, contract: ContractRow, need_region: str | None, need_field: str | None,
        ach_region: str | None, ach_field: str | None,
    ) -> Registered:  # fmt: skip
        assert contract.registered_on is not None
        info = self.taxonomy.field(str(ach_field or need_field or ""))
        kind = ContractType(contract.contract_type)
        return Registered(
            match_id=contract.match_id, title=contract.title, contract_type=kind,
            contract_type_label=kind.label,
            field=self.taxonomy.label(info.top) if info else UNSPECIFIED,
            county=str(need_region or ach_region or UNSPECIFIED), seller=contract.seller,
            buyer=contract.buyer, amount_wan=contract.amount_wan,
            tech_amount_wan=contract.tech_amount_wan if contract.tech_amount_wan is not None
            else contract.amount_wan,
            registration_no=contract.registration_no or "",
            registered_on=contract.registered_on,
        )  # fmt: skip

    def _traced(self, match_ids: set[int]) -> dict[str, set[int]]:
        """Which of these pairs each programme led to."""
        if not match_ids:
            return {key: set() for key, _ in PROGRAMMES}
        ids = list(match_ids)
        with self.engine.connect() as conn:
            events = set(
                conn.scalars(select(IntentRow.match_id).where(IntentRow.match_id.in_(ids)))
            )
            found = conn.scalars(select(OfferRow.match_id).where(OfferRow.match_id.in_(ids)))
            offers = {m for m in found if m is not None}
            pairs = set(conn.execute(
                select(DeskMatchRow.need_id, DeskMatchRow.achievement_id, DeskMatchRow.id)
                .where(DeskMatchRow.id.in_(ids))
            ).all())  # fmt: skip
            selected = conn.execute(
                select(ChallengeRow.need_ids, ApplicationRow.achievement_ids).join(
                    ApplicationRow, ApplicationRow.id == ChallengeRow.selected_application_id
                )
            ).all()
        answered = {(n, a) for needs, achs in selected for n in needs or [] for a in achs or []}
        challenges = {mid for n, a, mid in pairs if (n, a) in answered}
        return {"events": events, "challenges": challenges, "offers": offers}


def _groups(
    records: list[Registered], key: object, order: Iterable[tuple[str, str]] = ()
) -> list[Group]:
    """Groups in ``order`` (every one, empty ones too), then the others by amount."""
    found: dict[str, list[Registered]] = {}
    for record in records:
        found.setdefault(key(record), []).append(record)  # type: ignore[operator]
    fixed = list(order)
    known = {k for k, _ in fixed}
    rest = sorted(
        (k for k in found if k not in known), key=lambda k: -sum(r.amount_wan for r in found[k])
    )
    return [_group(k, label, found.get(k, [])) for k, label in fixed + [(k, k) for k in rest]]


def _group(key: str, label: str, records: list[Registered]) -> Group:
    return Group(
        key=key, label=label, count=len(records),
        amount_wan=round(sum(r.amount_wan for r in records), 4),
        tech_amount_wan=round(sum(r.tech_amount_wan for r in records), 4),
    )  # fmt: skip


def _share(key: str, label: str, records: list[Registered], total: float) -> ProgrammeShare:
    amount = round(sum(r.amount_wan for r in records), 4)
    return ProgrammeShare(
        programme=key, label=label, count=len(records), amount_wan=amount,
        share=round(amount / total, 4) if total else None,
    )  # fmt: skip
