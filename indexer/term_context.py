"""Checks of a word against the sentence it is read in: what the word alone cannot tell.

The extractor (``indexer/terms.py``) decides first whether a word may ever be a term; these
checks then drop an occurrence that the sentence shows to be something else:

- **a piece of a longer name**: jieba split the name of a value and left its first part
  alone — a word ending in a property or change head (性, 度, 率, 化) followed by the
  character that names the value (过氧化|值 of 过氧化值, 皂化|价);
- **a standard's number**: a code read after the name of a standards body (ASTM E1441,
  ISO 14001, GB/T 1234) numbers a document, it names no material or method;
- **an English word or a name**: a word of letters only written as ordinary English is
  written — in lower case, or with a capital first letter only (sparkle, Oracle, Mini) — is a
  word of the language or a proper name (a product, a person); acronyms and formulas are
  written in capitals or with a digit (PTFE, XRF, NaCl, SO2, LoRa). Such a word is shown only
  when the domain dictionary knows it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

VALUE_CHARS = frozenset("值价")  # 过氧化值, 皂化价: the value of a property
PROPERTY_HEADS = frozenset("性度率化")  # 过氧化值, 皂化价
# Standards bodies and the prefixes of Chinese standards: a code after one is a standard's
# number. The bodies themselves are organisations (criteria rule 14, seed_data/terms/generic.txt).
_STANDARD_BODIES = (
    "astm iso iec din jis ansi asme ieee api bs en nf gb gb/t gbt hj jb jgj nb sh sy hg yy"
)
STANDARD_BODIES = frozenset(_STANDARD_BODIES.split())
_SPACE = re.compile(r"\s+")
_WORDLIKE = re.compile(r"^[A-Za-z][a-z\-]*$")  # sparkle, Oracle: not PTFE, LoRa, qNMR
_LETTERS = re.compile(r"^[a-z\-]+$")
_BODY_BEFORE = re.compile(r"([a-z]+(?:/[a-z])?)[\s\-]*$")


def cased(text: str) -> str:
    """``text`` normalised as ``indexer.analysis.normalise`` does, case kept (same offsets)."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


@dataclass(frozen=True)
class Sentence:
    """A sentence as the analyzer read it: ``written`` (normalised, lower case) and ``cased``
    (the same with its case, when the two align)."""

    written: str
    cased: str

    @classmethod
    def of(cls, text: str, written: str) -> Sentence:
        original = cased(text)
        return cls(written, original if len(original) == len(written) else "")

    def misread(self, word: str, start: int, end: int, known: bool) -> bool:
        """Whether the occurrence ``written[start:end]`` of the term ``word`` is a piece of a
        longer name, a standard's number, or an English word or name (``known``: the domain
        dictionary knows the word)."""
        following = self.written[end : end + 1]
        if word[-1] in PROPERTY_HEADS and following and following in VALUE_CHARS:
            return True  # 过氧化|值: the head is inside the name of a value
        if not word.isascii():
            return False
        body = _BODY_BEFORE.search(self.written[max(0, start - 8) : start])
        if body and body.group(1) in STANDARD_BODIES and any(c.isdigit() for c in word):
            return True  # ASTM E1441
        if known or not _LETTERS.match(word) or not self.cased:
            return False
        return bool(_WORDLIKE.match(self.cased[start:end]))  # sparkle, Oracle
