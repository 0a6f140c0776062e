"""Ranked counterparts of a listing, with an explanation for each.

Pipeline: query understanding (key terms, synonyms, feedback; ``query.py``) -> lexical (BM25)
and dense (cosine) candidates from the index -> reciprocal rank fusion -> structured features
-> weighted total -> explanation. ``MatchConfig`` switches parts off for the ablation; the
weights are the tuned ones stored beside the index when present (``weights.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from indexer.analysis import Analyzer
from indexer.base import Filters, Hit, SearchIndex
from indexer.documents import full_text
from indexer.embedding import SemanticEncoder
from indexer.sync import vectors_usable
from service.catalog import Catalog
from service.errors import Conflict
from service.listings.schemas import Kind, Listing, Status
from service.listings.taxonomy import Taxonomy
from service.matching.cache import ResultCache
from service.matching.features import structured_features
from service.matching.fusion import best_possible, reciprocal_rank_fusion
from service.matching.lexicon import ProblemLexicon, bridges
from service.matching.query import (
    FEEDBACK_DOCS,
    MAX_QUERY_TERMS,
    MAX_TERM_REPEAT,
    QueryPlan,
    feedback_terms,
    idf,
    key_terms,
    plain_terms,
    with_feedback,
)
from service.matching.results import Component, ListingBrief, Match, MatchList
from service.matching.weights import MatchConfig, Weights

__all__ = [
    "MAX_QUERY_TERMS",
    "MAX_TERM_REPEAT",
    "MatchConfig",
    "MatchSettings",
    "Matcher",
    "NotPublishedError",
    "Weights",
    "idf",
]


CACHE_SIZE = 4096  # match lists kept per process (keyed by the catalog's version)


class NotPublishedError(Conflict):
    """Drafts and withdrawn listings are never matched."""


@dataclass(frozen=True)
class MatchSettings:
    """The retrieval knobs of the settings that matching uses."""

    candidate_pool: int = 100
    rrf_k: int = 10


@dataclass
class Candidate:
    """One scored counterpart before ranking; ``values`` feed ``techmatch tune``."""

    total: float
    other: Any
    components: list[Component]
    mismatches: list[str]
    ranks: dict[str, int]
    values: dict[str, float]
    bridges: list[str]


def brief(listing: Listing, taxonomy: Taxonomy) -> ListingBrief:
    return ListingBrief(
        id=listing.id,
        kind=listing.kind,
        title=listing.title,
        organisation=listing.organisation,
        field=listing.field,
        field_label=taxonomy.label(listing.field),
        region=listing.region,
        maturity=listing.maturity_code,
        money_wan=listing.money,
    )


class Matcher:
    """Ranks the counterparts of a listing. ``weights`` are the tuned ones when ``tuned``."""

    def __init__(
        self,
        index: SearchIndex,
        catalog: Catalog,
        analyzer: Analyzer,
        encoder: SemanticEncoder,
        taxonomy: Taxonomy,
        settings: MatchSettings,
        weights: Weights | None = None,
        *,
        tuned: bool = False,
        config: MatchConfig | None = None,
        lexicon: ProblemLexicon | None = None,
    ) -> None:
        self.index = index
        self.catalog = catalog
        self.analyzer = analyzer
        self.encoder = encoder
        self.taxonomy = taxonomy
        self.settings = settings
        self.weights = weights or Weights()
        self.tuned = tuned
        self.config = config or MatchConfig()
        self.lexicon = lexicon or ProblemLexicon([])
        self._cache: ResultCache[MatchList] = ResultCache(catalog, index, CACHE_SIZE)

    def variant(self, weights: Weights | None = None, config: MatchConfig | None = None) -> Matcher:
        """The same matcher with other weights or parts switched off (for the ablation)."""
        return Matcher(
            self.index,
            self.catalog,
            self.analyzer,
            self.encoder,
            self.taxonomy,
            self.settings,
            weights or Weights(),
            tuned=False,
            config=config,
            lexicon=self.lexicon,
        )

    def plan(self, kind: Kind, listing: Listing) -> QueryPlan:
        """The lexical query; its key terms (tf·idf) are shown to readers either way, and a
        need's problems found in the lexicon."""
        plan = key_terms(self.analyzer, self.index, listing, kind.other)
        if self.config.query == "plain":
            plain = plain_terms(self.analyzer, listing)
            plain.weights, plain.expansions = plan.weights, plan.expansions
            plan = plain
        if kind is Kind.need and self.config.lexicon:
            plan.hints = self.lexicon.hints(full_text(listing))
        return plan

    def retrieve(
        self, kind: Kind, listing: Any, target: Kind, filters: Filters, terms: list[str]
    ) -> dict[str, list[Hit]]:
        """Candidate lists by retriever name; ``terms`` are the listing's weighted key terms."""
        pool = self.settings.candidate_pool
        lists: dict[str, list[Hit]] = {}
        if self.config.lexical:
            lists["lexical"] = self.index.lexical(target.value, terms, filters, pool)
        if self.config.dense and vectors_usable(self.index, self.encoder):
            vector = self.encoder.encode_query(full_text(listing))
            if vector is not None:
                lists["dense"] = self.index.vector(
                    target.value, vector, filters, pool, passages=self.config.passages
                )
        return lists

    def _feedback(
        self, plan: QueryPlan, lists: dict[str, list[Hit]], target: Kind, filters: Filters
    ) -> None:
        """Rocchio: re-run the lexical query expanded with terms of the first-pass top results."""
        k = self.settings.rrf_k
        first = reciprocal_rank_fusion(lists, self.weights.retrievers, k)[:FEEDBACK_DOCS]
        found = self.catalog.get_many(target, [f.id for f in first])
        top = [found[f.id] for f in first if f.id in found]
        plan.feedback_terms = feedback_terms(self.analyzer, self.index, plan, target, top)
        if plan.feedback_terms:
            pool = self.settings.candidate_pool
            expanded = with_feedback(plan, plan.feedback_terms)
            lists["lexical"] = self.index.lexical(target.value, expanded, filters, pool)

    def candidates(
        self, kind: Kind, listing: Any
    ) -> tuple[QueryPlan, dict[str, list[Hit]], list[Candidate]]:
        """Every fused candidate, scored and explained, best first."""
        if listing.status != Status.published:
            raise NotPublishedError(
                f"{kind.value} {listing.id!r} is {listing.status.value}; only published "
                "listings are matched"
            )
        target = kind.other
        plan = self.plan(kind, listing)
        filters = Filters(exclude_ids=(listing.id,))
        lists = self.retrieve(kind, listing, target, filters, plan.terms)
        use_feedback = self.config.feedback and self.config.query != "plain"
        if use_feedback and self.config.lexical:
            self._feedback(plan, lists, target, filters)
        k = self.settings.rrf_k
        fused = reciprocal_rank_fusion(lists, self.weights.retrievers, k)
        top = best_possible(list(lists), self.weights.retrievers, k)
        found = self.catalog.get_many(target, [f.id for f in fused])
        text_weight = self.weights.text if self.config.features else 1.0
        out: list[Candidate] = []
        evidence = _evidence(lists)
        for item in fused:
            other = found.get(item.id)
            if other is None or other.status != Status.published:
                continue
            need, achievement = (listing, other) if kind is Kind.need else (other, listing)
            values = {r: (k + 1) / (k + rank) for r, rank in item.ranks.items()}
            values.update({name: found_in.get(item.id, 0.0) for name, found_in in evidence.items()})
            pair_bridges = self._bridges(kind, plan, need, achievement)
            values["lexicon"] = min(1.0, len(pair_bridges) / 2)
            components = [
                Component(
                    name="text",
                    label="文本相关度",
                    value=round(item.score / top, 4),
                    weight=text_weight,
                    contribution=round(text_weight * item.score / top, 4),
                    note=_retrieval_note(item.ranks),
                )
            ]
            components += self._evidence_components(values, pair_bridges)
            mismatches = []
            for feature in structured_features(need, achievement, self.taxonomy):
                values[feature.name] = feature.value
                if feature.mismatch:
                    mismatches.append(feature.mismatch)  # shown even when it weighs nothing
                if not self.config.features:
                    continue
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
            total = sum(c.contribution for c in components)
            out.append(
                Candidate(total, other, components, mismatches, item.ranks, values, pair_bridges)
            )
        out.sort(key=lambda s: (-s.total, s.other.id))
        return plan, lists, out

    def _bridges(self, kind: Kind, plan: QueryPlan, need: Any, achievement: Any) -> list[str]:
        """The pair's lexicon bridges: a problem the need states → a concept the achievement
        uses (the need's problems are the plan's when the need is the source)."""
        if not self.config.lexicon:
            return []
        hints = plan.hints if kind is Kind.need else self.lexicon.hints(full_text(need))
        return bridges(hints, full_text(achievement)) if hints else []

    def _evidence_components(
        self, values: dict[str, float], pair_bridges: list[str]
    ) -> list[Component]:
        """The raw text evidence (BM25 score, cosine, lexicon bridges) as weighted components,
        when weighted."""
        out = []
        for name, label, note in EVIDENCE_LABELS:
            w = self.weights.of(name) if self.config.features else 0.0
            if w <= 0 or name not in values:
                continue
            if name == "lexicon" and pair_bridges:
                note = "；".join(pair_bridges)
            value = round(values[name], 4)
            out.append(Component(name=name, label=label, value=value, weight=w,
                                 contribution=round(w * value, 4), note=note))  # fmt: skip
        return out

    def match(self, kind: Kind, listing_id: str, limit: int = 10) -> MatchList:
        """The counterparts of a stored listing, cached until any listing changes or the index
        is rebuilt (a new generation)."""
        return self._cache.get(
            (kind, listing_id, limit),
            lambda: self.match_listing(kind, self.catalog.get(kind, listing_id), limit),
        )

    def match_listing(self, kind: Kind, listing: Any, limit: int = 10) -> MatchList:
        """Rank the counterparts of a listing object (stored, or an unsaved preview)."""
        plan, lists, scored = self.candidates(kind, listing)
        target = kind.other
        source_words = set(self.analyzer.content_words(full_text(listing)))
        passages = self._best_passages(listing, lists, target, [c.other.id for c in scored[:limit]])
        matches = [
            Match(
                **brief(c.other, self.taxonomy).model_dump(),
                rank=rank,
                score=round(c.total, 4),
                components=c.components,
                shared_terms=self.shared_terms(source_words, target, c.other),
                bridges=c.bridges,
                mismatches=c.mismatches,
                retrieval=c.ranks,
                best_passage=passages.get(c.other.id),
            )
            for rank, c in enumerate(scored[:limit], start=1)
        ]
        notice = None
        if "dense" not in lists and self.config.dense:
            notice = "语义匹配未启用：" + (self.encoder.status.reason or "索引中没有向量")
        return MatchList(
            source=brief(listing, self.taxonomy),
            semantic="dense" in lists,
            notice=notice,
            expansions=[f"{a}→{b}" for a, b in plan.expansions],
            query_terms=plan.key_terms(20),
            feedback_terms=plan.feedback_terms,
            lexicon=[h.label() for h in plan.hints],
            weights_tuned=self.tuned,
            matches=matches,
        )

    def _best_passages(
        self, listing: Any, lists: dict[str, list[Hit]], target: Kind, ids: list[str]
    ) -> dict[str, str]:
        """Each match's passage (title or sentence) closest to the source, for the explanation."""
        if "dense" not in lists or not (self.index.stores_passages and self.config.passages):
            return {}
        vector = self.encoder.encode_query(full_text(listing))  # from the cache
        if vector is None:
            return {}
        found = self.index.best_passages(target.value, vector, ids)
        return {listing_id: hit.text for listing_id, hit in found.items()}

    def shared_terms(self, source_words: set[str], target: Kind, other: Any) -> list[str]:
        """Content words both listings use (``Analyzer.content_words``: no single characters,
        numbers, function words or fragments), rarest (most telling) first."""
        common = source_words & set(self.analyzer.content_words(full_text(other)))
        if not common:
            return []
        df = self.index.doc_freq(target.value, list(common))
        return sorted(common, key=lambda t: (df.get(t, 0), t))[:8]


EVIDENCE_LABELS = (
    ("bm25", "关键词吻合度", "BM25 得分与本次最高分之比"),
    ("cosine", "语义相似度", "需求与成果文本向量的余弦相似度（全文与最接近的一句）"),
    ("lexicon", "问题与技术对应", "需求所述问题在成果中有对应技术"),
)


def _evidence(lists: dict[str, list[Hit]]) -> dict[str, dict[str, float]]:
    """Per candidate: the BM25 score scaled by the list's best, and the (non-negative) cosine."""
    out: dict[str, dict[str, float]] = {}
    lexical = lists.get("lexical", [])
    if lexical:
        best = max(h.score for h in lexical) or 1.0
        out["bm25"] = {h.id: h.score / best for h in lexical}
    if "dense" in lists:
        out["cosine"] = {h.id: max(h.score, 0.0) for h in lists["dense"]}
    return out


def _retrieval_note(ranks: dict[str, int]) -> str:
    names = {"lexical": "关键词检索", "dense": "语义检索"}
    parts = [f"{names.get(s, s)}第{r}名" for s, r in sorted(ranks.items())]
    return "，".join(parts) if parts else "未被检索到"
