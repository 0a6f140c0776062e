"""The engine: one object wiring settings, catalog, analyzer, encoder and search index.

Nothing is loaded when the engine is built; the analyzer, the model and the index files are
opened on first use, so importing or constructing never touches the disk or the network.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.analysis import Analyzer, get_analyzer
from indexer.base import (
    BackendUnavailableError,
    IndexMismatchError,
    IndexMissingError,
    SearchIndex,
)
from indexer.embedding import CachedEncoder, EmbeddingCache, SemanticStatus, load_encoder
from indexer.factory import create_index
from seed_data import SEED_DIR
from service.accounts import Accounts
from service.catalog import Catalog
from service.config import Settings
from service.desk.store import Desk
from service.documents import full_text, to_document
from service.schemas import Kind, Status

if TYPE_CHECKING:
    from service.suggest import Suggester

log = logging.getLogger(__name__)


class Engine:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.catalog = Catalog(settings.catalog_url)
        self.index: SearchIndex = create_index(
            settings.search_backend,
            root=settings.index_dir,
            es_url=settings.elasticsearch_url,
            es_prefix=settings.elasticsearch_prefix,
            es_timeout=settings.elasticsearch_timeout,
            es_retries=settings.elasticsearch_retries,
            es_replicas=settings.elasticsearch_replicas,
        )
        self._encoder: CachedEncoder | None = None
        self._semantic: SemanticStatus | None = None

    # ---- lazily loaded parts ------------------------------------------------------------
    @cached_property
    def analyzer(self) -> Analyzer:
        return get_analyzer(self.settings.seed_dir or SEED_DIR)

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.catalog.engine)

    @cached_property
    def desk(self) -> Desk:
        return Desk(self.catalog, self.accounts)

    @cached_property
    def suggester(self) -> Suggester:
        """Field and keyword suggestions, fitted on the catalog at first use."""
        from service.suggest import Suggester

        return Suggester(self)

    @property
    def model_name(self) -> str:
        return self.settings.embedding_model.strip()

    @property
    def semantic(self) -> SemanticStatus:
        """Whether dense matching is available (loads the model on first call)."""
        if self._semantic is None:
            encoder, status = load_encoder(
                self.model_name,
                allow_download=self.settings.embedding_allow_download,
                batch_size=self.settings.embedding_batch_size,
            )
            if encoder is not None:
                cache = EmbeddingCache(self.settings.cache_dir / "embeddings.sqlite3")
                self._encoder = CachedEncoder(encoder, cache, self.settings.embedding_batch_size)
            self._semantic = status
        return self._semantic

    @property
    def encoder(self) -> CachedEncoder | None:
        return self._encoder if self.semantic.available else None

    def embed_text(self, text: str) -> str:
        return text[: self.settings.embedding_max_chars]

    def encode_query(self, text: str) -> np.ndarray | None:
        encoder = self.encoder
        if encoder is None:
            return None
        return encoder.encode([self.embed_text(text)])[0]

    def scratch(self, settings: Settings) -> Engine:
        """Another engine (own catalog and index) sharing this one's loaded model."""
        other = Engine(settings)
        other._semantic, other._encoder = self.semantic, self._encoder
        return other

    # ---- index state --------------------------------------------------------------------
    def index_problem(self) -> str | None:
        """None when the index is present and matches the settings, else what is wrong."""
        try:
            self.index.manifest().check(model=self.model_name, analyzer=self.analyzer.version)
        except (IndexMissingError, IndexMismatchError, BackendUnavailableError) as exc:
            return str(exc)
        return None

    def vectors_usable(self) -> bool:
        """Dense search needs a loaded model and an index that holds its vectors."""
        if not self.semantic.available:
            return False
        try:
            manifest = self.index.manifest()
        except (IndexMissingError, BackendUnavailableError):
            return False
        return manifest.vectors and manifest.dimension == self.semantic.dimension

    # ---- keeping the index in step with single writes -----------------------------------
    def listing_changed(self, kind: Kind, listing: Any) -> None:
        """Make a just-written listing searchable (or unsearchable) at once."""
        problem = self.index_problem()
        if problem is not None:
            log.warning("index not updated for %s %s: %s", kind, listing.id, problem)
            return
        if listing.status != Status.published:
            self.index.delete(kind.value, [listing.id])
            return
        doc = to_document(kind, listing, self.analyzer, self.model_name)
        if self.vectors_usable() and self.encoder is not None:
            doc.vector = self.encoder.encode([self.embed_text(full_text(kind, listing))])[0]
        self.index.upsert([doc])

    def close(self) -> None:
        self.index.close()
        self.catalog.close()
