"""What an event presents and whom it invites.

``propose`` ranks achievements for an event's theme (field and/or county): how close each is
to the theme's published needs (tf-idf over the analyzer's tokens), how mature, how local.
``invitations`` ranks enterprises for the chosen achievements through the ``Matcher``
(achievement → needs): an enterprise is invited when one of its published needs is at least a
"possible" match for one of the achievements (the calibrated probability, ``calibration.py``),
ranked by its best probability; each reason names the need and the terms it shares with the
achievement. By default the list stops at three times the event's capacity (an organiser can ask
for more); an enterprise whose needs only share the field is not invited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from indexer.analysis import Analyzer
from indexer.documents import full_text
from service.catalog import Catalog
from service.listings.schemas import Kind, Maturity
from service.listings.taxonomy import Taxonomy
from service.matching.calibration import Tier, tier_words
from service.matching.matcher import KEPT_SIZE, Matcher, NotPublishedError
from service.programmes.events.service import Event, EventStore
from service.programmes.similarity import TfIdfPool

MATCHES_PER_ACHIEVEMENT = KEPT_SIZE  # needs looked at per achievement: the kept list (on 60
# sampled seed achievements, no need at ranks 21–30 was more than a weak match)
PER_SEAT = 3  # enterprises invited per seat by default
INVITED: tuple[str, ...] = ("strong", "possible")  # the tiers an invitation needs
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
    source: Literal["need"] = "need"
    need_id: str
    need_title: str
    probability: float = Field(description="calibrated chance the need and achievement fit")
    tier: Tier
    shared_terms: list[str]
    reason: str


class Invitation(BaseModel):
    rank: int
    enterprise: str
    regions: list[str]
    contact: str | None
    probability: float = Field(description="the best probability among its reasons")
    tier: Tier
    achievements: list[InvitationReason]


class InvitationList(BaseModel):
    event_id: int
    items: list[Invitation]
    total: int = Field(description="enterprises invited (at most `limit`)")
    eligible: int = Field(description="enterprises with a need at least a possible match")
    limit: int = Field(description="the list's length: 3 × capacity unless asked otherwise")
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
    def warm(self) -> None:
        """Tokenise every published listing once (the analyzer keeps tokens per text) and import
        the tf-idf code, so that a theme's first proposal does neither: the background warm-up
        calls it."""
        from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: F401

        for kind in Kind:
            for listing in self.catalog.iter_all(kind, published_only=True):
                self.analyzer.tokens(full_text(listing))

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
    def for_event(self, event_id: int, limit: int | None = None) -> list[Invitation]:
        """Enterprises to invite, best first: at most ``limit`` (default 3 × capacity)."""
        event = self.events.get(event_id)
        return self.eligible(event)[: limit or PER_SEAT * event.capacity]

    def eligible(self, event: Event) -> list[Invitation]:
        """Every enterprise with a need at least a possible match for a presented achievement."""
        needs = self._needs()
        enterprises = self._enterprises(needs.values())
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
                if m.id not in needs:
                    continue  # posted under a name its account may not speak for
                if m.organisation in seen or m.tier not in INVITED or m.probability is None:
                    continue  # the enterprise's best need for this achievement speaks for it
                seen.add(m.organisation)
                reasons.setdefault(m.organisation, []).append(
                    InvitationReason(
                        achievement_id=achievement_id,
                        achievement_title=achievement.title,
                        need_id=m.id,
                        need_title=m.title,
                        probability=m.probability,
                        tier=m.tier,
                        shared_terms=m.shared_terms,
                        reason=_reason(m.title, m.tier, m.probability, m.shared_terms),
                    )
                )
        rows = []
        for name, found_reasons in reasons.items():
            found_reasons.sort(key=lambda r: (-r.probability, r.achievement_id))
            rows.append((found_reasons[0], name, enterprises.get(name) or _Enterprise(name)))
        # ties: an enterprise in the event's county first, then the one with more reasons
        rows.sort(key=lambda r: (-r[0].probability, event.region not in r[2].regions,
                                 -len(reasons[r[1]]), r[1]))  # fmt: skip
        return [
            Invitation(
                rank=rank,
                enterprise=name,
                regions=sorted(info.regions),
                contact=info.contact,
                probability=best.probability,
                tier=best.tier,
                achievements=reasons[name],
            )
            for rank, (best, name, info) in enumerate(rows, start=1)
        ]

    def page(
        self, event_id: int, page: int = 1, page_size: int = 50, limit: int | None = None
    ) -> InvitationList:
        event = self.events.get(event_id)
        everyone = self.eligible(event)
        length = limit or PER_SEAT * event.capacity
        invited = everyone[:length]
        start = (page - 1) * page_size
        return InvitationList(
            event_id=event_id,
            items=invited[start : start + page_size],
            total=len(invited),
            eligible=len(everyone),
            limit=length,
            page=page,
            page_size=page_size,
        )

    def _needs(self) -> dict[str, Any]:
        """The published needs that speak for their enterprise: not those of an account whose
        claim to the enterprise's name awaits a broker (or was rejected), so an invitation
        never reaches, nor quotes the contact of, an account squatting on the name."""
        needs = {n.id: n for n in self.catalog.iter_all(Kind.need, published_only=True)}
        owners = self.catalog.owners(Kind.need, list(needs))
        doubtful = self.events.organisations.unrecognised()
        return {i: n for i, n in needs.items() if owners.get(i) not in doubtful}

    def _enterprises(self, needs: Iterable[Any]) -> dict[str, _Enterprise]:
        out: dict[str, _Enterprise] = {}
        for need in needs:
            info = out.setdefault(need.enterprise, _Enterprise(need.enterprise))
            info.regions.add(need.region)
            info.fields.add(need.field)
            info.contact = info.contact or need.contact
        return out


def _reason(title: str, tier: str, probability: float, terms: list[str]) -> str:
    """其需求《…》与该成果可能匹配 41%，技术要点：…"""
    reason = f"其需求《{title}》与该成果{tier_words(tier, probability)}"
    return reason + (f"，技术要点：{'、'.join(terms[:4])}" if terms else "")


def _in_field(code: str, wanted: str) -> bool:
    return code == wanted or code.startswith(wanted + ".")
