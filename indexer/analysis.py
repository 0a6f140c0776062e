"""Chinese text analysis shared by every backend: normalise, tokenise with jieba, map synonyms.

Both the embedded and the Elasticsearch backends receive the tokens made here, so ranking does
not depend on which engine stores them.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jieba

from seed_data import SEED_DIR

WORDS_CACHE = 8192  # texts whose content words are kept per analyzer (per process)

ANALYZER_VERSION = "1"
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
_NUMBER = re.compile(r"^[\d.,%℃°~\-+/×x]+[a-z%℃°]{0,3}$")
_LATIN = re.compile(r"^[a-z][a-z0-9\-]+$")  # an English term or code (mdea, xrf, hrb400e)
# Content words by jieba.posseg's tags: nouns (n, nr, ns, nz …), verbal and adjectival nouns,
# distinguishing words (非金属, 便携式) and abbreviations. Verbs only when specialised (萃取,
# 拉挤): not common in general Chinese and not a verb with a complement or a negation
# (摘下来, 上不去, 扛不住). Numerals, measure words, pronouns, adverbs, time words, adjectives,
# idioms and set phrases never.
CONTENT_TAGS = ("n", "vn", "an", "b", "j")
COMMON_VERB = 2000  # jieba dictionary frequency above which a verb is general language
_COMPLEMENT = re.compile(
    r"^[不没别]|(下来|下去|上来|上去|起来|出来|出去|过来|过去|回来|回去|进来|进去|不住|不了"
    r"|不到|不去|不来|不下|不动|不起|不上|不出|不开|得见|得动|得了|掉|满|完|着|过)$"
)
# A word jieba's HMM made up (in no dictionary) is kept when free of function characters and
# of complements: 驰放气, 种薯 stay; fragments such as 筋到, 卤里, 我司, 时易 go.
_FUNCTION_CHARS = frozenset(
    "的了着过得和及与或在于以为就也都还又再更较偏很太被把将等约可需要能会是不没无我你他上下里到"
)


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, whitespace folded to single spaces."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


@dataclass(frozen=True)
class Resources:
    """The files that shape analysis; their hash goes into the index manifest."""

    dictionary: Path
    synonyms: Path
    stopwords: Path
    boilerplate: Path

    @classmethod
    def packaged(cls, directory: Path = SEED_DIR) -> Resources:
        return cls(
            directory / "dictionary.txt",
            directory / "synonyms.txt",
            directory / "stopwords.txt",
            directory / "boilerplate.txt",
        )

    def fingerprint(self) -> str:
        digest = hashlib.sha256(ANALYZER_VERSION.encode())
        for path in (self.dictionary, self.synonyms, self.stopwords, self.boilerplate):
            digest.update(path.read_bytes() if path.exists() else b"-")
        return f"{ANALYZER_VERSION}-{digest.hexdigest()[:12]}"


def _lines(path: Path) -> Iterable[str]:
    if not path.exists():
        return []
    return (
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


@dataclass
class Analyzer:
    """Turns listing text and queries into index tokens."""

    resources: Resources
    _tokenizer: jieba.Tokenizer = field(init=False, repr=False)
    _tags: dict[str, str] | None = field(default=None, init=False, repr=False)
    domain_terms: frozenset[str] = field(init=False)
    stopwords: frozenset[str] = field(init=False)
    boilerplate: frozenset[str] = field(init=False)
    synonyms: dict[str, str] = field(init=False)
    version: str = field(init=False)
    _words_of: Callable[[str], tuple[str, ...]] = field(init=False, repr=False)
    _tokens_of: Callable[[str], tuple[str, ...]] = field(init=False, repr=False)
    _spans_of: Callable[[str], tuple[tuple[str, int, int], ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # explanations and search results ask for the words of the same listings again and
        # again; jieba's accurate mode is the dearest step of a search page
        self._words_of = lru_cache(maxsize=WORDS_CACHE)(self._words)
        self._tokens_of = lru_cache(maxsize=WORDS_CACHE)(self._tokens)  # themes, query plans
        self._content_of = lru_cache(maxsize=WORDS_CACHE)(self._content_words)
        self._spans_of = lru_cache(maxsize=WORDS_CACHE)(self._content_spans)
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        self.stopwords = frozenset(normalise(w) for w in _lines(self.resources.stopwords))
        self.boilerplate = frozenset(normalise(w) for w in _lines(self.resources.boilerplate))
        self.synonyms = {}
        for line in _lines(self.resources.synonyms):
            group = [normalise(t) for t in line.split(",") if t.strip()]
            for term in group[1:]:
                self.synonyms[term] = group[0]
        domain = set()
        for line in _lines(self.resources.dictionary):
            parts = line.split()
            term = normalise(parts[0])
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            self._tokenizer.add_word(term, freq, parts[2] if len(parts) > 2 else None)
            domain.add(term)
        for term in {*self.synonyms, *self.synonyms.values()}:
            if term not in self._tokenizer.FREQ or not self._tokenizer.FREQ[term]:
                self._tokenizer.add_word(term, 2000)
        self.domain_terms = frozenset(domain | set(self.synonyms) | set(self.synonyms.values()))
        self.version = self.resources.fingerprint()

    def tokens(self, text: str) -> list[str]:
        """Index/query tokens: jieba search-mode words, stop words dropped, synonyms mapped
        (kept per text, an LRU: the same listings are tokenised again for themes and plans)."""
        return list(self._tokens_of(text))

    def _tokens(self, text: str) -> tuple[str, ...]:
        out: list[str] = []
        for token in self._tokenizer.cut_for_search(normalise(text)):
            token = token.strip()
            if not token or token in self.stopwords or not _WORD.search(token):
                continue
            out.append(self.synonyms.get(token, token))
        return tuple(out)

    def words(self, text: str) -> list[str]:
        """Content words (accurate mode) for explanations: no stop words, no boilerplate, no
        single characters (年, 约, 不 …) and no bare numbers or measurements (3.5, 98%)."""
        return list(self._words_of(text))

    def _words(self, text: str) -> tuple[str, ...]:
        out = []
        for token in self._tokenizer.cut(normalise(text)):
            token = token.strip()
            if len(token) < 2 or _NUMBER.match(token):
                continue
            if token in self.stopwords or token in self.boilerplate or not _WORD.search(token):
                continue
            out.append(self.synonyms.get(token, token))
        return tuple(out)

    def content_words(self, text: str) -> list[str]:
        """Words that can stand for what a text is about (shared terms, suggested keywords):
        those of ``words`` that are content words by their part of speech (jieba.posseg's
        dictionary tags, ``CONTENT_TAGS``; specialised verbs), domain dictionary terms and
        English terms. No fragments (筋到, 上改), no verbs with complements (摘下来, 上不去),
        numerals (几十次), pronouns or function words. Kept per text (an LRU), since the
        same listings are explained again and again."""
        return list(self._content_of(text))

    def _content_words(self, text: str) -> tuple[str, ...]:
        return tuple(self.synonyms.get(word, word) for word, _, _ in self._spans_of(text))

    def content_spans(self, text: str) -> list[tuple[str, int, int]]:
        """``content_words`` with where each was read: (word, start, end) in
        ``normalise(text)`` (the word as written there; synonyms not mapped)."""
        return list(self._spans_of(text))

    def _content_spans(self, text: str) -> tuple[tuple[str, int, int], ...]:
        out = []
        previous = ""
        start = 0
        for raw in self._tokenizer.cut(normalise(text)):
            word = raw.strip()
            begin = start + len(raw) - len(raw.lstrip())
            start += len(raw)
            unit = word.isascii() and bool(previous) and previous[-1].isdigit()  # 3.5 kg
            if not unit and self._content(word):
                out.append((word, begin, begin + len(word)))
            previous = word
        return tuple(out)

    def known(self, word: str) -> bool:
        """A word of jieba's dictionary, the domain dictionary or the synonyms (English terms
        count as known)."""
        return word in self.domain_terms or word.isascii() or bool(self._tokenizer.FREQ.get(word))

    def frequency(self, word: str) -> int:
        """The word's frequency in jieba's dictionary (0: a word its HMM made up)."""
        return int(self._tokenizer.FREQ.get(word) or 0)

    def tags(self) -> dict[str, str]:
        """Each dictionary word's part of speech (jieba.posseg's table, the domain dictionary's
        tags added), read on first use."""
        if self._tags is None:
            import jieba.posseg  # reads jieba's dictionary once more: only when needed

            tagger = jieba.posseg.POSTokenizer(self._tokenizer)
            tagger.makesure_userdict_loaded()
            self._tags = tagger.word_tag_tab
        return self._tags

    def _accurate(self, text: str) -> list[str]:
        return [t.strip() for t in self._tokenizer.cut(normalise(text))]

    def _content(self, word: str) -> bool:
        if len(word) < 2 or _NUMBER.match(word) or not _WORD.search(word):
            return False
        if word in self.stopwords or word in self.boilerplate:
            return False
        if word in self.domain_terms:
            return True
        if word.isascii():
            return bool(_LATIN.match(word))
        frequency = self._tokenizer.FREQ.get(word)
        if not frequency:  # made up by jieba's HMM: a fragment unless free of function chars
            return not _FUNCTION_CHARS.intersection(word) and not _COMPLEMENT.search(word)
        tag = self.tags().get(word, "x")
        if tag.startswith(CONTENT_TAGS):
            return True
        return tag == "v" and frequency <= COMMON_VERB and not _COMPLEMENT.search(word)

    def is_key_term(self, token: str) -> bool:
        """Whether a token may stand for a listing (not boilerplate such as 技术, 需要)."""
        return token not in self.boilerplate and token not in self.stopwords

    def expansions(self, text: str) -> list[tuple[str, str]]:
        """Synonyms that fired in ``text``: (as written, canonical form)."""
        seen: dict[str, str] = {}
        for token in self._tokenizer.cut_for_search(normalise(text)):
            if token in self.synonyms:
                seen.setdefault(token, self.synonyms[token])
        return list(seen.items())


@lru_cache(maxsize=4)
def get_analyzer(directory: Path = SEED_DIR) -> Analyzer:
    """A shared analyzer per resource directory (built on first use: loading jieba takes ~1 s)."""
    return Analyzer(Resources.packaged(directory))


def bm25_idf(df: int, n: int) -> float:
    """The BM25 (Lucene) inverse document frequency of a term in ``df`` of ``n`` documents."""
    import math

    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))
