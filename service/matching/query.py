"""Query understanding: what a long listing is about, as a weighted lexical query.

Three steps, each reported so the explanation can show what fired:

- **key terms**: a listing's tokens weighted by tf·idf over the target catalogue (title and the
  author's keywords count double, term frequency is damped), the top terms kept and repeated by
  weight for BM25 (a repeated phrase weighs more in both backends);
- **synonyms**: the domain synonym file maps every variant to its canonical form on both sides
  at analysis time, which is query expansion to the whole group; the variants seen are listed;
- **pseudo-relevance feedback** (Rocchio): terms that are frequent in the first-pass top
  results, rare in the catalogue and absent from the query are added with a weight below 1.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from indexer.analysis import Analyzer, bm25_idf
from indexer.base import SearchIndex
from indexer.documents import full_text
from service.listings.schemas import Kind, Listing
from service.matching.lexicon import Hint

MAX_QUERY_TERMS = 48
MAX_TERM_REPEAT = 3
FEEDBACK_DOCS = 5
FEEDBACK_TERMS = 8
FEEDBACK_MIN_DOCS = 2  # a feedback term must occur in at least this many feedback documents
FEEDBACK_REPEAT = 1  # repetitions of a feedback term, against up to 2 x 3 for a key term


idf = bm25_idf


@dataclass
class QueryPlan:
    """The lexical query of a listing and the reasons for it."""

    terms: list[str]  # BM25 query tokens, repeated by weight
    weights: dict[str, float] = field(default_factory=dict)  # key term -> tf·idf weight
    expansions: list[tuple[str, str]] = field(default_factory=list)  # (as written, canonical)
    feedback_terms: list[str] = field(default_factory=list)
    hints: list[Hint] = field(default_factory=list)  # lexicon problems found, with concepts

    def key_terms(self, limit: int = 20) -> list[str]:
        return sorted(self.weights, key=lambda t: -self.weights[t])[:limit]


def plain_terms(analyzer: Analyzer, listing: Listing) -> QueryPlan:
    """Every distinct token once, as a bag-of-words BM25 baseline would query."""
    tokens = list(dict.fromkeys(analyzer.tokens(full_text(listing))))
    return QueryPlan(terms=tokens, weights=dict.fromkeys(tokens, 1.0))


def key_terms(
    analyzer: Analyzer, index: SearchIndex, listing: Listing, target: Kind, text: str | None = None
) -> QueryPlan:
    """The listing's key terms weighted by damped tf · idf over the target catalogue (``text``
    is the listing's full text when the caller has it already)."""
    text = full_text(listing) if text is None else text
    counts = Counter(analyzer.tokens(text))
    counts.update(analyzer.tokens(listing.title))
    counts.update(analyzer.tokens("、".join(listing.keywords)))
    df = index.doc_freq(target.value, list(counts))
    n = max(index.count(target.value), 1)
    weights = {
        t: (1.0 + math.log(c)) * idf(df[t], n)
        for t, c in counts.items()
        if df.get(t) and analyzer.is_key_term(t)
    }
    kept = sorted(weights, key=lambda t: (-weights[t], t))[:MAX_QUERY_TERMS]
    weights = {t: round(weights[t], 4) for t in kept}
    top = max(weights.values(), default=1.0)
    terms = [t for t in kept for _ in range(_repeat(weights[t], top))]
    return QueryPlan(terms=terms, weights=weights, expansions=analyzer.expansions(text))


def _repeat(weight: float, top: float) -> int:
    """1..MAX_TERM_REPEAT repetitions in proportion to the weight."""
    return max(1, min(MAX_TERM_REPEAT, math.ceil(MAX_TERM_REPEAT * weight / top - 1e-9)))


def feedback_terms(
    analyzer: Analyzer,
    index: SearchIndex,
    plan: QueryPlan,
    target: Kind,
    top_listings: list[Listing],
) -> list[str]:
    """Rocchio-style: the terms most typical of the first-pass top results, not in the query.

    Each top listing contributes its length-normalised term frequencies; a term's score is the
    centroid weight times its idf, and it must occur in ``FEEDBACK_MIN_DOCS`` of the listings.
    """
    centroid: dict[str, float] = {}
    spread: Counter[str] = Counter()
    for other in top_listings[:FEEDBACK_DOCS]:
        tokens = [t for t in analyzer.tokens(full_text(other)) if analyzer.is_key_term(t)]
        if not tokens:
            continue
        for term, count in Counter(tokens).items():
            centroid[term] = centroid.get(term, 0.0) + count / len(tokens)
            spread[term] += 1
    known = set(plan.terms)
    candidates = [
        t for t in centroid if t not in known and spread[t] >= FEEDBACK_MIN_DOCS and len(t) > 1
    ]
    if not candidates:
        return []
    df = index.doc_freq(target.value, candidates)
    n = max(index.count(target.value), 1)
    scored = {t: centroid[t] * idf(df.get(t, 0), n) for t in candidates}
    return sorted(scored, key=lambda t: (-scored[t], t))[:FEEDBACK_TERMS]


def with_feedback(plan: QueryPlan, terms: list[str]) -> list[str]:
    """The expanded query: key terms doubled, feedback terms once (so they weigh < 1)."""
    return [t for t in plan.terms for _ in range(2)] + [
        t for t in terms for _ in range(FEEDBACK_REPEAT)
    ]
