"""Ranked counterparts of a listing, with an explanation for each.

Pipeline: the listing's key terms -> lexical (BM25) and dense (cosine) candidates from the
index -> reciprocal rank fusion -> structured features -> weighted total -> explanation.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from indexer.base import Filters, Hit
from service.documents import full_text, maturity, money
from service.engine import Engine
from service.matching.features import structured_features
from service.matching.fusion import best_possible, reciprocal_rank_fusion
from service.matching.results import Component, ListingBrief, Match, MatchList
from service.schemas import Kind, Status
from service.taxonomy import get_taxonomy

MAX_QUERY_TERMS = 48
MAX_TERM_REPEAT = 3


class NotPublishedError(ValueError):
    """Drafts and withdrawn listings are never matched."""


@dataclass(frozen=True)
class Weights:
    """How much each component counts in the total (they sum to 1)."""

    text: float = 0.55
    field: float = 0.15
    maturity: float = 0.10
    mode: float = 0.08
    money: float = 0.07
    region: float = 0.05
    retrievers: dict[str, float] = dc_field(default_factory=lambda: {"lexical": 1.0, "dense": 1.0})

    def of(self, name: str) -> float:
        return float(getattr(self, name))


def brief(kind: Kind, listing: Any) -> ListingBrief:
    return ListingBrief(
        id=listing.id,
        kind=kind,
        title=listing.title,
        organisation=listing.institution if kind is Kind.achievement else listing.enterprise,
        field=listing.field,
        field_label=get_taxonomy().label(listing.field),
        region=listing.region,
        maturity=maturity(kind, listing),
        money_wan=money(kind, listing),
    )


def idf(df: int, n: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def query_terms(engine: Engine, kind: Kind, listing: Any, target: Kind) -> list[str]:
    """The listing's key terms for lexical retrieval, repeated by weight (tf·idf-selected)."""
    counts = Counter(engine.analyzer.tokens(listing.title) * 2)
    counts.update(engine.analyzer.tokens(full_text(kind, listing)))
    df = engine.index.doc_freq(target.value, list(counts))
    n = max(engine.index.count(target.value), 1)
    scored = {
        t: c * idf(df[t], n)
        for t, c in counts.items()
        if df.get(t) and engine.analyzer.is_key_term(t)
    }
    kept = sorted(scored, key=lambda t: -scored[t])[:MAX_QUERY_TERMS]
    return [t for t in kept for _ in range(min(counts[t], MAX_TERM_REPEAT))]


class Matcher:
    def __init__(self, engine: Engine, weights: Weights | None = None) -> None:
        self.engine = engine
        self.weights = weights or Weights()

    def retrieve(
        self, kind: Kind, listing: Any, target: Kind, filters: Filters, terms: list[str]
    ) -> dict[str, list[Hit]]:
        """Candidate lists by retriever name; ``terms`` are the listing's weighted key terms."""
        pool = self.engine.settings.candidate_pool
        lists = {"lexical": self.engine.index.lexical(target.value, terms, filters, pool)}
        if self.engine.vectors_usable():
            vector = self.engine.encode_query(full_text(kind, listing))
            if vector is not None:
                lists["dense"] = self.engine.index.vector(target.value, vector, filters, pool)
        return lists

    def match(self, kind: Kind, listing_id: str, limit: int = 10) -> MatchList:
        listing = self.engine.catalog.get(kind, listing_id)
        if listing.status != Status.published:
            raise NotPublishedError(
                f"{kind.value} {listing_id!r} is {listing.status.value}; only published "
                "listings are matched"
            )
        return self.match_listing(kind, listing, limit)

    def match_listing(self, kind: Kind, listing: Any, limit: int = 10) -> MatchList:
        """Rank the counterparts of a listing object, saved or not (a posting form's preview)."""
        target = kind.other
        terms = query_terms(self.engine, kind, listing, target)
        lists = self.retrieve(kind, listing, target, Filters(exclude_ids=(listing.id,)), terms)
        k = self.engine.settings.rrf_k
        fused = reciprocal_rank_fusion(lists, self.weights.retrievers, k)
        top = best_possible(list(lists), self.weights.retrievers, k)
        found = self.engine.catalog.get_many(target, [f.id for f in fused])
        scored: list[tuple[float, Any, list[Component], list[str], dict[str, int]]] = []
        for item in fused:
            other = found.get(item.id)
            if other is None or other.status != Status.published:
                continue
            need, achievement = (listing, other) if kind is Kind.need else (other, listing)
            text_value = item.score / top
            components = [
                Component(
                    name="text",
                    label="文本相关度",
                    value=round(text_value, 4),
                    weight=self.weights.text,
                    contribution=round(self.weights.text * text_value, 4),
                    note=_retrieval_note(item.ranks),
                )
            ]
            mismatches = []
            for feature in structured_features(need, achievement):
                w = self.weights.of(feature.name)
                components.append(
                    Component(
                        name=feature.name,
                        label=feature.label,
                        value=feature.value,
                        weight=w,
                        contribution=round(w * feature.value, 4),
                        note=feature.note,
                    )
                )
                if feature.mismatch:
                    mismatches.append(feature.mismatch)
            total = sum(c.contribution for c in components)
            scored.append((total, other, components, mismatches, item.ranks))
        scored.sort(key=lambda s: (-s[0], s[1].id))
        matches = []
        source_words = set(self.engine.analyzer.words(full_text(kind, listing)))
        for rank, (total, other, components, mismatches, ranks) in enumerate(
            scored[:limit], start=1
        ):
            matches.append(
                Match(
                    **brief(target, other).model_dump(),
                    rank=rank,
                    score=round(total, 4),
                    components=components,
                    shared_terms=self.shared_terms(source_words, target, other),
                    mismatches=mismatches,
                    retrieval=ranks,
                )
            )
        notice = None
        if "dense" not in lists:
            notice = "语义匹配未启用：" + (self.engine.semantic.reason or "索引中没有向量")
        return MatchList(
            source=brief(kind, listing),
            semantic="dense" in lists,
            notice=notice,
            expansions=[
                f"{a}→{b}" for a, b in self.engine.analyzer.expansions(full_text(kind, listing))
            ],
            query_terms=list(dict.fromkeys(terms))[:20],
            matches=matches,
        )

    def shared_terms(self, source_words: set[str], target: Kind, other: Any) -> list[str]:
        """Words both listings use, rarest (most telling) first."""
        common = source_words & set(self.engine.analyzer.words(full_text(target, other)))
        if not common:
            return []
        df = self.engine.index.doc_freq(target.value, list(common))
        return sorted(common, key=lambda t: (df.get(t, 0), t))[:8]


def _retrieval_note(ranks: dict[str, int]) -> str:
    names = {"lexical": "关键词检索", "dense": "语义检索"}
    parts = [f"{names.get(s, s)}第{r}名" for s, r in sorted(ranks.items())]
    return "，".join(parts) if parts else "未被检索到"
