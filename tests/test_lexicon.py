"""The problem-to-technology lexicon: loading, finding problems, query expansion, bridges."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from seed_data import SEED_DIR
from service.composition import Components
from service.listings.schemas import Kind
from service.matching.lexicon import ProblemLexicon, bridges, read_entries
from service.matching.weights import MatchConfig


def test_the_longest_problem_wins_and_each_is_found_once() -> None:
    lexicon = ProblemLexicon(
        [("氨氮", ["硝化"]), ("氨氮超标", ["生物脱氮", "硝化"]), ("浮头", ["溶解氧"])]
    )
    hints = lexicon.hints("冬天氨氮超标，鱼塘浮头；氨氮超标更严重")
    assert [h.problem for h in hints] == ["氨氮超标", "浮头"]
    assert hints[0].concepts == ("生物脱氮", "硝化")
    assert hints[0].label() == "氨氮超标→生物脱氮、硝化"


def test_rows_of_one_problem_merge_and_text_is_normalised() -> None:
    lexicon = ProblemLexicon([("浮头", ["溶解氧"]), ("浮头", ["增氧", "溶解氧"])])
    assert len(lexicon) == 1
    assert lexicon.hints("ＡＢ浮头")[0].concepts == ("溶解氧", "增氧")
    assert ProblemLexicon([]).hints("浮头") == []


def test_bridges_name_only_concepts_the_other_side_uses() -> None:
    hints = ProblemLexicon([("浮头", ["溶解氧", "增氧"])]).hints("清早鱼浮头")
    assert bridges(hints, "池塘溶解氧在线监测") == ["浮头→溶解氧"]
    assert bridges(hints, "饲料配方") == []


def test_a_malformed_row_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "x.tsv"
    path.write_text("problem\tconcepts\tnote\n浮头\t溶解氧,增氧\t\n只有问题\n\t溶解氧\n", "utf-8")
    with caplog.at_level(logging.WARNING):
        entries = read_entries(path)
    assert entries == [("浮头", ["溶解氧", "增氧"])]
    assert "x.tsv:3" in caplog.text and "x.tsv:4" in caplog.text


def test_a_pair_explains_its_bridges_and_a_weight_moves_it_up(seeded_market: Components) -> None:
    lexicon = ProblemLexicon([("河水发黑发臭", ["微纳米气泡", "增氧", "生态浮岛"])])
    need = seeded_market.catalog.get(Kind.need, "N2001").model_copy(
        update={"title": "村旁小河河水发黑发臭", "description": "夏天尤其严重，村民意见很大。"}
    )
    base = seeded_market.matcher
    off = base.variant(base.weights, MatchConfig(lexicon=False))
    off.lexicon = lexicon
    plain = off.match_listing(Kind.need, need, limit=50)
    assert not plain.lexicon and not any(m.bridges for m in plain.matches)

    explained = base.variant(base.weights, MatchConfig())
    explained.lexicon = lexicon
    result = explained.match_listing(Kind.need, need, limit=50)
    assert result.lexicon == ["河水发黑发臭→微纳米气泡、增氧、生态浮岛"]
    bridged = next(m for m in result.matches if m.id == "A2053")
    assert bridged.bridges == [
        "河水发黑发臭→微纳米气泡",
        "河水发黑发臭→增氧",
        "河水发黑发臭→生态浮岛",
    ]
    rank = bridged.rank

    by_score = MatchConfig(ordered=False)  # the weight moves the score (not the probability)
    weighted = base.variant(dataclasses.replace(base.weights, lexicon=0.5), by_score)
    weighted.lexicon = lexicon
    top = weighted.match_listing(Kind.need, need, limit=50).matches
    assert top[0].id == "A2053" and rank > 1
    component = next(c for c in top[0].components if c.name == "lexicon")
    assert component.value == 1.0 and "河水发黑发臭→增氧" in component.note


def test_achievement_side_lists_the_bridges_of_each_need(seeded_market: Components) -> None:
    base = seeded_market.matcher
    matcher = base.variant(base.weights, MatchConfig())
    matcher.lexicon = ProblemLexicon([("净化", ["MDEA", "脱硫"])])
    result = matcher.match(Kind.achievement, "A2003", limit=10)
    assert any(m.bridges for m in result.matches)
    assert all(b.startswith("净化→") for m in result.matches for b in m.bridges)


def test_the_shipped_lexicon_covers_every_sub_field() -> None:
    import json

    files = {p.stem for p in (SEED_DIR / "lexicon").glob("*.tsv")}
    taxonomy = json.loads((SEED_DIR / "taxonomy.json").read_text(encoding="utf-8"))
    subfields = {c["code"] for f in taxonomy["fields"] for c in f["children"]}
    assert subfields <= files
    lexicon = ProblemLexicon.load(SEED_DIR)
    assert len(lexicon) >= 1500
    problems = [p for path in sorted((SEED_DIR / "lexicon").glob("*.tsv"))
                for p, _ in read_entries(path)]  # fmt: skip
    assert all(len(p) >= 2 for p in problems)


def test_a_concept_bridged_by_two_problems_is_listed_once() -> None:
    lexicon = ProblemLexicon([("鱼塘清早浮头", ["溶解氧"]), ("浮头", ["溶解氧", "增氧"])])
    hints = lexicon.hints("鱼塘清早浮头，白天也浮头")
    assert bridges(hints, "溶解氧在线监测与增氧") == ["鱼塘清早浮头→溶解氧", "浮头→增氧"]
