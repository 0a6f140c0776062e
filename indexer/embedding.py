"""Sentence embeddings: loading a sentence-transformers model safely, and a vector cache.

Loading never raises: when the model cannot be loaded the caller gets ``None`` and a
``SemanticStatus`` that says why, and the system carries on with lexical and structured signals.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)


class Encoder(Protocol):
    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class SemanticStatus:
    """Whether dense matching is on, and if not, why."""

    available: bool
    model: str
    dimension: int | None = None
    reason: str | None = None


class SentenceTransformerEncoder:
    """A loaded sentence-transformers model producing L2-normalised float32 vectors."""

    def __init__(self, model: Any, name: str, batch_size: int = 32) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size
        getter = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        dim = getter()
        if not dim:
            raise ValueError(f"model {name!r} does not report an embedding dimension")
        self.dimension = int(dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def load_encoder(
    model_name: str, *, allow_download: bool = False, batch_size: int = 32
) -> tuple[SentenceTransformerEncoder | None, SemanticStatus]:
    """Load ``model_name`` (hub id or local directory) on the CPU, or say why it could not be."""
    if not model_name.strip():
        return None, SemanticStatus(False, "", reason="no embedding model configured")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        return None, SemanticStatus(False, model_name, reason=f"sentence-transformers: {exc}")
    local = Path(model_name).expanduser()
    try:
        model = SentenceTransformer(
            str(local) if local.exists() else model_name,
            device="cpu",
            local_files_only=not allow_download and not local.exists(),
        )
        encoder = SentenceTransformerEncoder(model, model_name, batch_size)
    except Exception as exc:
        reason = f"embedding model {model_name!r} could not be loaded: {_first_line(exc)}"
        if not allow_download and not local.exists():
            reason += (
                " (downloads are off: put the model in the local cache, point "
                "TECHMATCH_EMBEDDING_MODEL at a directory, or set "
                "TECHMATCH_EMBEDDING_ALLOW_DOWNLOAD=true)"
            )
        log.warning("semantic matching is off: %s", reason)
        return None, SemanticStatus(False, model_name, reason=reason)
    log.info("embedding model %s loaded (dimension %d)", model_name, encoder.dimension)
    return encoder, SemanticStatus(True, model_name, dimension=encoder.dimension)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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

    def close(self) -> None:
        self._conn.close()


class CachedEncoder:
    """An encoder in front of the cache: an unchanged text is never embedded twice."""

    def __init__(self, encoder: Encoder, cache: EmbeddingCache, batch_size: int = 64) -> None:
        self.encoder = encoder
        self.cache = cache
        self.batch_size = batch_size
        self.name = encoder.name
        self.dimension = encoder.dimension
        self.encoded = 0  # texts actually sent to the model (for tests and progress)

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        found = self.cache.get_many(self.name, sorted(set(hashes)))
        missing = list(dict.fromkeys(h for h in hashes if h not in found))
        by_hash = {h: t for h, t in zip(hashes, texts, strict=True)}
        if progress and len(found):
            progress(sum(1 for h in hashes if h in found))
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            vectors = self.encoder.encode([by_hash[h] for h in batch])
            self.cache.put_many(self.name, list(zip(batch, vectors, strict=True)))
            found.update(zip(batch, vectors, strict=True))
            self.encoded += len(batch)
            if progress:
                progress(len(batch))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[h] for h in hashes]).astype(np.float32)


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
    ) -> None:
        self.model_name = model_name.strip()
        self._cache_path = cache_path
        self._allow_download = allow_download
        self._batch_size = batch_size
        self.max_chars = max_chars
        self._encoder: CachedEncoder | None = None
        self._status: SemanticStatus | None = None
        self._lock = threading.Lock()

    @property
    def status(self) -> SemanticStatus:
        """Whether the model is loaded (loads it on the first call)."""
        with self._lock:
            if self._status is None:
                encoder, self._status = load_encoder(
                    self.model_name,
                    allow_download=self._allow_download,
                    batch_size=self._batch_size,
                )
                if encoder is not None:
                    cache = EmbeddingCache(self._cache_path)
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
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray | None:
        """Vectors of listing texts (clipped to ``max_chars``), or None without a model."""
        if not self.available or self._encoder is None:
            return None
        return self._encoder.encode([self.clip(t) for t in texts], progress)

    def encode_query(self, text: str) -> np.ndarray | None:
        vectors = self.encode([text])
        return None if vectors is None else vectors[0]

    def close(self) -> None:
        if self._encoder is not None:
            self._encoder.cache.close()
