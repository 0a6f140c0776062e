"""The problem-to-technology lexicon: plain problem words mapped to the technical concepts that
address them (浮头 → 溶解氧、增氧), authored as domain knowledge in ``seed_data/lexicon/``.

A need written in an enterprise's own words ("鱼塘清早浮头") rarely shares a word with the
achievement that solves it ("池塘溶解氧在线监测与智能增氧"). The matcher finds the lexicon's
problems in a need's text, adds their concepts to the lexical query, and each match shows the
bridges it crossed ("浮头 → 溶解氧") when the achievement uses the concept.

File format (UTF-8 TSV, one file per sub-field, a header line): ``problem<TAB>concepts<TAB>note``
with the concepts separated by ``,``.
"""

from __future__ import annotations

import csv
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from indexer.analysis import normalise

log = logging.getLogger(__name__)

LEXICON_DIR = "lexicon"
MAX_HINTS = 8  # problems expanded per listing, first found first
MAX_CONCEPTS = 4  # concepts per problem
CACHE_SIZE = 8192  # texts whose hints are remembered (listings are matched again and again)


@dataclass(frozen=True)
class Hint:
    """A problem found in a listing's text and the concepts it stands for."""

    problem: str
    concepts: tuple[str, ...]

    def label(self) -> str:
        return f"{self.problem}→{'、'.join(self.concepts)}"


_SENTENCE = re.compile(r"[。！？!?；;\n]")


@dataclass(frozen=True)
class _Index:
    pattern: re.Pattern[str] | None
    keys: dict[str, frozenset[str]]
    by_word: dict[str, list[str]]


class ProblemLexicon:
    """Problems found in a text as written (leftmost-longest), or, given ``words`` (the
    analyzer's content words), when all of a problem's words occur in one sentence: 收割机下田陷
    is found in "收割机一下田就陷进去"."""

    def __init__(
        self,
        entries: Iterable[tuple[str, Iterable[str]]],
        words: Callable[[str], list[str]] | None = None,
    ) -> None:
        table: dict[str, list[str]] = {}
        for problem, concepts in entries:
            kept = table.setdefault(normalise(problem), [])
            kept += [c for c in (normalise(c) for c in concepts) if c and c not in kept]
        self.table = {p: tuple(c[:MAX_CONCEPTS]) for p, c in table.items() if p and c}
        self._words = words
        self._cache: dict[tuple[str, int], list[Hint]] = {}
        self._lock = threading.Lock()
        self._index: _Index | None = None  # built on first use (a CLI search never needs it)

    def _prepared(self) -> _Index:
        """The pattern of every problem (longest first) and the problems by content word."""
        with self._lock:
            if self._index is None:
                by_length = sorted(self.table, key=lambda p: (-len(p), p))
                pattern = re.compile("|".join(map(re.escape, by_length))) if by_length else None
                keys: dict[str, frozenset[str]] = {}  # problem -> its content words
                by_word: dict[str, list[str]] = {}  # content word -> problems using it
                words = self._words
                if words is not None:
                    for problem in by_length:
                        keys[problem] = frozenset(words(problem))
                        for word in keys[problem]:
                            by_word.setdefault(word, []).append(problem)
                self._index = _Index(pattern, keys, by_word)
            return self._index

    def __len__(self) -> int:
        return len(self.table)

    @classmethod
    def load(
        cls, seed_dir: Path, words: Callable[[str], list[str]] | None = None
    ) -> ProblemLexicon:
        """Every ``*.tsv`` of ``seed_dir/lexicon`` (none: an empty lexicon)."""
        entries = [
            e for p in sorted((seed_dir / LEXICON_DIR).glob("*.tsv")) for e in read_entries(p)
        ]
        return cls(entries, words)

    def hints(self, text: str, limit: int = MAX_HINTS) -> list[Hint]:
        """The problems stated in ``text``, each once: as written first, then by their words."""
        if not self.table:
            return []
        key = (text, limit)
        if key not in self._cache:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = self._find(normalise(text), limit)
        return list(self._cache[key])

    def _find(self, text: str, limit: int) -> list[Hint]:
        index = self._prepared()
        found = [m.group(0) for m in index.pattern.finditer(text)] if index.pattern else []
        if self._words is not None:
            for sentence in _SENTENCE.split(text):
                present = set(self._words(sentence))
                found += [p for w in present for p in index.by_word.get(w, ())
                          if index.keys[p] <= present]  # fmt: skip
        problems = list(dict.fromkeys(found))[:limit]
        return [Hint(p, self.table[p]) for p in problems]


def bridges(hints: Iterable[Hint], other_text: str) -> list[str]:
    """``problem→concept`` for each concept of ``hints`` that the other listing uses, each
    concept once (under the first problem that names it)."""
    text = normalise(other_text)
    seen: dict[str, str] = {}
    for hint in hints:
        for concept in hint.concepts:
            if concept in text:
                seen.setdefault(concept, hint.problem)
    return [f"{problem}→{concept}" for concept, problem in seen.items()]


def read_entries(path: Path) -> list[tuple[str, list[str]]]:
    """The rows of one lexicon file; malformed rows are skipped with a warning."""
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        for number, row in enumerate(rows, start=1):
            if number == 1 and row[:1] == ["problem"]:
                continue
            if len(row) < 2 or not row[0].strip() or not row[1].strip():
                log.warning("%s:%d: expected problem<TAB>concepts, skipped", path.name, number)
                continue
            out.append((row[0].strip(), [c.strip() for c in row[1].split(",")]))
    return out
