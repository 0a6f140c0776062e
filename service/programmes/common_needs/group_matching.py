"""The achievements that best serve a set of needs as a whole.

Each member need's match list is the one matching keeps (``Matcher.match``: read from the
catalog when the background upkeep or an earlier request made it); the lists are fused by
reciprocal rank fusion (ranks only, as matching fuses its retrievers), and each achievement shown
is explained by the members it serves, its components averaged over the members and the
technical terms it shares with them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indexer.base import Hit
from service.listings.schemas import Kind
from service.matching.cache import market_stamp
from service.matching.fusion import reciprocal_rank_fusion
from service.matching.matcher import KEPT_SIZE, Matcher
from service.matching.results import Component, ListingBrief, Match
from service.programmes.common_needs.views import GroupMatch, Served

PER_NEED = KEPT_SIZE  # matches taken from each member need before fusion
CACHE_SECONDS = 600.0  # a need's matches are reused this long (keyed by its last change)
CACHE_SIZE = 2000


@dataclass(frozen=True)
class _Ranked:
    need: Any
    matches: list[Match]


class GroupMatcher:
    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self._cache: dict[tuple[str, str], tuple[float, _Ranked]] = {}
        self._lock = threading.Lock()

    def _ranked(self, need: Any) -> _Ranked:
        key = (need.id, need.updated_at.isoformat())
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        found = _Ranked(need, self.matcher.match(Kind.need, need.id, PER_NEED).matches)
        with self._lock:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = (now, found)
        return found

    def version(self) -> tuple[Any, ...]:
        """What the rankings depend on: the catalog's version and the index generation."""
        return market_stamp(self.matcher.catalog, self.matcher.index)

    def lists(self, need_ids: Sequence[str]) -> dict[str, _Ranked]:
        needs = self.matcher.catalog.get_many(Kind.need, list(need_ids))
        return {
            need_id: self._ranked(needs[need_id])
            for need_id in need_ids
            if need_id in needs and needs[need_id].is_published
        }

    def rank(self, need_ids: Sequence[str], limit: int = 10) -> list[GroupMatch]:
        lists = self.lists(need_ids)
        if not lists or limit <= 0:
            return []
        hits = {nid: [Hit(m.id, m.score) for m in ranked.matches] for nid, ranked in lists.items()}
        fused = reciprocal_rank_fusion(
            hits, {nid: 1.0 for nid in hits}, self.matcher.settings.rrf_k
        )
        served: dict[str, dict[str, tuple[int, Match]]] = {}
        for nid, ranked in lists.items():
            for position, m in enumerate(ranked.matches, start=1):
                served.setdefault(m.id, {})[nid] = (position, m)
        return [
            self._explain(rank, item.score, served[item.id], lists)
            for rank, item in enumerate(fused[:limit], start=1)
        ]

    def _explain(
        self,
        rank: int,
        fused: float,
        served: dict[str, tuple[int, Match]],
        lists: dict[str, _Ranked],
    ) -> GroupMatch:
        members = len(lists)
        matched = [m for _, m in served.values()]
        components = []
        for part in matched[0].components:
            values = [next((x.value for x in c.components if x.name == part.name), 0.0)
                      for c in matched]  # fmt: skip
            value = sum(values) / members
            components.append(
                Component(
                    name=part.name,
                    label=part.label,
                    value=round(value, 4),
                    weight=part.weight,
                    contribution=round(value * part.weight, 4),
                    note=f"本组{len(matched)}/{members}项需求的平均值",
                )
            )
        counts: dict[str, int] = {}
        for match in matched:  # the terms each member need shares with the achievement
            for term in match.shared_terms:
                counts[term] = counts.get(term, 0) + 1
        shared = sorted(counts, key=lambda t: -counts[t])[:8]
        serves = [
            Served(
                need_id=nid,
                rank=position,
                score=m.score,
                probability=m.probability,
                tier=m.tier,
            )
            for nid, (position, m) in served.items()
        ]
        best = max(matched, key=lambda c: c.probability or 0.0)
        ranks = "、".join(f"{s.need_id}第{s.rank}名" for s in serves)
        explanation = f"匹配本组{len(matched)}/{members}项需求（{ranks}）"
        if shared:
            explanation += "；共同关键词：" + "、".join(shared[:5])
        first = matched[0]
        return GroupMatch(
            **{name: getattr(first, name) for name in ListingBrief.model_fields},
            rank=rank,
            score=round(sum(m.score for m in matched) / members, 4),
            fused=round(fused, 4),
            serves=serves,
            probability=best.probability,
            tier=best.tier,
            components=components,
            shared_terms=shared,
            mismatches=sorted({m for c in matched for m in c.mismatches}),
            explanation=explanation,
        )
