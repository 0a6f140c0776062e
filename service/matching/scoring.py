"""What the matcher scores a candidate with, and the pieces of its explanation that do not
need the matcher: the candidate record, a listing's brief, the evidence values of the
retrieval lists and the retrieval note."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from indexer.analysis import normalise
from indexer.base import Hit, SearchIndex
from indexer.documents import full_text
from indexer.terms import TermExtractor
from service.catalog.feeds import CandidateFacts
from service.listings.schemas import Kind, Listing
from service.listings.taxonomy import Taxonomy
from service.matching.analysed import Analysed, Shelf
from service.matching.calibration import Tier
from service.matching.results import Component, ListingBrief

Part = tuple[str, str, float, float, float, str]
"""A component before it is shown: name, label, value, weight, contribution, note."""


@dataclass
class Candidate:
    """One scored counterpart before ranking; ``values`` feed ``techmatch tune``. Scoring reads
    the candidate's ``facts``; its whole listing (``other``) is loaded when first asked for."""

    total: float
    facts: CandidateFacts
    parts: list[Part]  # what ``components`` are made of
    mismatches: list[str]
    ranks: dict[str, int]
    values: dict[str, float]
    bridges: list[str]
    shelf: Shelf
    probability: float | None = None  # calibrated (``calibration.py``); None: no calibration
    tier: Tier | None = None
    _components: list[Component] | None = None

    @property
    def id(self) -> str:
        return self.facts.id

    @property
    def components(self) -> list[Component]:
        """The score's parts as shown (made only for candidates someone looks at)."""
        if self._components is None:
            self._components = [_component(*p) for p in self.parts]
        return self._components

    @property
    def other(self) -> Any:
        return self.shelf.get(self.facts.id)


def _component(
    name: str, label: str, value: float, weight: float, contribution: float, note: str
) -> Component:
    return Component(
        name=name, label=label, value=value, weight=weight, contribution=contribution, note=note
    )


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


EVIDENCE_LABELS = (
    ("bm25", "关键词吻合度", "BM25 得分与本次最高分之比"),
    ("cosine", "语义相似度", "需求与成果文本向量的余弦相似度（全文与最接近的一句）"),
    ("lexicon", "问题与技术对应", "需求所述问题在成果中有对应技术"),
)


def evidence(lists: dict[str, list[Hit]]) -> dict[str, dict[str, float]]:
    """Per candidate: the BM25 score scaled by the list's best, and the (non-negative) cosine."""
    out: dict[str, dict[str, float]] = {}
    lexical = lists.get("lexical", [])
    if lexical:
        best = max(h.score for h in lexical) or 1.0
        out["bm25"] = {h.id: h.score / best for h in lexical}
    if "dense" in lists:
        out["cosine"] = {h.id: max(h.score, 0.0) for h in lists["dense"]}
    return out


def retrieval_note(ranks: dict[str, int]) -> str:
    names = {"lexical": "关键词检索", "dense": "语义检索"}
    parts = [f"{names.get(s, s)}第{r}名" for s, r in sorted(ranks.items())]
    return "，".join(parts) if parts else "未被检索到"


def shared_terms(
    terms: TermExtractor, index: SearchIndex, source_words: set[str], target: Kind,
    others: list[Any],
) -> dict[str, list[str]]:  # fmt: skip
    """The technical terms each of ``others`` shares with the source (``TermExtractor.terms``:
    no generic or colloquial word, no fragment), rarest (most telling) first, with one look-up
    of document frequencies."""
    common: dict[str, set[str]] = {}
    for other in others:
        text = full_text(other)
        written = normalise(text)  # a term inside a longer one counts: 脱硫 in 胺法脱硫
        found = source_words & set(terms.terms(text))
        common[other.id] = found | {w for w in source_words if w in written}
    words = sorted(set().union(*common.values())) if common else []
    df = index.doc_freq(target.value, words) if words else {}
    return {lid: sorted(c, key=lambda t: (df.get(t, 0), t))[:8] for lid, c in common.items()}


def best_passages(
    index: SearchIndex, source: Analysed, target: Kind, ids: list[str]
) -> dict[str, str]:
    """Each match's passage (title or sentence) closest to the source, for the explanation."""
    vector = source.vector()
    if vector is None:
        return {}
    found = index.best_passages(target.value, vector, ids)
    return {listing_id: hit.text for listing_id, hit in found.items()}
