"""Query understanding: key-term weights, synonym expansions reported, feedback terms."""

from __future__ import annotations

from service.composition import Components
from service.listings.schemas import Kind
from service.matching.query import (
    MAX_TERM_REPEAT,
    QueryPlan,
    feedback_terms,
    key_terms,
    plain_terms,
    with_feedback,
)
from service.matching.weights import MatchConfig


def test_key_terms_are_weighted_not_every_token(seeded_market: Components) -> None:
    need = seeded_market.catalog.get(Kind.need, "N1001")
    plan = key_terms(seeded_market.analyzer, seeded_market.index, need, Kind.achievement)
    plain = plain_terms(seeded_market.analyzer, need)
    assert len(set(plan.weights.values())) > 3  # graded, not uniform
    assert set(plain.weights.values()) == {1.0}
    heaviest = plan.key_terms(5)
    assert plan.terms.count(heaviest[0]) == MAX_TERM_REPEAT
    assert all(not seeded_market.analyzer.boilerplate & {t} for t in plan.weights)
    assert "漏板" in plan.key_terms(15)


def test_synonym_expansions_are_reported(seeded_market: Components) -> None:
    need = seeded_market.catalog.get(Kind.need, "N1002")  # writes BFRP筋 and 玄武岩纤维
    result = seeded_market.matcher.match(Kind.need, "N1002", limit=3)
    plan = key_terms(seeded_market.analyzer, seeded_market.index, need, Kind.achievement)
    assert result.expansions == [f"{a}→{b}" for a, b in plan.expansions]
    for written, canonical in plan.expansions:
        assert seeded_market.analyzer.synonyms[written] == canonical


def test_feedback_terms_come_from_top_results_and_weigh_less(seeded_market: Components) -> None:
    need = seeded_market.catalog.get(Kind.need, "N2001")
    plan = key_terms(seeded_market.analyzer, seeded_market.index, need, Kind.achievement)
    top = list(seeded_market.catalog.get_many(Kind.achievement, ["A2003", "A2004", "A2001"]))
    listings = [seeded_market.catalog.get(Kind.achievement, i) for i in top]
    terms = feedback_terms(
        seeded_market.analyzer, seeded_market.index, plan, Kind.achievement, listings
    )
    assert terms and not set(terms) & set(plan.terms)
    expanded = with_feedback(plan, terms)
    assert expanded.count(terms[0]) < expanded.count(plan.key_terms(1)[0])


def test_matcher_reports_feedback_terms_and_can_switch_them_off(seeded_market: Components) -> None:
    understood = MatchConfig(query="understood", feedback=True)
    on = seeded_market.matcher.variant(config=understood).match(Kind.need, "N2001", limit=5)
    off = seeded_market.matcher.match(Kind.need, "N2001", 5)  # the default: no feedback
    assert on.feedback_terms and not off.feedback_terms
    assert on.query_terms == off.query_terms
    assert on.matches[0].id == "A2003"


def test_plain_config_queries_every_token(seeded_market: Components) -> None:
    result = seeded_market.matcher.variant(config=MatchConfig(query="plain")).match(
        Kind.need, "N2001"
    )
    assert not result.feedback_terms and result.matches


def test_empty_plan_has_no_key_terms() -> None:
    assert QueryPlan(terms=[]).key_terms() == []
