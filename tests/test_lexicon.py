"""The problem-to-technology lexicon: loading, finding problems, query expansion, bridges."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

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


def test_a_need_in_plain_words_reaches_the_achievement_through_the_lexicon(
    seeded_market: Components,
) -> None:
    lexicon = ProblemLexicon([("河水发黑发臭", ["微纳米气泡", "增氧", "生态浮岛"])])
    need = seeded_market.catalog.get(Kind.need, "N2001").model_copy(
        update={"title": "村旁小河河水发黑发臭", "description": "夏天尤其严重，村民意见很大。"}
    )
    base = seeded_market.matcher
    plain = base.variant(base.weights, MatchConfig(lexicon=False)).match_listing(Kind.need, need)
    with_lexicon = base.variant(base.weights, MatchConfig())
    with_lexicon.lexicon = lexicon
    result = with_lexicon.match_listing(Kind.need, need)
    assert result.lexicon == ["河水发黑发臭→微纳米气泡、增氧、生态浮岛"]
    assert result.matches[0].id == "A2053"
    assert "河水发黑发臭→微纳米气泡" in result.matches[0].bridges
    assert "A2053" not in [m.id for m in plain.matches[:1]] and not plain.lexicon
