"""Sentence alignment (issue #23): the share of a need's sentences that an achievement answers,
measured as one more learned component of the development-set report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexer.embedding import SemanticEncoder
from service.composition import Components
from service.listings.schemas import Kind
from service.quality import alignment, ascent
from service.quality.tuning import run_tune

WORDS = ("霉", "栅栏", "竹笋", "胀袋")


class WordEncoder:
    """A fake model: one axis per word above, so a sentence's vector says which it names."""

    name, dimension, asymmetric = "fake/words", len(WORDS) + 1, True

    def encode(self, texts: Sequence[str], query: bool = False) -> np.ndarray:
        rows = [[float(w in t) for w in WORDS] + [0.1] for t in texts]
        out = np.asarray(rows, dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_mean_best_rewards_covering_every_sentence() -> None:
    query = np.eye(3)[:2]  # two need sentences, along axes 0 and 1
    passages = np.eye(3)[[0, 1, 2]]  # doc 0 has both, doc 1 only the third axis
    score = alignment._mean_best(query, passages, np.array([0, 0, 1]), 2)
    assert score[0] == 1.0 and score[1] == 0.0
    assert not alignment._mean_best(None, passages, np.array([0, 0, 1]), 2).any()


def test_alignment_prefers_the_achievement_that_answers_the_need(
    seeded_market: Components, tmp_path: Path
) -> None:
    catalog = seeded_market.catalog
    achievements = {a.id: a for a in catalog.iter_all(Kind.achievement, published_only=True)}
    need = next(iter(catalog.iter_all(Kind.need, published_only=True)))
    need = need.model_copy(update={"title": "腊肉发霉", "description": "香肠长霉。想常温放半年。"})
    solves = achievements["A3050"].model_copy(update={"summary": "以栅栏技术抑制霉菌。"})
    neighbour = achievements["A3069"].model_copy(update={"summary": "清水竹笋防胀袋。"})
    encoder = SemanticEncoder("fake/words", tmp_path / "cache.sqlite3", loaded=WordEncoder())

    class Found:  # the catalog, holding the two edited achievements
        def get_many(self, kind: Kind, ids: Sequence[str]) -> dict[str, object]:
            return {a.id: a for a in (solves, neighbour) if a.id in ids}

    pool: ascent.Pool = {need.id: [("A3050", {"dense": 1.0}), ("A3069", {"dense": 1.0})]}
    out = alignment.with_alignment(pool, {need.id: need}, Found(), encoder)  # type: ignore[arg-type]
    values = {a: v[alignment.NAME] for a, v in out[need.id]}
    assert values["A3050"] > values["A3069"]
    assert out[need.id][0][1]["dense"] == 1.0  # the other components are kept


def test_without_a_model_alignment_is_zero(seeded_market: Components) -> None:
    pool: ascent.Pool = {"N1": [("A1", {"lexical": 1.0})]}
    out = alignment.with_alignment(pool, {}, seeded_market.catalog, seeded_market.encoder)
    assert out == {"N1": [("A1", {"lexical": 1.0, alignment.NAME: 0.0})]}


def test_run_tune_measures_an_extra_component(seeded_market: Components) -> None:
    from service.quality.gold import load_gold

    gold, _ = load_gold(seeded_market.seed_dir)
    gold = dict(list(gold.items())[:12])

    def add(pool: ascent.Pool) -> ascent.Pool:  # the relevant answers flagged: must be weighed
        return {
            n: [(a, {**v, "oracle": float(gold[n].get(a, 0) > 0)}) for a, v in items]
            for n, items in pool.items()
        }

    result = run_tune(seeded_market, gold, [], folds=3, extra=("oracle", add))
    assert result.cv.after["mrr@10"] == 1.0
