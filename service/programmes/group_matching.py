"""The achievements that best serve a set of needs as a whole.

Each member need is matched with the ``Matcher`` like any need; the lists are fused by
reciprocal rank fusion (ranks only, as matching fuses its retrievers), and each achievement is
explained by the members it serves, its components averaged over the members and the key terms
it shares with them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from indexer.base import Hit
from service.catalog import NotFoundError
from service.listings.schemas import Kind, Status
from service.matching.fusion import reciprocal_rank_fusion
from service.matching.matcher import Matcher, brief
from service.matching.results import Component, Match, MatchList
from service.programmes.views import GroupMatch, Served

PER_NEED = 20  # matches taken from each member need before fusion
CACHE_SECONDS = 600.0  # a need's match list is reused this long (keyed by its last change)
CACHE_SIZE = 2000


class GroupMatcher:
    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self._cache: dict[tuple[str, str], tuple[float, MatchList]] = {}
        self._lock = threading.Lock()

    def _match(self, need: Any) -> MatchList:
        key = (need.id, need.updated_at.isoformat())
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        found = self.matcher.match_listing(Kind.need, need, PER_NEED)
        with self._lock:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = (now, found)
        return found

    def lists(self, need_ids: Sequence[str]) -> dict[str, MatchList]:
        out = {}
        for need_id in need_ids:
            try:
                need = self.matcher.catalog.get(Kind.need, need_id)
            except NotFoundError:
                continue
            if need.status == Status.published:
                out[need_id] = self._match(need)
        return out

    def rank(self, need_ids: Sequence[str], limit: int = 10) -> list[GroupMatch]:
        lists = self.lists(need_ids)
        if not lists:
            return []
        hits = {nid: [Hit(m.id, m.score) for m in ml.matches] for nid, ml in lists.items()}
        fused = reciprocal_rank_fusion(
            hits, {nid: 1.0 for nid in hits}, self.matcher.settings.rrf_k
        )
        by_id: dict[str, dict[str, Match]] = {}
        for nid, ml in lists.items():
            for m in ml.matches:
                by_id.setdefault(m.id, {})[nid] = m
        found = self.matcher.catalog.get_many(Kind.achievement, [f.id for f in fused[:limit]])
        out = []
        for rank, item in enumerate(fused[:limit], start=1):
            served = by_id[item.id]
            achievement = found.get(item.id)
            if achievement is None:
                continue
            out.append(_explain(rank, item.score, achievement, served, len(lists), self.matcher))
        return out


def _explain(
    rank: int,
    fused: float,
    achievement: Any,
    served: dict[str, Match],
    members: int,
    matcher: Matcher,
) -> GroupMatch:
    matches = list(served.values())
    components = []
    for c in matches[0].components:
        values = [next((x.value for x in m.components if x.name == c.name), 0.0) for m in matches]
        value = sum(values) / members
        components.append(
            Component(
                name=c.name,
                label=c.label,
                value=round(value, 4),
                weight=c.weight,
                contribution=round(value * c.weight, 4),
                note=f"{len(matches)}/{members}项需求",
            )
        )
    terms: dict[str, int] = {}
    for m in matches:
        for t in m.shared_terms:
            terms[t] = terms.get(t, 0) + 1
    shared = sorted(terms, key=lambda t: -terms[t])[:8]
    mismatches = sorted({x for m in matches for x in m.mismatches})
    score = sum(m.score for m in matches) / members
    serves = [Served(need_id=nid, rank=m.rank, score=m.score) for nid, m in served.items()]
    ranks = "、".join(f"{s.need_id}第{s.rank}名" for s in serves)
    explanation = f"匹配本组{len(matches)}/{members}项需求（{ranks}）"
    if shared:
        explanation += "；共同关键词：" + "、".join(shared[:5])
    return GroupMatch(
        **brief(achievement, matcher.taxonomy).model_dump(),
        rank=rank,
        score=round(score, 4),
        fused=round(fused, 4),
        serves=serves,
        components=components,
        shared_terms=shared,
        mismatches=mismatches,
        explanation=explanation,
    )
