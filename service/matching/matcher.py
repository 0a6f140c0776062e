"""Ranked counterparts of a listing, with an explanation for each.

Pipeline: query understanding (key terms, synonyms, feedback; ``query.py``) -> lexical (BM25)
and dense (cosine) candidates from the index -> reciprocal rank fusion -> structured features
-> weighted total -> explanation. ``MatchConfig`` switches parts off for the ablation; the
weights are the tuned ones stored beside the index when present (``weights.py``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from indexer.analysis import Analyzer
from indexer.base import Filters, Hit, SearchIndex
from indexer.documents import full_text
from indexer.embedding import SemanticEncoder
from indexer.sync import vectors_usable
from indexer.terms import TermExtractor
from service.catalog import Catalog
from service.catalog.feeds import CandidateFacts
from service.errors import Conflict
from service.listings.schemas import Kind, Listing, Status
from service.listings.taxonomy import Taxonomy
from service.matching.analysed import Analysed, Shelf
from service.matching.cache import ResultCache, index_generation
from service.matching.calibration import Calibration, Calibrations, order
from service.matching.features import feature_table
from service.matching.fusion import best_possible, reciprocal_rank_fusion
from service.matching.kept import KeptMatches, stamp_text
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
from service.matching.results import Match, MatchList
from service.matching.scoring import (
    EVIDENCE_LABELS,
    Candidate,
    Part,
    best_passages,
    brief,
    evidence,
    retrieval_note,
    shared_terms,
)
from service.matching.weights import MatchConfig, Weights

__all__ = [
    "MAX_QUERY_TERMS",
    "MAX_TERM_REPEAT",
    "Candidate",
    "MatchConfig",
    "MatchSettings",
    "Matcher",
    "NotPublishedError",
    "Weights",
    "brief",
    "idf",
]


CACHE_SIZE = 4096  # match lists kept per process (keyed by the catalog's version)
KEPT_SIZE = 20  # matches in a kept list: pages show 10, a common need fuses its members' 20


class NotPublishedError(Conflict):
    """Drafts and withdrawn listings are never matched."""


@dataclass(frozen=True)
class MatchSettings:
    """The retrieval knobs of the settings that matching uses."""

    candidate_pool: int = 100
    rrf_k: int = 10


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
        kept: KeptMatches | None = None,
        terms: TermExtractor | None = None,
        calibrations: Calibrations | None = None,
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
        self.kept = kept  # lists shared by every process (the tuned matcher's only)
        self._features = feature_table(taxonomy)
        self.terms = terms or TermExtractor.for_analyzer(analyzer)
        self.calibrations = calibrations or Calibrations({})
        calibrated = json.dumps(self.calibrations.to_dict(), sort_keys=True)
        self._calibrated = hashlib.sha256(calibrated.encode()).hexdigest()[:12]
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
            terms=self.terms,
            calibrations=self.calibrations,
        )

    def analyse(self, listing: Any) -> Analysed:
        """The source listing as one request reads it (text, words, vector: each made once)."""
        return (
            listing
            if isinstance(listing, Analysed)
            else Analysed(listing, self.encoder, self.terms)
        )

    def plan(self, kind: Kind, listing: Listing | Analysed) -> QueryPlan:
        """The lexical query; its key terms (tf·idf) are shown to readers either way, and a
        need's problems found in the lexicon."""
        source = self.analyse(listing)
        plan = key_terms(self.analyzer, self.index, source.listing, kind.other, text=source.text)
        if self.config.query == "plain":
            plain = plain_terms(self.analyzer, source.listing)
            plain.weights, plain.expansions = plan.weights, plan.expansions
            plan = plain
        if kind is Kind.need and self.config.lexicon:
            plan.hints = self.lexicon.hints(source.text)
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
            vector = self.analyse(listing).vector()
            if vector is not None:
                lists["dense"] = self.index.vector(
                    target.value, vector, filters, pool, passages=self.config.passages
                )
        return lists

    def _feedback(
        self,
        plan: QueryPlan,
        lists: dict[str, list[Hit]],
        target: Kind,
        filters: Filters,
        shelf: Shelf,
    ) -> None:
        """Rocchio: re-run the lexical query expanded with terms of the first-pass top results."""
        k = self.settings.rrf_k
        first = reciprocal_rank_fusion(lists, self.weights.retrievers, k)[:FEEDBACK_DOCS]
        found = shelf.many([f.id for f in first])
        top = [found[f.id] for f in first if f.id in found]
        plan.feedback_terms = feedback_terms(self.analyzer, self.index, plan, target, top)
        if plan.feedback_terms:
            pool = self.settings.candidate_pool
            expanded = with_feedback(plan, plan.feedback_terms)
            lists["lexical"] = self.index.lexical(target.value, expanded, filters, pool)

    def candidates(
        self, kind: Kind, listing: Any, *, every_value: bool = False
    ) -> tuple[QueryPlan, dict[str, list[Hit]], list[Candidate]]:
        """Every fused candidate, scored, best first. Candidates are scored on a few catalog
        columns (``CandidateFacts``); lexicon bridges are found for each only when they weigh
        or ``every_value`` asks for every component value (tuning), else for the shown ones."""
        source = self.analyse(listing)
        listing = source.listing
        if listing.status != Status.published:
            raise NotPublishedError(
                f"{kind.value} {listing.id!r} is {listing.status.value}; only published "
                "listings are matched"
            )
        target = kind.other
        plan = self.plan(kind, source)
        filters = Filters(exclude_ids=(listing.id,))
        lists = self.retrieve(kind, source, target, filters, plan.terms)
        shelf = Shelf(self.catalog, target)
        use_feedback = self.config.feedback and self.config.query != "plain"
        if use_feedback and self.config.lexical:
            self._feedback(plan, lists, target, filters, shelf)
        k = self.settings.rrf_k
        fused = reciprocal_rank_fusion(lists, self.weights.retrievers, k)
        top = best_possible(list(lists), self.weights.retrievers, k)
        facts = self.catalog.candidate_facts(target, [f.id for f in fused])
        shelf.rank([f.id for f in fused if f.id in facts])
        text_weight = self.weights.text if self.config.features else 1.0
        bridged = self.config.lexicon and (every_value or self.weights.of("lexicon") > 0)
        found_by = evidence(lists)
        source_key = self._features.side(listing, kind is Kind.need)
        out: list[Candidate] = []
        for item in fused:
            other = facts.get(item.id)
            if other is None or not other.is_published:
                continue
            values = {r: (k + 1) / (k + rank) for r, rank in item.ranks.items()}
            values.update({name: found_in.get(item.id, 0.0) for name, found_in in found_by.items()})
            pair_bridges = self._bridges(kind, plan, source, shelf.get(item.id)) if bridged else []
            values["lexicon"] = min(1.0, len(pair_bridges) / 2)
            value = round(item.score / top, 4)
            parts: list[Part] = [("text", "文本相关度", value, text_weight,
                                  round(text_weight * item.score / top, 4),
                                  retrieval_note(item.ranks))]  # fmt: skip
            parts += self._evidence_parts(values, pair_bridges)
            mismatches = self._structured(source_key, other, values, parts)
            total = sum(p[4] for p in parts)
            out.append(Candidate(total, other, parts, mismatches, item.ranks, values,
                                 pair_bridges, shelf))  # fmt: skip
        out.sort(key=lambda s: (-s.total, s.id))
        calibration, _ = self.calibration_for(lists)
        if calibration is not None:
            for c in out:
                c.probability = calibration.probability(c.values)
                c.tier = calibration.tier(c.probability)
            out = order(out) if self.config.ordered else out
        return plan, lists, out

    def calibration_for(self, lists: dict[str, list[Hit]]) -> tuple[Calibration | None, str | None]:
        """The calibration for lists retrieved this way, and a notice when it is a fallback."""
        return self.calibrations.choose("dense" in lists, self.encoder.model_name)

    def _structured(
        self,
        source_key: tuple[Any, ...],
        other: CandidateFacts,
        values: dict[str, float],
        parts: list[Part],
    ) -> list[str]:
        """The pair's structured features: values recorded, parts appended when they weigh;
        returns what does not fit (shown even when it weighs nothing)."""
        other_key = self._features.side(other, other.kind is Kind.need)
        need, achievement = (other_key, source_key) if other.kind is Kind.need else (
            source_key, other_key)  # fmt: skip
        mismatches = []
        for feature in self._features.pair(need, achievement):
            values[feature.name] = feature.value
            if feature.mismatch:
                mismatches.append(feature.mismatch)
            if self.config.features:
                w = self.weights.of(feature.name)
                parts.append((feature.name, feature.label, feature.value, w,
                              round(w * feature.value, 4), feature.note))  # fmt: skip
        return mismatches

    def _bridges(self, kind: Kind, plan: QueryPlan, source: Analysed, other: Any) -> list[str]:
        """The pair's lexicon bridges: a problem the need states → a concept the achievement
        uses (the need's problems are the plan's when the need is the source)."""
        if not self.config.lexicon:
            return []
        if kind is Kind.need:
            hints, achievement_text = plan.hints, full_text(other)
        else:
            hints, achievement_text = self.lexicon.hints(full_text(other)), source.text
        return bridges(hints, achievement_text) if hints else []

    def _evidence_parts(self, values: dict[str, float], pair_bridges: list[str]) -> list[Part]:
        """The raw text evidence (BM25 score, cosine, lexicon bridges) as weighted parts, when
        weighted."""
        out: list[Part] = []
        for name, label, note in EVIDENCE_LABELS:
            w = self.weights.of(name) if self.config.features else 0.0
            if w <= 0 or name not in values:
                continue
            if name == "lexicon" and pair_bridges:
                note = "；".join(pair_bridges)
            value = round(values[name], 4)
            out.append((name, label, value, w, round(w * value, 4), note))
        return out

    def match(self, kind: Kind, listing_id: str, limit: int = 10) -> MatchList:
        """The counterparts of a stored listing, valid until the listing itself or any listing
        of the other kind changes or the index is rebuilt (``list_stamp``): from this process's
        cache, else the kept lists of the catalog (computed in the background after each
        change), else computed and kept. Up to ``KEPT_SIZE`` matches are a cut of the one kept
        list of that size (the ranking does not depend on how many are shown)."""
        stamp = self.list_stamp(kind, listing_id)
        size = max(limit, KEPT_SIZE)
        found = self._cache.get(
            (kind, listing_id, size), lambda: self._kept(kind, listing_id, size, stamp), stamp
        )
        if limit == size:
            return found
        return found.model_copy(update={"matches": found.matches[:limit]})

    def list_stamp(self, kind: Kind, listing_id: str, updated: Any = None) -> tuple[Hashable, ...]:
        """What a listing's match list depends on: the other kind's listings (the candidates,
        their statistics and vectors), the index generation and the listing's own last change
        (``updated``, when the caller has read it). A new need leaves every other need's list
        valid; it changes the achievements' lists, where it may appear."""
        version = dict(zip(Kind, self.catalog.version(), strict=True))
        if updated is None:
            updated = self.catalog.updated_times(kind, [listing_id]).get(listing_id)
        return (version[kind.other], index_generation(self.index), updated)

    def kept_texts(self, kind: Kind, updated: Mapping[str, Any]) -> dict[str, str]:
        """The stamps the kept lists of these listings (id → last change) carry when current:
        ``list_stamp`` with the weights, read once for all of them."""
        other = dict(zip(Kind, self.catalog.version(), strict=True))[kind.other]
        generation, mark = index_generation(self.index), self.mark()
        return {i: stamp_text((other, generation, at, mark)) for i, at in updated.items()}

    def mark(self) -> str:
        """What else a kept list depends on: the weights, the pipeline's switches and the
        calibration (its digest made once: the calibration never changes in a matcher)."""
        made_of = f"{sorted(self.weights.to_dict().items())}{self.config}{self._calibrated}"
        return hashlib.sha256(made_of.encode()).hexdigest()[:12]

    def _kept(self, kind: Kind, listing_id: str, limit: int, stamp: tuple[Any, ...]) -> MatchList:
        if self.kept is None:
            return self.match_listing(kind, self.catalog.get(kind, listing_id), limit)
        text = stamp_text((*stamp, self.mark()))
        found = self.kept.get(kind, listing_id, limit, text)
        if found is None:
            found = self.match_listing(kind, self.catalog.get(kind, listing_id), limit)
            self.kept.put_later(kind, listing_id, limit, text, found)
        return found

    def match_listing(self, kind: Kind, listing: Any, limit: int = 10) -> MatchList:
        """Rank the counterparts of a listing object (stored, or an unsaved preview)."""
        source = self.analyse(listing)
        plan, lists, scored = self.candidates(kind, source)
        target = kind.other
        shown = scored[:limit]
        others = shown[0].shelf.many([c.id for c in shown]) if shown else {}
        shown_others = [others[c.id] for c in shown]
        shared = shared_terms(self.terms, self.index, source.words, target, shown_others)
        wanted = self.index.stores_passages and self.config.passages and "dense" in lists
        passages = (
            best_passages(self.index, source, target, [c.id for c in shown]) if wanted else {}
        )
        matches = [
            Match(
                **brief(others[c.id], self.taxonomy).model_dump(),
                rank=rank,
                score=round(c.total, 4),
                probability=c.probability,
                tier=c.tier,
                components=c.components,
                shared_terms=shared[c.id],
                bridges=c.bridges or self._bridges(kind, plan, source, others[c.id]),
                mismatches=c.mismatches,
                retrieval=c.ranks,
                best_passage=passages.get(c.id),
            )
            for rank, c in enumerate(shown, start=1)
        ]
        notice = None
        if "dense" not in lists and self.config.dense:
            notice = "语义匹配未启用：" + (self.encoder.status.reason or "索引中没有向量")
        return MatchList(
            source=brief(source.listing, self.taxonomy),
            semantic="dense" in lists,
            notice=notice,
            expansions=[f"{a}→{b}" for a, b in plan.expansions],
            query_terms=plan.key_terms(20),
            feedback_terms=plan.feedback_terms,
            lexicon=[h.label() for h in plan.hints],
            weights_tuned=self.tuned,
            calibration=self.calibration_for(lists)[1],
            matches=matches,
        )
