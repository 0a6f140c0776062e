"""Finding needs that share a technical core: agglomerative clustering over how alike the needs
are (``grouping_similarity``: their words and, when a model is loaded, the encoder's vectors of
the whole need, and of the whole need and its sentences aligned one to one with the words of
the enterprise's name — its product — taken out).

scikit-learn's ``AgglomerativeClustering`` (average linkage, precomputed distances) cuts the tree
at a distance fitted by cross-validation over folds of the reference groups
(``techmatch common-needs --evaluate``): ``THRESHOLD`` with a model, ``LEXICAL_THRESHOLD``
without one. A group keeps only clusters with needs of at least two enterprises.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from indexer.analysis import Analyzer
from indexer.embedding import SemanticEncoder
from indexer.terms import TermExtractor
from service.programmes.common_needs.grouping_similarity import NeedSimilarity

THRESHOLD = 0.74
"""Average-linkage distance at which the tree is cut when a model is loaded: the median of the
cuts fitted on the training folds of the reference groups (seed_data/gold/common-needs.tsv,
3 folds × 10 shuffles; ``techmatch common-needs --evaluate`` prints it)."""
LEXICAL_THRESHOLD = 0.78
"""The same, fitted on the word cosine alone (no model configured)."""
METHOD = (
    "words+whole(query)+without product: whole, sentences aligned (query); "
    f"average {THRESHOLD}/{LEXICAL_THRESHOLD}"
)
"""Names how needs are compared and cut; stored proposals made another way are regrouped."""
KEY_TERMS = 6
_CJK = re.compile("[\u4e00-\u9fff]")
_NUMERIC = re.compile(r"\d|万|年|个|吨|平方")


@dataclass
class Proposal:
    """One proposed group: member need ids (best connected first) and its key terms."""

    need_ids: list[str]
    key_terms: list[str]
    cohesion: float  # mean pairwise similarity of the members
    title: str = ""
    similarities: dict[str, float] = field(default_factory=dict)


TITLE_MAX_CHARS = 16  # a generated title is a short phrase, not a list


def name_from_terms(terms: Sequence[str]) -> str:
    """A short technical phrase from the group's heaviest technical terms: "漏板、拉丝与断丝",
    "胺液与有机硫" (at most three terms and ``TITLE_MAX_CHARS`` characters)."""
    chosen: list[str] = []
    for term in terms[:3]:
        if len("".join([*chosen, term])) + len(chosen) > TITLE_MAX_CHARS:
            break
        chosen.append(term)
    if not chosen:
        return "未命名共性需求"
    if len(chosen) == 1:
        return chosen[0]
    return "、".join(chosen[:-1]) + "与" + chosen[-1]


class NeedGrouper:
    """Groups needs; ``similarity`` and ``cluster`` are separate so evaluation can sweep."""

    def __init__(
        self,
        analyzer: Analyzer,
        encoder: SemanticEncoder,
        threshold: float | None = None,
        terms: TermExtractor | None = None,
    ) -> None:
        """``threshold``: a cut of one's own (evaluation); None: the one fitted for the mode."""
        self.analyzer = analyzer
        self.encoder = encoder
        self.similarities = NeedSimilarity(analyzer, encoder)
        self._threshold = threshold
        self.terms = terms or TermExtractor.for_analyzer(analyzer)

    @property
    def semantic(self) -> bool:
        return self.encoder.available

    @property
    def threshold(self) -> float:
        """The cut in use: the one given, else the one fitted with or without a model."""
        if self._threshold is not None:
            return self._threshold
        return THRESHOLD if self.semantic else LEXICAL_THRESHOLD

    def words(self, need: Any) -> list[str]:
        return self.similarities.words(need)

    def similarity(self, needs: Sequence[Any]) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Pairwise similarity, the vocabulary and the tf-idf matrix (rows L2-normalised)."""
        signals = self.similarities.signals(needs)
        return signals.blended(), signals.vocabulary, signals.matrix

    def group(self, needs: Sequence[Any], threshold: float | None = None) -> list[Proposal]:
        """Proposed groups of ``needs`` (published needs of any enterprise), biggest first."""
        if len(needs) < 2:
            return []
        sim, vocab, matrix = self.similarity(needs)
        labels = cluster(sim, self.threshold if threshold is None else threshold)
        out = []
        for members in _members(labels):
            if len({needs[i].organisation for i in members}) < 2:
                continue
            out.append(self._proposal(needs, members, sim, vocab, matrix))
        out.sort(key=lambda p: (-len(p.need_ids), -p.cohesion))
        return out

    def _keyword_terms(self, members: Sequence[Any]) -> list[str]:
        """Technical terms of the members' keywords, the most used first."""
        counts: Counter[str] = Counter()
        for need in members:
            for keyword in need.keywords:
                counts.update(set(self.terms.terms(keyword)))
        return [t for t, _ in counts.most_common()]

    def _proposal(
        self,
        needs: Sequence[Any],
        members: list[int],
        sim: np.ndarray,
        vocab: list[str],
        matrix: np.ndarray,
    ) -> Proposal:
        block = sim[np.ix_(members, members)]
        centrality = (block.sum(axis=1) - 1) / max(len(members) - 1, 1)
        order = [members[i] for i in np.argsort(-centrality, kind="stable")]
        rows = matrix[members]
        shared = (rows > 0).sum(axis=0) >= 2
        weight = rows.sum(axis=0) * shared
        titles = "".join(needs[i].title for i in members)
        weight = weight * np.array([2.0 if term in titles else 1.0 for term in vocab])
        ranked = [vocab[j] for j in np.argsort(-weight, kind="stable") if weight[j] > 0]
        terms = _telling([t for t in ranked if self.terms.is_term(t)])
        if len(terms) < 2:  # few shared terms: the members' own keywords that are terms
            terms = _telling([*terms, *self._keyword_terms([needs[i] for i in order])])
        pairs = block[np.triu_indices(len(members), 1)]
        return Proposal(
            need_ids=[needs[i].id for i in order],
            key_terms=terms,
            cohesion=round(float(pairs.mean()), 4),
            title=name_from_terms(terms),
            similarities={
                needs[m].id: round(float(c), 4) for m, c in zip(members, centrality, strict=True)
            },
        )


def _telling(terms: Sequence[str]) -> list[str]:
    """The heaviest terms that can name a group: words of two or more characters with a
    Chinese character, none contained in a heavier one (麻鸭 keeps 鸭 out)."""
    out: list[str] = []
    for term in terms:
        if len(term) < 2 or not _CJK.search(term) or _NUMERIC.search(term):
            continue
        if any(term in kept or kept in term for kept in out):
            continue
        out.append(term)
        if len(out) == KEY_TERMS:
            break
    return out


def cluster(sim: np.ndarray, threshold: float, linkage: str = "average") -> np.ndarray:
    """Clusters of a similarity matrix (average linkage unless told), cut at distance
    ``threshold`` (1 − similarity)."""
    from sklearn.cluster import AgglomerativeClustering

    distance = np.clip(1.0 - sim, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage=linkage, distance_threshold=threshold
    )
    labels: np.ndarray = model.fit(distance).labels_
    return labels


def _members(labels: np.ndarray) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return [m for m in groups.values() if len(m) >= 2]
