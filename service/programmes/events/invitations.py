"""What an event presents and whom it invites.

``propose`` ranks achievements for an event's theme (field and/or county): how close each is
to the theme's published needs (tf-idf over the analyzer's tokens), how mature, how local.
``invitations`` ranks enterprises for the chosen achievements: first from their published
needs, through the ``Matcher`` (achievement → needs, with its explanation), then enterprises
whose needs share the achievement's field in the event's county; merged into one row per
enterprise listing which achievements interest it and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from indexer.analysis import Analyzer
from indexer.documents import full_text
from service.catalog import Catalog
from service.listings.schemas import Kind, Maturity
from service.listings.taxonomy import Taxonomy
from service.matching.matcher import Matcher, NotPublishedError
from service.programmes.events.service import Event, EventStore
from service.programmes.similarity import TfIdfPool

MATCHES_PER_ACHIEVEMENT = 25
FIT_SCORE = 0.25  # an enterprise invited for its field and county, without a matching need
CLOSE = 0.2  # tf-idf cosine from which a theme need counts as close to an achievement


class ProposedAchievement(BaseModel):
    id: str
    title: str
    institution: str
    field_label: str
    region: str | None
    maturity: str
    score: float
    close_needs: int
    reasons: list[str]


class InvitationReason(BaseModel):
    achievement_id: str
    achievement_title: str
    source: Literal["need", "fit"]
    need_id: str | None
    need_title: str | None
    score: float
    shared_terms: list[str]
    reason: str


class Invitation(BaseModel):
    rank: int
    enterprise: str
    regions: list[str]
    contact: str | None
    score: float
    achievements: list[InvitationReason]


class InvitationList(BaseModel):
    event_id: int
    items: list[Invitation]
    total: int
    page: int
    page_size: int


@dataclass
class _Enterprise:
    name: str
    regions: set[str] = field(default_factory=set)
    fields: set[str] = field(default_factory=set)
    contact: str | None = None


class Invitations:
    def __init__(
        self,
        events: EventStore,
        catalog: Catalog,
        matcher: Matcher,
        analyzer: Analyzer,
        taxonomy: Taxonomy,
    ) -> None:
        self.events = events
        self.catalog = catalog
        self.matcher = matcher
        self.analyzer = analyzer
        self.taxonomy = taxonomy
        self._pools: dict[Any, TfIdfPool] = {}

    # ---- what to present ------------------------------------------------------------
    def propose(
        self, field_code: str | None, region: str | None, limit: int = 8
    ) -> list[ProposedAchievement]:
        achievements = [
            a
            for a in self.catalog.iter_all(Kind.achievement, published_only=True)
            if not field_code or _in_field(a.field, field_code)
        ]
        needs = [
            n
            for n in self.catalog.iter_all(Kind.need, published_only=True)
            if (not field_code or _in_field(n.field, field_code))
            and (not region or n.region == region)
        ]
        if not achievements:
            return []
        key = tuple((a.id, a.updated_at) for a in achievements)
        pool = self._pools.get(key)
        if pool is None:
            pool = TfIdfPool(self.analyzer, [full_text(a) for a in achievements])
            self._pools = {key: pool}  # keep one: the latest theme
        sims = pool.matrix_similarities([full_text(n) for n in needs])
        best = sims.max(axis=1) if needs else sims.sum(axis=1)
        top = float(best.max()) if best.size else 0.0
        out = []
        for i, a in enumerate(achievements):
            maturity = Maturity(a.maturity)
            tier = self.taxonomy.tier(a.region)
            local = {"dazhou": 1.0, "northeast": 0.5}.get(tier, 0.0)
            text = float(best[i]) / top if top > 0 else 0.0
            score = 0.6 * text + 0.25 * maturity.rank / 3 + 0.15 * local
            close = int((sims[i] >= CLOSE).sum()) if needs else 0
            reasons = []
            if needs and best[i] > 0:
                nearest = needs[int(sims[i].argmax())]
                lead = f"与{close}条主题需求相近，" if close else ""
                reasons.append(f"{lead}最相近的需求：{nearest.title}（{nearest.enterprise}）")
            reasons.append(f"成熟度：{maturity.label}")
            if local:
                reasons.append(f"来自{a.region}")
            out.append(
                ProposedAchievement(
                    id=a.id,
                    title=a.title,
                    institution=a.institution,
                    field_label=self.taxonomy.label(a.field),
                    region=a.region,
                    maturity=maturity.label,
                    score=round(score, 4),
                    close_needs=close,
                    reasons=reasons,
                )
            )
        out.sort(key=lambda p: (-p.score, p.id))
        return out[:limit]

    # ---- whom to invite -------------------------------------------------------------
    def for_event(self, event_id: int) -> list[Invitation]:
        event = self.events.get(event_id)
        enterprises = self._enterprises()
        reasons: dict[str, list[InvitationReason]] = {}
        found = self.catalog.get_many(Kind.achievement, event.achievement_ids)
        for achievement_id in event.achievement_ids:
            achievement = found.get(achievement_id)
            if achievement is None:
                continue
            try:
                matches = self.matcher.match(
                    Kind.achievement, achievement_id, MATCHES_PER_ACHIEVEMENT
                )
            except NotPublishedError:
                continue
            seen: set[str] = set()
            for m in matches.matches:
                if m.organisation in seen:
                    continue  # the enterprise's best need for this achievement speaks for it
                seen.add(m.organisation)
                terms = "、".join(m.shared_terms[:4])
                reason = f"其需求《{m.title}》与该成果匹配（{m.score:.2f}）"
                reasons.setdefault(m.organisation, []).append(
                    InvitationReason(
                        achievement_id=achievement_id,
                        achievement_title=achievement.title,
                        source="need",
                        need_id=m.id,
                        need_title=m.title,
                        score=m.score,
                        shared_terms=m.shared_terms,
                        reason=reason + (f"，共同关键词：{terms}" if terms else ""),
                    )
                )
            for enterprise in enterprises.values():
                if enterprise.name in seen or not self._fits(enterprise, achievement.field, event):
                    continue
                where = "、".join(sorted(enterprise.regions))
                label = self.taxonomy.label(achievement.field)
                reasons.setdefault(enterprise.name, []).append(
                    InvitationReason(
                        achievement_id=achievement_id,
                        achievement_title=achievement.title,
                        source="fit",
                        need_id=None,
                        need_title=None,
                        score=FIT_SCORE,
                        shared_terms=[],
                        reason=f"企业有{label}方面的需求，位于{where}",
                    )
                )
        rows = []
        for name, found_reasons in reasons.items():
            found_reasons.sort(key=lambda r: -r.score)
            info = enterprises.get(name) or _Enterprise(name)
            score = found_reasons[0].score + 0.05 * (len(found_reasons) - 1)
            if event.region and event.region in info.regions:
                score += 0.05
            rows.append((round(score, 4), name, info, found_reasons))
        rows.sort(key=lambda r: (-r[0], r[1]))
        return [
            Invitation(
                rank=rank,
                enterprise=name,
                regions=sorted(info.regions),
                contact=info.contact,
                score=score,
                achievements=found_reasons,
            )
            for rank, (score, name, info, found_reasons) in enumerate(rows, start=1)
        ]

    def page(self, event_id: int, page: int = 1, page_size: int = 50) -> InvitationList:
        everything = self.for_event(event_id)
        start = (page - 1) * page_size
        return InvitationList(
            event_id=event_id,
            items=everything[start : start + page_size],
            total=len(everything),
            page=page,
            page_size=page_size,
        )

    def _enterprises(self) -> dict[str, _Enterprise]:
        out: dict[str, _Enterprise] = {}
        for need in self.catalog.iter_all(Kind.need, published_only=True):
            info = out.setdefault(need.enterprise, _Enterprise(need.enterprise))
            info.regions.add(need.region)
            info.fields.add(need.field)
            info.contact = info.contact or need.contact
        return out

    def _fits(self, enterprise: _Enterprise, field_code: str, event: Event) -> bool:
        if field_code not in enterprise.fields:
            return False
        if event.region:
            return event.region in enterprise.regions
        return any(self.taxonomy.tier(r) == "dazhou" for r in enterprise.regions)


def _in_field(code: str, wanted: str) -> bool:
    return code == wanted or code.startswith(wanted + ".")
