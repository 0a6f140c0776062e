"""The broker's queue: introduction requests first, then strong matches not on the desk yet
(the calibrated tier ``strong``: see ``service/matching/calibration.py``).

Cost: every need looked at runs one ``Matcher.match`` (about 25 ms on the seed catalog in
lexical mode on a 2-core machine; one query embedding more when semantic matching is on).
The scan stops once the queue is full and never looks at more than NEEDS_SCANNED of the
newest published needs, so an uncached queue costs at most about 0.8 s. Match lists are
cached per need for CACHE_SECONDS (and dropped when the need is edited); the "already on
the desk" filter is applied fresh on every call.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from service.catalog import Catalog, NotFoundError
from service.desk.stages import Stage
from service.desk.views import DeskMatch, QueueItem
from service.listings.schemas import Kind, Listing
from service.matching.matcher import Matcher, NotPublishedError, brief
from service.matching.results import ListingBrief, Match, MatchList

if TYPE_CHECKING:
    from service.desk.store import Desk

NEEDS_SCANNED = 30
MATCHES_PER_NEED = 3
MATCHES_LOOKED_AT = 10
CACHE_SECONDS = 120.0


class BrokerQueue:
    """The queue of one market, built from its desk, its catalog and its matcher."""

    def __init__(self, desk: Desk, catalog: Catalog, matcher: Matcher) -> None:
        self.desk = desk
        self.catalog = catalog
        self.matcher = matcher
        self._cache: dict[str, tuple[float, Any, MatchList | None]] = {}

    def items(self, limit: int = 50) -> list[QueueItem]:
        items = self.requested_items(limit)
        if len(items) < limit:
            items += self.computed_items(limit - len(items))
        return items[:limit]

    def requested_items(self, limit: int) -> list[QueueItem]:
        """Pairs users asked a broker to introduce, oldest request first."""
        pairs = self.desk.matches([Stage.requested], limit=limit, oldest_first=True)
        requesters = {p.requested_by for p in pairs if p.requested_by is not None}
        names = {uid: u.display_name for uid, u in self.desk.accounts.get_many(requesters).items()}
        needs = self.catalog.get_many(Kind.need, [p.need_id for p in pairs])
        achievements = self.catalog.get_many(Kind.achievement, [p.achievement_id for p in pairs])
        taxonomy = self.matcher.taxonomy
        items = []
        for pair in pairs:
            need, achievement = needs.get(pair.need_id), achievements.get(pair.achievement_id)
            if need is None or achievement is None:
                continue
            items.append(
                _item(
                    brief(need, taxonomy),
                    brief(achievement, taxonomy),
                    _find(self._match_list(need), pair.achievement_id),
                    pair,
                    names.get(pair.requested_by) if pair.requested_by else None,
                )
            )
        return items

    def computed_items(self, limit: int) -> list[QueueItem]:
        """Strong matches (the calibrated tier) not on the desk, for the newest published needs."""
        needs, _ = self.catalog.list(Kind.need, limit=NEEDS_SCANNED)
        on_desk = self.desk.pairs_of_needs([n.id for n in needs])
        items: list[QueueItem] = []
        for need in needs:
            result = self._match_list(need)
            if result is None:
                continue
            fresh = [
                m for m in result.matches if m.tier == "strong" and (need.id, m.id) not in on_desk
            ]
            for match in fresh[:MATCHES_PER_NEED]:
                items.append(_item(result.source, _brief_of(match), match, None, None))
            if len(items) >= limit:
                break
        return items[:limit]

    def find_fit(self, need_id: str, achievement_id: str) -> Match | None:
        """The matcher's explanation of one pair, when the achievement is a top match."""
        try:
            need = self.catalog.get(Kind.need, need_id)
        except NotFoundError:
            return None
        return _find(self._match_list(need), achievement_id)

    def _match_list(self, need: Listing) -> MatchList | None:
        """The need's top matches, cached per need (None when it can no longer be matched)."""
        hit = self._cache.get(need.id)
        now = time.monotonic()
        updated_at = getattr(need, "updated_at", None)
        if hit is not None and hit[0] > now and hit[1] == updated_at:
            return hit[2]
        try:
            result = self.matcher.match(Kind.need, need.id, limit=MATCHES_LOOKED_AT)
        except (NotFoundError, NotPublishedError):
            result = None
        if len(self._cache) > 4 * NEEDS_SCANNED:
            self._cache.clear()
        self._cache[need.id] = (now + CACHE_SECONDS, updated_at, result)
        return result


def _find(result: MatchList | None, achievement_id: str) -> Match | None:
    if result is None:
        return None
    return next((m for m in result.matches if m.id == achievement_id), None)


def _brief_of(match: Match) -> ListingBrief:
    return ListingBrief.model_validate(match.model_dump(include=set(ListingBrief.model_fields)))


def explain(match: Match | None) -> str:
    """One line: the shared terms, the features that fit, what does not."""
    if match is None:
        return f"不在该需求的前 {MATCHES_LOOKED_AT} 个匹配中"
    parts = []
    if match.shared_terms:
        parts.append("共同关键词：" + "、".join(match.shared_terms[:4]))
    fits = [c.label for c in match.components if c.name != "text" and c.value >= 0.99]
    if fits:
        parts.append("、".join(fits) + "相符")
    if match.mismatches:
        parts.append("不符：" + "；".join(match.mismatches[:2]))
    return "；".join(parts) or "文本相关"


def _item(
    need: ListingBrief,
    achievement: ListingBrief,
    match: Match | None,
    pair: DeskMatch | None,
    by: str | None,
) -> QueueItem:
    return QueueItem(
        need=need,
        achievement=achievement,
        match_id=pair.id if pair else None,
        stage=pair.stage if pair else None,
        requested_by_name=by,
        requested_at=pair.created_at if pair else None,
        score=match.score if match else (pair.score if pair else None),
        probability=match.probability if match else None,
        tier=match.tier if match else None,
        explanation=explain(match),
        shared_terms=match.shared_terms if match else [],
        mismatches=match.mismatches if match else [],
        components=match.components if match else [],
    )
