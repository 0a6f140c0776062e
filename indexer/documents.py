"""How a catalog listing becomes an index document: its text, tokens and attributes.

The indexer knows listings only through the ``IndexableListing`` protocol: both kinds of the
service's listing models (achievements and needs) expose the same properties, so nothing here
branches on the kind or imports the service.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Protocol

from indexer.analysis import Analyzer
from indexer.base import IndexedDoc


class IndexableListing(Protocol):
    """What the indexer reads of a listing (achievement or need)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def keywords(self) -> Sequence[str]: ...
    @property
    def field(self) -> str: ...
    @property
    def region(self) -> str | None: ...
    @property
    def body(self) -> str: ...
    @property
    def money(self) -> float | None: ...
    @property
    def extra_text(self) -> Sequence[str]: ...
    @property
    def mode_codes(self) -> list[str]: ...
    @property
    def maturity_code(self) -> str | None: ...
    @property
    def is_published(self) -> bool: ...


def full_text(listing: IndexableListing) -> str:
    """Title, keywords, body and the other fields declared searchable (an achievement's
    patents): what is tokenised and embedded."""
    return f"{listing.title}。{_body_text(listing)}"


def _body_text(listing: IndexableListing) -> str:
    """Keywords, body and the other searchable values: the body column of the index."""
    text = "、".join(listing.keywords) + "。" + listing.body
    extra = "；".join(listing.extra_text)
    return f"{text}。{extra}" if extra else text


_SENTENCE_END = re.compile(r"(?<=[。；！？!?;])")
MIN_PASSAGE_CHARS = 4


def sentences(text: str) -> list[str]:
    """A text cut after each sentence end (。；！？), pieces shorter than 4 characters dropped."""
    pieces = (s.strip() for s in _SENTENCE_END.split(text))
    return [s for s in pieces if len(s) >= MIN_PASSAGE_CHARS]


def passages(listing: IndexableListing) -> list[str]:
    """The title and each sentence of the body: the units of sentence alignment
    (``service/quality/alignment.py``); the index embeds the first few (``indexed_passages``)."""
    return [listing.title, *sentences(listing.body)]


INDEXED_SENTENCES = 3
"""Sentences of a body embedded as passages. The first three measured as well as every
sentence on the development set (``bench/passage_limit.py``: nDCG@10 / MRR@10 of the shipped
ranking 0.881 / 0.906 against 0.878 / 0.901, dense alone 0.816 / 0.861 against 0.815 / 0.853)
with a quarter fewer passages on the seed (4.00 a listing against 5.33) and more on longer
texts. Later sentences more often state the terms of the deal (licence, patent, budget)."""


def indexed_passages(listing: IndexableListing) -> list[str]:
    """What is embedded passage by passage: the title and the body's first
    ``INDEXED_SENTENCES`` sentences.

    A listing's best passage, averaged with its whole text, ranks better than the whole text
    alone on the development set (``bench/passage_ablation.py``): a need worded as one problem
    finds the one sentence of an achievement that addresses it.
    """
    return [listing.title, *sentences(listing.body)[:INDEXED_SENTENCES]]


def top_field(code: str) -> str:
    """The top-level field of a taxonomy code (``materials.basalt_fiber`` -> ``materials``)."""
    return code.split(".", 1)[0]


def content_hash(listing: IndexableListing, analyzer_version: str, model: str) -> str:
    """Changes whenever anything the index stores about the listing would change."""
    source = {
        "text": full_text(listing),
        "field": listing.field,
        "maturity": listing.maturity_code,
        "modes": listing.mode_codes,
        "region": listing.region,
        "money": listing.money,
        "analyzer": analyzer_version,
        "model": model,
    }
    blob = json.dumps(source, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:32]


def to_document(kind: str, listing: IndexableListing, analyzer: Analyzer, model: str) -> IndexedDoc:
    """The index document of a listing, without its vector (added by the caller)."""
    body = _body_text(listing)
    return IndexedDoc(
        kind=kind,
        id=listing.id,
        title_tokens=analyzer.tokens(listing.title),
        body_tokens=analyzer.tokens(body),
        field=listing.field,
        field_top=top_field(listing.field),
        maturity=listing.maturity_code,
        modes=listing.mode_codes,
        region=listing.region,
        money=listing.money,
        content_hash=content_hash(listing, analyzer.version, model),
        passages=indexed_passages(listing),
    )
