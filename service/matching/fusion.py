"""Reciprocal rank fusion of the lexical and dense candidate lists.

Why RRF: BM25 scores are unbounded and depend on the query's length, cosine scores sit in a
narrow band that depends on the model; RRF uses ranks only, so it needs no calibration between
the two and behaves the same whichever model or backend is configured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from indexer.base import Hit


@dataclass
class Fused:
    id: str
    score: float = 0.0
    ranks: dict[str, int] = field(default_factory=dict)  # source name -> 1-based rank


def reciprocal_rank_fusion(
    lists: Mapping[str, Sequence[Hit]], weights: Mapping[str, float], k: int = 60
) -> list[Fused]:
    """Fuse ranked lists; an item's score is the weighted sum of 1 / (k + rank)."""
    fused: dict[str, Fused] = {}
    for source, hits in lists.items():
        weight = weights.get(source, 1.0)
        for rank, hit in enumerate(hits, start=1):
            item = fused.setdefault(hit.id, Fused(hit.id))
            item.score += weight / (k + rank)
            item.ranks[source] = rank
    return sorted(fused.values(), key=lambda f: (-f.score, f.id))


def best_possible(sources: Sequence[str], weights: Mapping[str, float], k: int = 60) -> float:
    """The score of an item ranked first by every source: used to scale scores to [0, 1]."""
    return sum(weights.get(s, 1.0) / (k + 1) for s in sources) or 1.0
