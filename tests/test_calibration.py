"""The match probability (#23): the calibration map, its choice and fallback, its fit with
cross-validation, and the calibration shipped with the seed data."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import numpy as np
import pytest

from seed_data import SEED_DIR
from service.matching.calibration import (
    KINDS,
    Calibration,
    Calibrations,
    load_calibrations,
    save_calibrations,
    stored_calibrations,
    tier_words,
    variant_coefficients,
)
from service.matching.weights import Weights, load_weights
from service.quality import calibration_report
from service.quality.calibration_fit import (
    EVIDENCE,
    HeldOut,
    calibrate,
    choose_cuts,
    figures,
    fit_variant,
)
from service.quality.tuning import TuneResult, store


def _calibration(name: str = "dense", model: str = "m") -> Calibration:
    return Calibration(
        name, model, {"lexical": 1.0}, (0.2, 0.5, 0.9), (0.0, 0.3, 0.9), strong=0.6, possible=0.2
    )


def test_the_map_is_monotone_and_cuts_into_tiers() -> None:
    cal = _calibration()
    grid = [cal.probability_of(x / 100) for x in range(0, 120)]
    assert all(b >= a for a, b in itertools.pairwise(grid))
    assert cal.probability_of(0.0) == 0.0 and cal.probability_of(5.0) == 0.9
    assert cal.probability_of(0.35) == pytest.approx(0.15)
    assert cal.probability({"lexical": 0.9, "other": 5.0}) == 0.9  # only its own components
    assert [cal.tier(p) for p in (0.9, 0.6, 0.59, 0.2, 0.19)] == [
        "strong", "strong", "possible", "possible", "weak",
    ]  # fmt: skip
    assert tier_words("strong", 0.823) == "高度匹配 82%"
    assert tier_words("weak", 0.04) == "匹配度低 4%"
    assert tier_words("weak", 0.001) == "匹配度低 <1%"
    assert tier_words(None, None) == "未评估"


def test_a_decreasing_map_is_refused() -> None:
    data = _calibration().to_dict()
    with pytest.raises(ValueError, match="must not decrease"):
        Calibration.from_dict({**data, "y": [0.5, 0.3, 0.9]})
    with pytest.raises(ValueError, match="increasing"):
        Calibration.from_dict({**data, "x": [0.5, 0.2, 0.9]})


def test_the_calibration_follows_the_model_in_use_or_falls_back_plainly() -> None:
    both = Calibrations(
        {"dense": _calibration("dense", "e5"), "lexical": _calibration("lexical", "")}
    )
    assert both.choose(True, "e5") == (both.variants["dense"], None)
    assert both.choose(False, "") == (both.variants["lexical"], None)
    chosen, notice = both.choose(True, "bge")
    assert chosen is both.variants["lexical"]
    assert notice and "仅关键词" in notice and "e5" in notice and "bge" in notice
    dense_only = Calibrations({"dense": _calibration("dense", "e5")})
    chosen, notice = dense_only.choose(False, "")
    assert chosen is None and notice and "techmatch tune" in notice


def test_the_shipped_calibration_is_monotone_and_fitted_for_the_shipped_weights() -> None:
    stored = load_calibrations(SEED_DIR)
    weights = load_weights(SEED_DIR)
    assert stored is not None and weights is not None
    assert set(stored.variants) == {"dense", "lexical"}
    assert (
        stored.variants["dense"].model
        == json.loads((SEED_DIR / "weights.json").read_text(encoding="utf-8"))["model"]
    )
    data = json.loads((SEED_DIR / "calibration.json").read_text(encoding="utf-8"))
    assert data["version"] == 2
    for name, cal in stored.variants.items():
        assert cal.kind in KINDS and set(cal.held_out["compared"]) == set(KINDS)
        assert all(b >= a for a, b in zip(cal.y, cal.y[1:], strict=False))
        assert all(s >= 0 for s in cal.slopes.values())
        assert 0 < cal.possible <= cal.strong <= 1
        held = cal.held_out
        assert held["pairs"] > 1000 and held["brier"] <= 0.10
        # refit both after changing the ranker: techmatch tune --dev-only --out seed_data
        assert cal.coefficients == variant_coefficients(weights, name), name


def test_a_missing_calibration_is_said_and_the_tuned_one_wins(tmp_path: Path) -> None:
    assert stored_calibrations(tmp_path, tmp_path, None).variants == {}
    own = Calibrations({"lexical": _calibration("lexical", "")}, {"fitted_at": "here"})
    result = TuneResult(Weights(), Weights(), None, {"model": ""}, own)  # type: ignore[arg-type]
    paths = store(tmp_path, result)
    assert [Path(p).name for p in paths] == ["weights.json", "calibration.json"]
    found = stored_calibrations(tmp_path, SEED_DIR, Weights())
    assert found.meta["fitted_at"] == "here" and set(found.variants) == {"lexical"}


def _synthetic_pool(needs: int = 60) -> tuple[dict, dict]:
    """Needs whose first candidate is relevant when its score is high."""
    rng = random.Random(3)
    pool, qrels = {}, {}
    for n in range(needs):
        need = f"D{n:03d}"
        items = []
        judged = {}
        for a in range(12):
            value = rng.random()
            items.append((f"A{a:02d}", {"lexical": value, "bm25": value}))
            judged[f"A{a:02d}"] = 3 if value > 0.85 and rng.random() < 0.9 else 0
        pool[need], qrels[need] = items, judged
    return pool, qrels


def test_the_fit_is_cross_validated_and_its_tiers_separate_relevant_pairs() -> None:
    pool, qrels = _synthetic_pool()
    needs = sorted(pool)
    folds = [needs[i::5] for i in range(5)]
    weights = Weights(text=0.7, bm25=0.3, field=0, maturity=0, mode=0, money=0, region=0,
                      retrievers={"lexical": 1.0, "dense": 0.0})  # fmt: skip
    fitted = calibrate(pool, qrels, folds, lambda held: weights, weights, "")
    assert set(fitted.variants) == {"lexical"}  # no dense values in the pool: no dense one
    cal = fitted.variants["lexical"]
    assert set(fitted.runs["lexical"]) == set(pool)  # every need listed held-out
    held = cal.held_out
    assert held["pairs"] == 60 * 10 and held["relevant"] > 0
    strong = held["tiers"]["strong"]
    assert strong["precision"] >= 0.85 and strong["recall"] >= 0.6
    assert held["strong_target_met"] is True
    assert held["tiers"]["weak"]["precision"] < 0.1
    assert held["brier"] < 0.1
    assert sum(row["pairs"] for row in held["reliability"]) == held["pairs"]


def test_cuts_when_no_cut_reaches_the_precision_target() -> None:
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.3, 0.2, 0.1, 0.05])
    y = np.array([True, False, True, False, True, False, False, False])
    strong, possible, met = choose_cuts(HeldOut(p, y, 0))
    assert not met and possible <= strong
    out = figures(HeldOut(p, y, 1), strong, possible, met)
    assert out["strong_target_met"] is False and out["unjudged"] == 1
    tiers = out["tiers"]
    assert sum(t["relevant"] for t in tiers.values()) == 3  # type: ignore[attr-defined]


def test_the_report_section_shows_reliability_brier_and_tiers() -> None:
    lines = calibration_report.markdown(load_calibrations(SEED_DIR), 5)
    text = "\n".join(lines)
    assert text.count("**Brier score") == 2 and "| predicted | pairs |" in text
    assert "| strong (高度匹配) |" in text and "| weak (匹配度低) |" in text
    assert "Strong tier: precision ≥ 0.85 with recall ≥ 0.6" in text
    assert text.count("| model (held-out) | average precision |") == 2
    assert "(kept)" in text and "recall by grade" in text
    assert calibration_report.markdown(None, 5) == ["_not run (no development set)_"]


def _logistic(name: str = "dense") -> Calibration:
    slopes = {"cosine": 30.0, "bm25": 4.0}
    coef = {"lexical": 0.5, "field": 0.5}
    return Calibration(name, "m", coef, (), (), 0.6, 0.2, kind="logistic", slopes=slopes,
                       intercept=-30.0)  # fmt: skip


def test_a_logistic_calibration_reads_the_evidence_and_rises_with_each_value() -> None:
    cal = _logistic()
    base = {"cosine": 0.9, "bm25": 0.5, "field": 0.0, "lexical": 0.3}
    assert cal.chance(base) == pytest.approx(1 / (1 + np.exp(-(-30 + 27 + 2))))
    for key in ("cosine", "bm25"):
        grid = [cal.chance({**base, key: x / 20}) for x in range(21)]
        assert all(b > a for a, b in itertools.pairwise(grid)), key
    # the ranker's own components (and anything else) do not move it
    assert cal.chance({**base, "field": 1.0, "lexical": 1.0, "region": 1.0}) == cal.chance(base)
    assert cal.tier(cal.probability({"cosine": 0.95, "bm25": 1.0})) == "strong"


def test_the_stored_file_round_trips_both_kinds_and_old_files_load(tmp_path: Path) -> None:
    both = Calibrations({"dense": _logistic(), "lexical": _calibration("lexical", "")},
                        {"fitted_at": "then"})  # fmt: skip
    save_calibrations(tmp_path, both)
    data = json.loads((tmp_path / "calibration.json").read_text(encoding="utf-8"))
    assert data["version"] == 2 and data["variants"]["dense"]["kind"] == "logistic"
    assert data["variants"]["dense"]["x"] == [] and "slopes" not in data["variants"]["lexical"]
    loaded = load_calibrations(tmp_path)
    assert loaded == both and loaded.meta == {"fitted_at": "then"}
    values = {"cosine": 0.93, "bm25": 0.7, "lexical": 0.8}
    assert loaded.variants["dense"].probability(values) == both.variants["dense"].probability(
        values
    )
    old = _calibration().to_dict()  # a file written before there were kinds
    del old["kind"]
    assert Calibration.from_dict(old).kind == "isotonic"
    assert Calibration.from_dict(old).probability_of(0.35) == pytest.approx(0.15)


def test_a_logistic_calibration_with_a_falling_slope_or_an_unknown_kind_is_refused() -> None:
    data = _logistic().to_dict()
    with pytest.raises(ValueError, match="negative"):
        Calibration.from_dict({**data, "slopes": {"cosine": 3.0, "bm25": -0.1}})
    with pytest.raises(ValueError, match="needs slopes"):
        Calibration.from_dict({**data, "slopes": {}})
    with pytest.raises(ValueError, match="kind 'forest'"):
        Calibration.from_dict({**data, "kind": "forest"})


def _misfiled_pool(needs: int = 80) -> tuple[dict, dict]:
    """Relevance follows the text evidence; ``field`` (weighed by the ranker) is noise, so a
    relevant pair's score is often pulled below an irrelevant one's."""
    rng = random.Random(5)
    pool, qrels = {}, {}
    for n in range(needs):
        need = f"D{n:03d}"
        items, judged = [], {}
        for a in range(15):
            text = rng.random()
            relevant = text > 0.8 and rng.random() < 0.9
            cosine = 0.85 + 0.1 * text + rng.gauss(0, 0.01)
            values = {"lexical": text, "dense": text, "bm25": text, "cosine": cosine,
                      "field": float(rng.random() < 0.5)}  # fmt: skip
            items.append((f"A{a:02d}", values))
            judged[f"A{a:02d}"] = 3 if relevant else 0
        pool[need], qrels[need] = items, judged
    return pool, qrels


def test_the_logistic_model_is_kept_when_it_ranks_held_out_pairs_better() -> None:
    pool, qrels = _misfiled_pool()
    needs = sorted(pool)
    folds = [needs[i::5] for i in range(5)]
    weights = Weights(text=0.5, bm25=0.0, cosine=0.0, field=0.5, maturity=0, mode=0, money=0,
                      region=0)  # fmt: skip
    cal, _ = fit_variant(pool, qrels, folds, lambda held: weights, weights, "dense", "m")
    compared = cal.held_out["compared"]
    assert compared["logistic"]["average_precision"] > compared["isotonic"]["average_precision"]
    assert cal.kind == "logistic" and set(cal.slopes) <= set(EVIDENCE)
    assert all(s >= 0 for s in cal.slopes.values()) and "field" not in cal.slopes
    assert cal.held_out["brier"] <= 0.10
    # monotone in each piece of evidence for equal others; the field does not move it
    base = {"lexical": 0.5, "dense": 0.5, "bm25": 0.5, "cosine": 0.9, "field": 0.0}
    for key in cal.slopes:
        grid = [cal.chance({**base, key: x / 10}) for x in range(11)]
        assert all(b >= a for a, b in itertools.pairwise(grid)), key
    assert cal.chance({**base, "field": 1.0}) == cal.chance(base)


def test_the_isotonic_probability_is_monotone_in_the_score() -> None:
    pool, qrels = _synthetic_pool()
    needs = sorted(pool)
    folds = [needs[i::5] for i in range(5)]
    weights = Weights(text=0.7, bm25=0.3, field=0, maturity=0, mode=0, money=0, region=0,
                      retrievers={"lexical": 1.0, "dense": 0.0})  # fmt: skip
    cal, _ = fit_variant(pool, qrels, folds, lambda held: weights, weights, "lexical", "")
    if cal.kind == "isotonic":
        grid = [cal.chance({"lexical": x / 20, "bm25": x / 20}) for x in range(21)]
    else:
        grid = [cal.chance({"lexical": x / 20, "bm25": 0.5}) for x in range(21)]
    assert all(b >= a for a, b in itertools.pairwise(grid))
    assert grid[-1] > grid[0]


def test_the_strong_cut_keeps_the_most_recall_at_the_target_precision() -> None:
    # precision 5/6 = 0.833 at 0.6, 6/7 = 0.857 at 0.55: the lowest cut at ≥ 0.85 is 0.55
    p = np.array([0.9, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.3, 0.2, 0.1])
    y = np.array([True, True, True, True, True, False, True, False, True, True])
    strong, possible, met = choose_cuts(HeldOut(p, y, 0))
    assert (strong, met) == (0.55, True)  # recall 6 of 8 = 0.75
    assert possible <= strong
    more = np.concatenate([y, np.ones(6, dtype=bool), np.zeros(20, dtype=bool)])
    lower = np.concatenate([p, np.full(26, 0.05)])  # 14 relevant: recall 6 / 14 < 0.6
    strong, _, met = choose_cuts(HeldOut(lower, more, 0))
    assert (strong, met) == (0.55, False)


def test_the_figures_give_the_strong_tier_recall_by_grade_and_the_report_says_it() -> None:
    p = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    grades = np.array([3, 2, 0, 3, 2, 2])
    h = HeldOut(p, grades >= 2, 0, grades)
    out = figures(h, 0.65, 0.15, False)
    assert out["strong_recall_by_grade"] == {"3": 0.5, "2": pytest.approx(1 / 3, abs=1e-4)}
    lines = calibration_report._grades(out["strong_recall_by_grade"])  # type: ignore[arg-type]
    assert "grade 3: 0.500, grade 2: 0.333" in lines[-1] and "only in part" in lines[-1]
    assert figures(HeldOut(p, grades >= 2, 0), 0.65, 0.15, False)["strong_recall_by_grade"] == {}
