"""Experts for a listing: who could advise on a need, who is qualified to evaluate an achievement.

Matched like listings: lexical similarity (tf-idf over the analyzer's tokens) between the
listing's text and the expert's expertise and field labels, cosine of embeddings when a model
is loaded, agreement of field and sub-field, and place: the need's county among the counties
the expert serves (for an achievement, whether the expert evaluates achievements). Every
ranking carries each component and the shared terms.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel

from indexer.analysis import Analyzer
from indexer.base import BackendUnavailableError, SearchIndex
from indexer.documents import full_text
from indexer.embedding import SemanticEncoder
from service.catalog import Catalog
from service.listings.schemas import Kind, Listing
from service.listings.taxonomy import Taxonomy
from service.matching.results import Component
from service.programmes.experts.service import Expert, ExpertRole, Experts
from service.programmes.similarity import TfIdfPool, shared_words

WEIGHTS = {"text": 0.45, "dense": 0.15, "field": 0.3, "place": 0.1}
COMMON_LISTINGS = 0.05  # a shared word in more of the listings than this is not shown


class ExpertMatch(BaseModel):
    rank: int
    score: float
    expert: Expert
    components: list[Component]
    shared_terms: list[str]
    reasons: list[str]


class ExpertMatches(BaseModel):
    listing_id: str
    kind: Kind
    semantic: bool
    items: list[ExpertMatch]


@dataclass
class _Pool:
    version: tuple[int, Any]
    experts: list[Expert]
    texts: list[str]
    tfidf: TfIdfPool


class ExpertMatcher:
    """Ranks the expert pool for a need or an achievement (rebuilt when the pool changes)."""

    def __init__(
        self,
        experts: Experts,
        index: SearchIndex,
        catalog: Catalog,
        analyzer: Analyzer,
        encoder: SemanticEncoder,
        taxonomy: Taxonomy,
    ) -> None:
        self.experts = experts
        self.index = index
        self.catalog = catalog
        self.analyzer = analyzer
        self.encoder = encoder
        self.taxonomy = taxonomy
        self._pool: _Pool | None = None
        self._lock = threading.Lock()

    def expert_text(self, expert: Expert) -> str:
        labels = " ".join(self.taxonomy.label(f) for f in expert.fields)
        return f"{labels} {expert.expertise}"

    def pool(self) -> _Pool:
        version = self.experts.fingerprint()
        with self._lock:
            if self._pool is None or self._pool.version != version:
                experts = self.experts.all()
                texts = [self.expert_text(e) for e in experts]
                self._pool = _Pool(version, experts, texts, TfIdfPool(self.analyzer, texts))
            return self._pool

    def for_listing(self, kind: Kind, listing_id: str, limit: int = 10) -> ExpertMatches:
        return self.rank(kind, self.catalog.get(kind, listing_id), limit)

    def rank(self, kind: Kind, listing: Listing, limit: int = 10) -> ExpertMatches:
        pool = self.pool()
        text = full_text(listing)
        lexical = pool.tfidf.similarities(text)
        top = float(lexical.max()) if lexical.size else 0.0
        lexical = lexical / top if top > 0 else lexical
        dense = self._dense(pool, text)
        weights = dict(WEIGHTS)
        if dense is None:
            weights["text"] += weights.pop("dense")
        scored = []
        for i, expert in enumerate(pool.experts):
            parts = [self._text_part(float(lexical[i]), weights["text"])]
            if dense is not None:
                parts.append(_part("dense", "语义相近", float(dense[i]), weights["dense"], ""))
            parts.append(self._field_part(expert, listing.field, weights["field"]))
            parts.append(self._place_part(kind, expert, listing, weights["place"]))
            total = sum(p.contribution for p in parts)
            scored.append((total, expert, parts, i))
        scored.sort(key=lambda s: (-s[0], s[1].id))
        items = []
        for rank, (total, expert, parts, i) in enumerate(scored[:limit], start=1):
            terms = self._telling(
                kind, shared_words(self.analyzer, text, pool.texts[i], pool.tfidf)
            )
            items.append(
                ExpertMatch(
                    rank=rank,
                    score=round(total, 4),
                    expert=expert,
                    components=parts,
                    shared_terms=terms,
                    reasons=[p.note for p in parts if p.note and p.value > 0]
                    + _assigned(kind, expert, listing),
                )
            )
        return ExpertMatches(
            listing_id=listing.id, kind=kind, semantic=dense is not None, items=items
        )

    def _telling(self, kind: Kind, words: list[str]) -> list[str]:
        """Drop words common among the listings of ``kind`` (处理, 装置 …): they explain nothing."""
        if not words:
            return words
        try:
            total = self.index.count(kind.value)
            df = self.index.doc_freq(kind.value, words)
        except BackendUnavailableError:
            return words
        return [w for w in words if df.get(w, 0) <= COMMON_LISTINGS * total]

    def _dense(self, pool: _Pool, text: str) -> np.ndarray | None:
        if not pool.experts or not self.encoder.available:
            return None
        vectors = self.encoder.encode(pool.texts)
        query = self.encoder.encode_query(text)
        if vectors is None or query is None:
            return None
        norms = np.linalg.norm(vectors, axis=1) * (np.linalg.norm(query) or 1.0)
        cosine = vectors @ query / np.where(norms == 0, 1.0, norms)
        return np.clip(cosine, 0.0, 1.0)

    def _text_part(self, value: float, weight: float) -> Component:
        note = "专长描述与文本用词相近" if value >= 0.3 else ""
        return _part("text", "专长与文本", value, weight, note)

    def _field_part(self, expert: Expert, field: str, weight: float) -> Component:
        top = self.taxonomy.field(field)
        top_code = top.top if top else field
        if field in expert.fields:
            return _part("field", "领域", 1.0, weight, f"专长子领域：{self.taxonomy.label(field)}")
        if any(f.split(".")[0] == top_code for f in expert.fields):
            label = self.taxonomy.label(top_code)
            return _part("field", "领域", 0.5, weight, f"同属{label}领域")
        return _part("field", "领域", 0.0, weight, "")

    def _place_part(self, kind: Kind, expert: Expert, listing: Listing, weight: float) -> Component:
        if kind is Kind.achievement:
            value = 1.0 if ExpertRole.evaluator in expert.roles else 0.0
            return _part("place", "成果评价", value, weight, "承担成果评价" if value else "")
        region = listing.region
        if region and region in expert.counties:
            return _part("place", "服务地区", 1.0, weight, f"服务{region}")
        return _part("place", "服务地区", 0.0, weight, "")


def _part(name: str, label: str, value: float, weight: float, note: str) -> Component:
    value = round(min(max(value, 0.0), 1.0), 4)
    return Component(
        name=name,
        label=label,
        value=value,
        weight=weight,
        contribution=round(value * weight, 4),
        note=note,
    )


def _assigned(kind: Kind, expert: Expert, listing: Listing) -> list[str]:
    if kind is Kind.need and listing.organisation in expert.assigned_enterprises:
        return [f"是{listing.organisation}的科技助企秘书"]
    return []
