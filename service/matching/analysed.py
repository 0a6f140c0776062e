"""What one match request works from, computed once and passed along.

``Analysed`` is the source listing as the matcher reads it: its text, its technical terms and its
query vector, each made on first use and then reused by every step (key terms, the dense list,
the lexicon, shared terms, best passages). ``Shelf`` hands out the candidates' whole listings
only when something asks for one (the matches shown, a group's explanation), loading them from
the catalog in small batches in rank order; scoring reads ``CandidateFacts`` columns instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from indexer.documents import full_text
from indexer.embedding import SemanticEncoder
from indexer.terms import TermExtractor
from service.catalog import Catalog
from service.listings.schemas import Kind

BATCH = 25  # whole listings loaded at a time when one is asked for


@dataclass
class Analysed:
    """The source listing of one request, analysed at most once per step."""

    listing: Any
    encoder: SemanticEncoder
    extractor: TermExtractor
    _text: str | None = None
    _words: set[str] | None = None
    _vector: Any = field(default=None)
    _encoded: bool = False

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = full_text(self.listing)
        return self._text

    @property
    def words(self) -> set[str]:
        """Technical terms (``TermExtractor.terms``), for shared terms."""
        if self._words is None:
            self._words = set(self.extractor.terms(self.text))
        return self._words

    def vector(self) -> np.ndarray | None:
        """The query vector of the text (None without a model)."""
        if not self._encoded:
            self._vector, self._encoded = self.encoder.encode_query(self.text), True
        return self._vector


class Shelf:
    """Whole listings of the ranked candidates, loaded when first asked for."""

    def __init__(self, catalog: Catalog, kind: Kind) -> None:
        self.catalog = catalog
        self.kind = kind
        self._position: dict[str, int] = {}
        self._ranked: list[str] = []
        self._loaded: dict[str, Any] = {}

    def rank(self, ranked: Sequence[str]) -> None:
        """The candidates in rank order: a miss loads the next few with it."""
        self._ranked = list(ranked)
        self._position = {lid: i for i, lid in enumerate(self._ranked)}

    def many(self, ids: Sequence[str]) -> dict[str, Any]:
        """Listings by id (unknown ids left out), loading the ones not yet loaded."""
        wanted = [i for i in ids if i not in self._loaded]
        if wanted:
            self._loaded.update(self.catalog.get_many(self.kind, wanted))
        return {i: self._loaded[i] for i in ids if i in self._loaded}

    def get(self, listing_id: str) -> Any:
        found = self._loaded.get(listing_id)
        if found is None:
            start = self._position.get(listing_id, 0)
            batch = [i for i in self._ranked[start : start + BATCH] if i not in self._loaded]
            self.many([listing_id, *batch])
            found = self._loaded[listing_id]
        return found
