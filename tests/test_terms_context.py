"""The checks of a term against its sentence (``indexer/term_context.py``) and the word rules
added with them: a piece of a value's name, a standard's number, an English word or a name in
Latin letters, an everyday quantity of a thing and a class of use are not shown; the same words
in another sentence, or a term beside them, still are."""

from __future__ import annotations

import pytest

from indexer.analysis import get_analyzer
from indexer.term_context import Sentence
from indexer.terms import TermExtractor, TermRules
from seed_data import SEED_DIR


@pytest.fixture(scope="module")
def extractor() -> TermExtractor:
    return TermExtractor(get_analyzer(), TermRules.packaged(SEED_DIR))


def test_a_piece_of_a_value_name_is_not_shown(extractor: TermExtractor) -> None:
    assert "硫化" not in extractor.terms("胶料的硫化值偏低")
    assert "硫化" in extractor.terms("胶料经硫化处理")


def test_a_standard_number_and_its_body_are_not_shown(extractor: TermExtractor) -> None:
    found = extractor.terms("可按ASTM E1441等标准出具检测报告")
    assert "e1441" not in found and "astm" not in found
    assert "h13" in extractor.terms("模具采用H13钢制造")


def test_english_words_and_names_need_the_dictionary(extractor: TermExtractor) -> None:
    found = extractor.terms("支持MySQL、Oracle、达梦等数据库，还容易产生闪点（sparkle）")
    assert "oracle" not in found and "sparkle" not in found and "mysql" in found
    assert "ptfe" in extractor.terms("膜材为PTFE微孔膜")


def test_the_case_is_read_where_the_word_is_written() -> None:
    sentence = Sentence.of("用 Oracle 与 PTFE", "用 oracle 与 ptfe")
    assert sentence.misread("oracle", 2, 8, known=False)
    assert not sentence.misread("ptfe", 11, 15, known=False)
    assert not sentence.misread("oracle", 2, 8, known=True)


def test_an_everyday_quantity_of_a_thing_is_not_a_term(extractor: TermExtractor) -> None:
    assert not extractor.is_term("甲醛浓度") and extractor.is_term("甲醛")
    assert extractor.is_term("析晶温度")  # a quantity of a process: a named property


def test_a_class_of_use_over_everyday_characters_is_not_a_term(extractor: TermExtractor) -> None:
    assert not extractor.is_term("常用药") and not extractor.is_term("边角料")
    assert extractor.is_term("收割机") and extractor.is_term("排水管")


def test_everyday_characters_need_three_and_a_thing_head(extractor: TermExtractor) -> None:
    for word in ("胃酸", "病菌", "可用性", "命中率", "网格化"):
        assert not extractor.is_term(word), word
    assert extractor.is_term("柴油机") and extractor.is_term("硫酸锂")  # 锂: specialised


def test_size_codes_and_amounts_of_an_element_are_not_terms(extractor: TermExtractor) -> None:
    assert not extractor.is_term("dn300") and not extractor.is_term("sn10000")
    assert not extractor.is_term("铁含量") and not extractor.is_term("高浓度")
    assert extractor.is_term("hrb400e") and extractor.is_term("拉伸强度")
