"""The term extractor: what users read as terms is technical, never a filler word or a fragment,
on every surface that shows terms (keywords, shared terms, group titles and key terms, search
highlights), and search no longer matches on a general word."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.analysis import get_analyzer
from indexer.terms import TermExtractor, TermRules
from seed_data import SEED_DIR
from service import clock
from service.accounts import Role
from service.composition import Components
from service.listings.schemas import Kind
from service.programmes.common_needs.grouping import name_from_terms
from service.programmes.events.service import PRESENTATIONS_MAX, EventIn
from service.quality import terms as quality
from tests.desk_support import make_user

# Words named in issue #23 and in the criteria as generic, colloquial or fragments.
_FILLER_TEXT = (
    "容易 省点 就要 出来 产品 外地 年产 工人 客户 四川 达州 出法 厂烧天然气 烫手 窑子 下来 "
    "车间 工艺 技术 问题 设备 需要 成本 效果 东西 办法 老师傅 单位 厂里 现场 全靠"
)
FILLER = frozenset(_FILLER_TEXT.split())


@pytest.fixture(scope="module")
def extractor() -> TermExtractor:
    return TermExtractor(get_analyzer(), TermRules.packaged(SEED_DIR))


def test_filler_words_and_fragments_are_not_terms(extractor: TermExtractor) -> None:
    assert [w for w in sorted(FILLER) if extractor.is_term(w)] == []
    for word in ("耐高温", "富硒", "渠县黄花", "准确率", "电子商务", "履带式", "每批", "矿里"):
        assert not extractor.is_term(word), word


def test_domain_terms_are_terms(extractor: TermExtractor) -> None:
    for word in (
        "漏板",
        "玄武岩纤维",
        "脱硝",
        "硫化氢",
        "磷酸铁锂",
        "al2o3",
        "so2",
        "缓蚀剂",
        "收割机",
    ):
        assert extractor.is_term(word), word


def test_terms_of_a_colloquial_sentence(extractor: TermExtractor) -> None:
    found = extractor.terms("窑子烧天然气就要省点，拉丝断头一多客户就退货，工人说出来的料不匀")
    assert "拉丝" in found and not FILLER.intersection(found)


def test_specific_words_are_what_search_requires(extractor: TermExtractor) -> None:
    assert extractor.specific("水田") and extractor.specific("收割机")
    assert not extractor.specific("容易") and not extractor.specific("产品")
    assert not extractor.specific("达州")


def test_group_titles_are_short_phrases_of_terms() -> None:
    assert name_from_terms(["漏板", "拉丝", "断丝"]) == "漏板、拉丝与断丝"
    assert name_from_terms(["硫磺"]) == "硫磺"
    assert name_from_terms([]) == "未命名共性需求"
    assert len(name_from_terms(["超薄柔性玻璃", "离子交换强化", "熔盐老化管理"])) <= 16


def _generic_list() -> frozenset[str]:
    """The words of ``seed_data/terms/generic.txt`` (criteria rules 11–20)."""
    rules = TermRules.packaged(SEED_DIR)
    return rules.generic


def _invitation_terms(market: Components) -> set[str]:
    """The terms quoted by event invitations: one event a top-level field, presenting (up to
    the limit) the field's achievements; each reason's shared terms and its 技术要点 text."""
    broker = make_user(market, Role.broker, "terms-broker")
    by_field: dict[str, list[str]] = {}
    for listing in market.catalog.iter_all(Kind.achievement, published_only=True):
        by_field.setdefault(listing.field.split(".")[0], []).append(listing.id)
    quoted: set[str] = set()
    for field, ids in sorted(by_field.items()):
        data = EventIn(
            title=f"{field}成果对接会", kind="对接会", date=clock.today(), place="达州市科技局",
            field=field, capacity=20,
        )  # fmt: skip
        event = market.events.create(data, ids[:PRESENTATIONS_MAX], broker)
        for invitation in market.invitations.eligible(event):
            for reason in invitation.achievements:
                quoted.update(reason.shared_terms)
                if "技术要点：" in reason.reason:
                    quoted.update(reason.reason.split("技术要点：", 1)[1].split("、"))
    return quoted


def _shown_on_the_seed(market: Components) -> dict[str, set[str]]:
    """Every word the seed market shows as a term, by where it is shown."""
    shown: dict[str, set[str]] = {}
    for kind in Kind:
        for listing in market.catalog.iter_all(kind, published_only=True):
            found = market.suggester.suggest(kind, listing.body, listing.title).keywords
            shown.setdefault("keyword", set()).update(found)
    for need in market.catalog.iter_all(Kind.need, published_only=True):
        for match in market.matcher.match(Kind.need, need.id, limit=10).matches:
            shown.setdefault("shared term", set()).update(match.shared_terms)
    for group in market.common_needs.list(achievements=5).groups:
        parts = group.title.replace("与", "、").split("、")
        shown.setdefault("group title", set()).update(parts)
        shown.setdefault("key term", set()).update(group.key_terms)
        for fit in group.achievements:  # what 揭榜挂帅 candidates show
            shown.setdefault("candidate term", set()).update(fit.shared_terms)
    shown["invitation reason"] = _invitation_terms(market)
    return shown


def test_no_filler_word_is_shown_anywhere_on_the_seed(seeded_market: Components) -> None:
    forbidden = FILLER | _generic_list()
    shown = _shown_on_the_seed(seeded_market)
    assert set(shown) == {
        "keyword", "shared term", "group title", "key term", "candidate term",
        "invitation reason",
    }  # fmt: skip
    assert all(shown[where] for where in ("keyword", "shared term", "invitation reason"))
    bad = {where: sorted(words & forbidden) for where, words in shown.items() if words & forbidden}
    assert bad == {}


def test_every_seed_group_has_a_technical_title(seeded_market: Components) -> None:
    extractor = seeded_market.matcher.terms
    groups = seeded_market.common_needs.list().groups
    assert groups
    for group in groups:
        assert group.key_terms and group.title != "未命名共性需求", group.needs
        assert all(extractor.is_term(t) for t in group.key_terms), group.key_terms


def test_search_drops_results_that_share_only_a_general_word(seeded_market: Components) -> None:
    query = "收割机在水田里容易陷车"
    page = seeded_market.searcher.search(query, page_size=50)
    assert page.items
    extractor = seeded_market.searcher.terms
    wanted = {t for t in seeded_market.analyzer.tokens(query) if extractor.specific(t)}
    for item in page.items:
        listing = seeded_market.catalog.get(item.kind, item.id)
        tokens = set(seeded_market.analyzer.tokens(f"{listing.title} {listing.body}"))
        assert tokens & wanted, item.title  # lexical only here: no semantic neighbours
        assert "容易" not in item.matched_terms
        assert set(item.matched_terms) <= wanted


def test_a_single_word_query_is_unchanged(seeded_market: Components) -> None:
    assert seeded_market.searcher.search("漏板").items


def test_precision_and_kappa_are_computed_from_labels(
    extractor: TermExtractor, tmp_path: Path
) -> None:
    labels = [
        quality.Labelled("漏板", "N1", 1, "拉丝漏板下垂"),
        quality.Labelled("容易", "N1", 0, "收割机容易陷车"),
        quality.Labelled("收割机", "N1", 1, "收割机容易陷车"),
    ]
    score = quality.precision("t", extractor, labels)
    assert (score.shown, score.correct, score.terms) == (2, 2, 2)
    second = tmp_path / "second.tsv"
    second.write_text("term\tlabel\n漏板\t1\n容易\t0\n收割机\t0\n", encoding="utf-8")
    agreed = quality.agreement(labels, quality.read_second(second))
    assert agreed is not None and agreed.items == 3 and agreed.agreed == pytest.approx(0.667, 0.01)


def test_the_shipped_labels_meet_the_criteria_file() -> None:
    directory = SEED_DIR / "terms"
    assert (directory / "criteria.md").exists()
    rows = quality.read_labels(directory / "labels.tsv")
    rows += quality.read_labels(directory / "labels-heldout.tsv")
    assert len(rows) >= 400 and {r.label for r in rows} == {0, 1}
    earlier = {r.term for r in rows}
    for n in ("", "2", "3", "4", "5"):
        name = f"labels-fresh{n}.tsv"
        fresh = quality.read_labels(directory / name)  # blind draws: 240 shown, 80 not
        assert len(fresh) == 320 and {r.label for r in fresh} == {0, 1}, name
        assert not earlier & {r.term for r in fresh}, name  # drawn outside earlier samples
        earlier |= {r.term for r in fresh}


def test_the_terms_section_measures_the_fresh_samples(seeded_market: Components) -> None:
    from service.cli.terms import terms_section

    lines = terms_section(seeded_market, grouping=False)
    assert any(line.startswith("| fresh sample 5 (blind, after the rules") for line in lines)
    agreed = [line for line in lines if "fresh samples 2 and 3:" in line]
    assert agreed and "160 words labelled by both" in agreed[0]
    # fresh sample 4, labelled whole by a second labeller: agreement and precision by theirs
    fourth = [
        line for line in lines if "fresh sample 4 (blind; the dictionary audited since):" in line
    ]
    assert fourth and "320 words labelled by both" in fourth[0]
    assert any(line.startswith("| fresh sample 4 (blind; the dictionary audited since), second")
               for line in lines)  # fmt: skip


def test_the_second_labelling_of_fresh_sample_4_covers_it_row_by_row() -> None:
    directory = SEED_DIR / "terms"
    first = quality.read_labels(directory / "labels-fresh4.tsv")
    second = quality.read_second(directory / "second-fresh4.tsv")
    assert {r.term for r in first} == set(second) and set(second.values()) == {0, 1}
