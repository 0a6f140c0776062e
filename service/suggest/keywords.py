"""Keyword suggestion: a text's key terms, weighted by tf·idf against a corpus.

Candidates are the technical terms of the text (``indexer.terms.TermExtractor``: never a
generic or colloquial word such as 省点 or 烫手, nor a fragment such as 厂烧天然气; synonyms
mapped to their canonical form) plus two terms written contiguously in the text at least
twice (authors' keywords are often such compounds: 玄武岩纤维 + 复合筋). A word in no
dictionary counts only when ``UNKNOWN_MIN_DF`` listings use it. Weight = term frequency
(title words count ``TITLE_WEIGHT`` times) × idf from the corpus' document frequencies,
boosted for longer terms and for terms of the domain dictionary. Plain tf·idf was chosen over
TextRank because it is transparent, deterministic and measured better on csl-dev in trials.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from indexer.analysis import Analyzer, bm25_idf, normalise
from indexer.terms import TermExtractor

TITLE_WEIGHT = 3.0
PHRASE_MIN_COUNT = 2
PHRASE_MAX_CHARS = 10
DICTIONARY_BOOST = 1.2
LENGTH_BOOST = 0.15  # per character beyond two, up to three characters
DEFAULT_LIMIT = 8
UNKNOWN_MIN_DF = 2  # listings of the corpus that must use a word no dictionary knows
_CLAUSE = re.compile(r"[，。；：、！？,.;:!?()（）\[\]【】“”\"'《》<>\s]+")
_NUMBER = re.compile(r"^[\d.,%~+\-×/]+[a-zμ%℃°]*$")


@dataclass
class DocumentFrequencies:
    """How many documents of a corpus contain each word."""

    counts: Counter[str] = field(default_factory=Counter)
    documents: int = 0

    def add(self, words: Iterable[str]) -> None:
        self.counts.update(set(words))
        self.documents += 1

    def idf(self, term: str) -> float:
        df = self.counts.get(term, 0)
        return bm25_idf(df, self.documents)


def _length_boost(term: str) -> float:
    return 1.0 + LENGTH_BOOST * min(max(len(term) - 2, 0), 3)


class KeywordExtractor:
    """Ranks a text's key terms; ``frequencies`` is the corpus the idf comes from."""

    def __init__(
        self,
        analyzer: Analyzer,
        frequencies: DocumentFrequencies,
        terms: TermExtractor | None = None,
    ) -> None:
        self.analyzer = analyzer
        self.frequencies = frequencies
        self.terms = terms or TermExtractor.for_analyzer(analyzer)

    @cached_property
    def dictionary(self) -> frozenset[str]:
        """Domain dictionary terms and canonical synonyms (preferred as keywords)."""
        path = self.analyzer.resources.dictionary
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        terms = {
            normalise(line.split()[0])
            for line in lines
            if line.strip() and not line.lstrip().startswith("#")
        }
        return frozenset(terms | set(self.analyzer.synonyms.values()))

    def words(self, text: str) -> list[str]:
        """Candidate words of a text (what document frequencies are counted over)."""
        return [w for w in self.terms.terms(text) if self.acceptable(w)]

    def acceptable(self, term: str) -> bool:
        """At least two characters, not a number or measurement, not stop word/boilerplate."""
        return len(term) >= 2 and not _NUMBER.match(term) and self.analyzer.is_key_term(term)

    def phrases(self, text: str) -> Counter[str]:
        """Two consecutive terms written together in the text, counted per occurrence."""
        found: Counter[str] = Counter()
        for clause in _CLAUSE.split(normalise(text)):
            parts = self.terms.terms(clause) if clause else []
            for left, right in itertools.pairwise(parts):
                phrase = left + right
                if (
                    len(phrase) <= PHRASE_MAX_CHARS
                    and phrase in clause
                    and self.acceptable(left)
                    and self.acceptable(right)
                ):
                    found[self.analyzer.synonyms.get(phrase, phrase)] += 1
        return found

    def supported(self, term: str) -> bool:
        """A dictionary word, or a word in no dictionary that other listings use too (the
        others are fragments of jieba's guesses: 筋到, 一弯)."""
        return self.analyzer.known(term) or self.frequencies.counts.get(term, 0) >= UNKNOWN_MIN_DF

    def scores(self, title: str, body: str) -> dict[str, float]:
        """Every candidate with its weight."""
        tf: dict[str, float] = defaultdict(float)
        for word in self.words(title):
            tf[word] += TITLE_WEIGHT
        for word in self.words(body):
            tf[word] += 1.0
        tf = {w: n for w, n in tf.items() if self.supported(w)}
        scored = {
            term: count * self.frequencies.idf(term) * self._boost(term)
            for term, count in tf.items()
        }
        in_title, in_body = self.phrases(title), self.phrases(body)
        for phrase, seen in (in_title + in_body).items():
            if seen < PHRASE_MIN_COUNT or phrase in scored:
                continue
            count = TITLE_WEIGHT * in_title[phrase] + in_body[phrase]
            parts = self.terms.terms(phrase) or [phrase]
            idf = max(self.frequencies.idf(p) for p in parts)
            scored[phrase] = count * idf * self._boost(phrase)
        return scored

    def _boost(self, term: str) -> float:
        boost = _length_boost(term)
        return boost * DICTIONARY_BOOST if term in self.dictionary else boost

    def extract(self, title: str, body: str, limit: int = DEFAULT_LIMIT) -> list[str]:
        """The ``limit`` best key terms, highest weight first (ties broken by the term)."""
        scored = self.scores(title, body)
        ranked = sorted(scored, key=lambda t: (-round(scored[t], 9), t))
        return ranked[:limit]
