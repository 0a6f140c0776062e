"""Component weights and pipeline switches of the matcher, and the tuned weights on disk.

``techmatch tune`` writes ``HOME/index/weights.json`` beside the index generations: the weights,
when they were fitted, on which judgments and with which model. The matcher reads that file when
it exists, so the explanation bars show the weights that actually ranked the list.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

WEIGHTS_FILE = "weights.json"
RETRIEVERS = ("lexical", "dense")
EVIDENCE = ("bm25", "cosine", "lexicon")  # raw text evidence beside the fused ranks
STRUCTURED = ("field", "maturity", "mode", "money", "region")
FEATURES = (*EVIDENCE, *STRUCTURED)  # every weighted component except the fused text rank


def _default_retrievers() -> dict[str, float]:
    return {"lexical": 1.0, "dense": 1.0}


@dataclass(frozen=True)
class Weights:
    """How much each component counts in the total (they sum to 1)."""

    text: float = 0.55
    bm25: float = 0.0  # the BM25 score scaled by the best one of the list
    cosine: float = 0.0  # the dense cosine similarity (when a model is loaded)
    lexicon: float = 0.0  # problem-lexicon bridges of the pair (浮头→溶解氧), 0, 0.5 or 1
    field: float = 0.15
    maturity: float = 0.10
    mode: float = 0.08
    money: float = 0.07
    region: float = 0.05
    retrievers: dict[str, float] = dc_field(default_factory=_default_retrievers)

    def of(self, name: str) -> float:
        return float(getattr(self, name))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Weights:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "retrievers" in values:
            values["retrievers"] = {str(k): float(v) for k, v in values["retrievers"].items()}
        return cls(**values)

    @classmethod
    def from_coefficients(
        cls, coef: dict[str, float], present: tuple[str, ...] = RETRIEVERS
    ) -> Weights:
        """Weights from one coefficient per component; text and features sum to 1.

        ``present``: the retrievers that ran when the coefficients were fitted; the text weight
        is their sum (the matcher scales text by the retrievers that run).
        """
        total = sum(max(coef.get(k, 0.0), 0.0) for k in (*present, *FEATURES)) or 1.0
        c = {k: max(v, 0.0) / total for k, v in coef.items()}
        text = sum(c.get(r, 0.0) for r in present)
        retrievers = {r: round(c.get(r, 0.0) / text, 4) if text else 0.0 for r in RETRIEVERS}
        return cls(
            text=round(text, 4),
            retrievers=retrievers,
            **{f: round(c.get(f, 0.0), 4) for f in FEATURES},
        )


@dataclass(frozen=True)
class MatchConfig:
    """Which parts of the pipeline run; the ablation switches them one by one."""

    name: str = "full"
    # "plain": the whole text, every token once (the default: it measured as well as key terms
    # on the development set and generalises better); "understood": tf·idf key terms (+ feedback)
    query: str = "plain"
    lexical: bool = True
    dense: bool = True  # used when a model is loaded and the index holds vectors
    passages: bool = True  # dense scores include the best passage (embedded backend)
    feedback: bool = False  # pseudo-relevance feedback (only with query="understood")
    features: bool = True  # structured features in the total
    lexicon: bool = True  # the problem-lexicon bridges of each pair as evidence
    ordered: bool = True  # the top of the list by the match probability (with a calibration)


def weights_path(index_dir: Path) -> Path:
    return index_dir / WEIGHTS_FILE


def save_weights(index_dir: Path, weights: Weights, meta: dict[str, Any]) -> Path:
    """Write the weights with what they were fitted on; atomically replaces the old file."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = weights_path(index_dir)
    tmp = path.with_suffix(".tmp")
    payload = {"weights": weights.to_dict(), **meta}
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def read_stored(index_dir: Path) -> dict[str, Any] | None:
    """The stored file's content, or None when there is none (or it cannot be read)."""
    path = weights_path(index_dir)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        Weights.from_dict(data["weights"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring %s: %s", path, exc)
        return None
    return dict(data)


def load_weights(index_dir: Path, model: str | None = None) -> Weights | None:
    """The tuned weights stored in ``index_dir`` (beside the index, or shipped), if any.

    ``model``: the embedding model in use. Weights fitted with another model are not used (a
    warning says so, and the caller falls back to the untuned defaults): a cosine from one
    model means nothing on another's scale. Without a model in use (``""``) any file applies:
    its dense parts simply do not run.
    """
    data = read_stored(index_dir)
    if not data:
        return None
    fitted = str(data.get("model") or "")
    if model and fitted != model:
        log.warning(
            "%s was fitted with the embedding model %r, but %r is in use: ranking with the "
            "untuned default weights; run `techmatch tune` to fit weights for this model",
            weights_path(index_dir),
            fitted or "(none)",
            model,
        )
        return None
    return Weights.from_dict(data["weights"])
