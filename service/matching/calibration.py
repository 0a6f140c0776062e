"""The match probability: the chance a broker would judge a pair relevant, and its tier.

``techmatch tune`` fits, on the development set's graded judgments (grade ≥ 2 = relevant), with
cross-validation, one of two models of that chance and stores it in ``calibration.json`` beside
``weights.json`` (``HOME/index/``, or shipped in ``seed_data/``): ``isotonic``, a monotone map
from the ranker's score, or ``logistic``, a logistic regression on the pair's text evidence (the
retrievers' rank values, the BM25 ratio, the cosine) with non-negative slopes, so the chance
never falls when one piece of evidence rises, its output mapped by an isotonic fit in turn. The
one with the better held-out average precision is stored (``kind``); files written before there
was a choice (no ``kind``) are isotonic. One calibration is fitted per way of matching:
``dense`` (lexical + semantic, for the encoder named in it) and ``lexical`` (keywords and
structured features only). Each keeps the ranker's coefficients its figures were measured with;
a pair's probability is computed from the pair's own component values whatever weights rank the
list; when the weights in use differ from the calibrated ones, a warning asks for
``techmatch tune``.

A list's first ``FITTED_TOP`` candidates (those the probability is fitted on) are listed by it,
equal chances by the ranker's score (``order``), so a list never shows a pair below a less
probable one; on held-out folds this orders as well as the score alone (docs/quality.md).

Tiers: ``strong`` from the cut chosen on held-out folds (≥ 85 % of strong pairs relevant when
the ranker allows it), ``possible`` from the cut that keeps most relevant pairs, ``weak`` below.
"""

from __future__ import annotations

import bisect
import itertools
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from service.matching.weights import FEATURES, Weights

log = logging.getLogger(__name__)

CALIBRATION_FILE = "calibration.json"
Tier = Literal["strong", "possible", "weak"]
TIERS: tuple[Tier, ...] = ("strong", "possible", "weak")
TIER_LABELS: dict[str, str] = {"strong": "高度匹配", "possible": "可能匹配", "weak": "匹配度低"}
VARIANTS = {"dense": ("lexical", "dense"), "lexical": ("lexical",)}  # the retrievers of each
ONLY_DENSE = {"dense", "cosine"}  # components a keyword-only list has no value for
KINDS = ("isotonic", "logistic")
FITTED_TOP = 20  # each list's candidates the probability is fitted on, and ordered by
VERSION = 2  # of the stored file: 2 added each variant's ``kind`` (absent: isotonic)


def tier_words(tier: str | None, probability: float | None) -> str:
    """The tier in words with the probability (高度匹配 82%), or 未评估 without a calibration."""
    if tier is None or probability is None:
        return "未评估"
    if probability < 0.005:  # "0%" would read as "impossible"
        return f"{TIER_LABELS[tier]} <1%"
    return f"{TIER_LABELS[tier]} {probability:.0%}"


@dataclass(frozen=True)
class Calibration:
    """A pair's component values to a probability: ``isotonic``, a monotone map of the score
    (the weighted sum of the values by ``coefficients``, the ranker's own); ``logistic``, the
    logistic function of ``intercept`` plus each value times its (non-negative) slope, mapped
    by the monotone ``x`` → ``y`` when there is one.
    ``coefficients`` are the ranker's in both kinds: the weights the figures were measured with."""

    name: str  # "dense" or "lexical"
    model: str  # the encoder the dense scores came from ("" for lexical)
    coefficients: dict[str, float]  # component -> coefficient of the calibrated score
    x: tuple[float, ...]  # the isotonic fit's thresholds (increasing)
    y: tuple[float, ...]  # the probability at each threshold (non-decreasing)
    strong: float  # probability from which a pair is "strong"
    possible: float  # probability from which a pair is at least "possible"
    held_out: dict[str, Any] = field(default_factory=dict, compare=False)
    kind: str = "isotonic"
    slopes: dict[str, float] = field(default_factory=dict)  # logistic: value -> slope
    intercept: float = 0.0  # logistic: the log-odds when every value is 0

    def score(self, values: Mapping[str, float]) -> float:
        return sum(c * values.get(name, 0.0) for name, c in self.coefficients.items())

    def probability_of(self, score: float) -> float:
        """Linear between thresholds, constant beyond the ends (as scikit-learn predicts)."""
        x, y = self.x, self.y
        if not x:
            return 0.0
        if score <= x[0]:
            return y[0]
        if score >= x[-1]:
            return y[-1]
        i = bisect.bisect_right(x, score)
        x0, x1, y0, y1 = x[i - 1], x[i], y[i - 1], y[i]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (score - x0) / (x1 - x0)

    def chance(self, values: Mapping[str, float]) -> float:
        """The probability of a pair with these component values (unrounded)."""
        if self.kind == "logistic":
            logit = self.intercept + sum(s * values.get(k, 0.0) for k, s in self.slopes.items())
            odds = 1.0 / (1.0 + math.exp(-logit))
            return self.probability_of(odds) if self.x else odds
        return self.probability_of(self.score(values))

    def probability(self, values: Mapping[str, float]) -> float:
        return round(self.chance(values), 4)

    def tier(self, probability: float) -> Tier:
        if probability >= self.strong:
            return "strong"
        return "possible" if probability >= self.possible else "weak"

    def to_dict(self) -> dict[str, Any]:
        shape: dict[str, Any] = {"x": list(self.x), "y": list(self.y)}
        if self.kind == "logistic":
            shape = {"intercept": self.intercept, "slopes": self.slopes, **shape}
        return {
            "name": self.name,
            "model": self.model,
            "kind": self.kind,
            "coefficients": self.coefficients,
            **shape,
            "strong": self.strong,
            "possible": self.possible,
            "held_out": self.held_out,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        kind = str(data.get("kind") or "isotonic")
        if kind not in KINDS:
            raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
        x = tuple(float(v) for v in data.get("x", ()))
        y = tuple(float(v) for v in data.get("y", ()))
        if len(x) != len(y) or any(b < a for a, b in itertools.pairwise(x)):
            raise ValueError("thresholds must be increasing and as many as the probabilities")
        if any(b < a for a, b in itertools.pairwise(y)):
            raise ValueError("probabilities must not decrease")
        slopes = {str(k): float(v) for k, v in (data.get("slopes") or {}).items()}
        if kind == "logistic" and (not slopes or any(v < 0 for v in slopes.values())):
            raise ValueError("a logistic calibration needs slopes, none of them negative")
        return cls(
            name=str(data["name"]),
            model=str(data.get("model") or ""),
            coefficients={str(k): float(v) for k, v in data["coefficients"].items()},
            x=x,
            y=y,
            strong=float(data["strong"]),
            possible=float(data["possible"]),
            held_out=dict(data.get("held_out") or {}),
            kind=kind,
            slopes=slopes,
            intercept=float(data.get("intercept") or 0.0),
        )


@dataclass(frozen=True)
class Calibrations:
    """The stored calibrations, and which one applies to a list."""

    variants: dict[str, Calibration]
    meta: dict[str, Any] = field(default_factory=dict)

    def choose(self, semantic: bool, model: str) -> tuple[Calibration | None, str | None]:
        """The calibration for a list matched with (``semantic``) or without the encoder
        ``model``, and a notice when it is a fallback (or there is none)."""
        dense, lexical = self.variants.get("dense"), self.variants.get("lexical")
        if semantic and dense is not None and dense.model == model:
            return dense, None
        if lexical is None:
            return None, "没有适用的相关概率校准（请运行 techmatch tune）"
        if not semantic:
            return lexical, None
        why = f"校准所用模型为 {dense.model}" if dense is not None else "没有语义匹配的校准"
        return lexical, f"相关概率按仅关键词匹配的校准计算（{why}，当前模型为 {model}）"

    def to_dict(self) -> dict[str, Any]:
        variants = {k: v.to_dict() for k, v in self.variants.items()}
        return {**self.meta, "version": VERSION, "variants": variants}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibrations:
        variants = {k: Calibration.from_dict(v) for k, v in data["variants"].items()}
        return cls(variants, {k: v for k, v in data.items() if k not in ("variants", "version")})


def calibration_path(directory: Path) -> Path:
    return directory / CALIBRATION_FILE


def save_calibrations(directory: Path, calibrations: Calibrations) -> Path:
    """Write ``calibration.json`` atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    path = calibration_path(directory)
    tmp = path.with_suffix(".tmp")
    text = json.dumps(calibrations.to_dict(), ensure_ascii=False, indent=2)
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def load_calibrations(directory: Path) -> Calibrations | None:
    """The calibrations stored in ``directory``, or None (absent or unreadable: logged)."""
    path = calibration_path(directory)
    if not path.exists():
        return None
    try:
        return Calibrations.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring %s: %s", path, exc)
        return None


def variant_coefficients(weights: Weights, name: str) -> dict[str, float]:
    """What the matcher sums for a list matched this way: the text weight shared among the
    retrievers in proportion (each retriever's value is its rank's share of the best one),
    then each feature's weight; components the list cannot have are dropped."""
    retrievers = VARIANTS[name]
    share = sum(weights.retrievers.get(r, 0.0) for r in retrievers) or 1.0
    coef = {r: weights.text * weights.retrievers.get(r, 0.0) / share for r in retrievers}
    coef.update({f: weights.of(f) for f in FEATURES})
    if name == "lexical":
        coef = {k: v for k, v in coef.items() if k not in ONLY_DENSE}
    return {k: round(v, 6) for k, v in coef.items() if v > 0}


def stored_calibrations(index_dir: Path, seed_dir: Path, weights: Weights | None) -> Calibrations:
    """The calibration beside the index (``techmatch tune``), else the shipped one; checked
    against the weights in use (a warning when they were calibrated for others)."""
    found = load_calibrations(index_dir) or load_calibrations(seed_dir)
    if found is None:
        log.warning("no match calibration found (calibration.json): probabilities are not shown")
        return Calibrations({})
    used = weights or Weights()
    for variant in found.variants.values():
        if variant.coefficients != variant_coefficients(used, variant.name):
            log.warning(
                "the %s match probabilities were calibrated for other weights; each is still "
                "computed from the calibrated score, but a list's order may not follow it: run "
                "techmatch tune",
                variant.name,
            )
    return found


def order(candidates: list[Any]) -> list[Any]:
    """The candidates (best first by score, each with a ``probability``), the first
    ``FITTED_TOP`` listed by probability, equal chances by score (then id); the rest as were."""
    head = sorted(candidates[:FITTED_TOP], key=lambda c: (-(c.probability or 0.0), -c.total, c.id))
    return head + candidates[FITTED_TOP:]
