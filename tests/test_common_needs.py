"""共性需求凝练: the grouping measured on the reference, proposals kept across runs, new needs
proposed for reviewed groups, reads that regroup only when the needs change, and the scoring
functions on hand-made cases."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest

from indexer.analysis import get_analyzer
from seed_data import SEED_DIR
from service.composition import Components
from service.listings.schemas import Kind, NeedIn
from service.programmes.common_needs.grouping import LEXICAL_THRESHOLD, NeedGrouper, Proposal
from service.programmes.common_needs.grouping_eval import evaluate, pairs_of, score
from service.programmes.common_needs.service import CommonNeeds
from service.programmes.common_needs.views import GroupStatus


def test_pairwise_scores_on_a_hand_made_case() -> None:
    reference = {"a": "G1", "b": "G1", "c": "G1", "d": "G2", "e": "G2"}
    found = {"a": 1, "b": 1, "d": 2, "e": 2, "f": 2}
    ids = ["a", "b", "c", "d", "e", "f", "g"]
    result = score(found, reference, ids, 0.5)
    assert pairs_of(reference) == {("a", "b"), ("a", "c"), ("b", "c"), ("d", "e")}
    # found pairs: ab, de, df, ef -> 2 right of 4; reference 4 pairs -> 2 found
    assert (result.precision, result.recall, result.f1) == (0.5, 0.5, 0.5)
    perfect = score({k: v for k, v in reference.items()}, reference, ids, 0.5)
    assert perfect.f1 == 1.0 and perfect.ari == 1.0


def test_the_threshold_is_the_cross_validated_cut(market: Components) -> None:
    report = evaluate(NeedGrouper(get_analyzer(SEED_DIR), market.encoder), SEED_DIR)
    assert report.reference_groups == 27 and report.needs == 225
    held = report.held_out
    assert held is not None and held.folds == 3 and held.shuffles == 10
    assert report.chosen.threshold == LEXICAL_THRESHOLD == held.threshold  # no model in tests
    assert 0 < held.f1 < report.chosen.f1 < 1  # held out is below the figure on all needs
    assert report.chosen.groups >= 10 and report.chosen.ari > 0
    assert "held out" in report.summary()[0] and "target 0.6" in report.summary()[0]


def need(title: str, description: str, enterprise: str, need_id: str) -> NeedIn:
    return NeedIn(
        id=need_id,
        title=title,
        description=description,
        enterprise=enterprise,
        field="materials.basalt_fiber",
        region="宣汉县",
    )


def test_one_enterprise_is_not_a_common_need(market: Components) -> None:
    text = "玄武岩纤维拉丝漏板下垂，断丝频繁，需要改进漏板合金与温度控制"
    for i, name in enumerate(["甲公司", "甲公司", "乙公司"]):
        title = "拉丝漏板断丝" if i < 2 else "果园病虫害防治"
        body = text if i < 2 else "脆李园病虫害严重，需要绿色防控技术与植保服务"
        market.listings.create(Kind.need, need(title, body, name, f"N900{i}"), None)
    assert market.common_needs.grouper.group(list(market.catalog.iter_all(Kind.need))) == []
    market.listings.create(
        Kind.need, need("漏板断丝严重", text + "，降低停机", "丙公司", "N9009"), None
    )
    groups = market.common_needs.grouper.group(list(market.catalog.iter_all(Kind.need)))
    assert len(groups) == 1 and set(groups[0].need_ids) == {"N9000", "N9001", "N9009"}
    assert "漏板" in groups[0].key_terms and groups[0].title


def test_reviewed_groups_stay_and_new_needs_are_proposed_for_them(
    seeded_market: Components,
) -> None:
    board = seeded_market.common_needs
    groups = board.list().groups
    kept = next(g for g in groups if "N1001" in g.needs)  # the 拉丝漏板 group of the seed
    board.rename(kept.id, "拉丝漏板与断丝", user_id=1)
    board.set_status(kept.id, GroupStatus.published, user_id=1)
    new = need(
        "拉丝漏板下垂、断丝频繁，求漏板改进",
        "我们的玄武岩纤维拉丝漏板用一年就下垂，断丝频繁，拉丝断头后停机接头时间长，"
        "丝径不匀，想找能改进漏板结构和温度场、减少断丝的技术",
        "达州示例纤维新材料有限公司",
        "N9100",
    )
    seeded_market.listings.create(Kind.need, new, None)
    after = board.list()
    again = next(g for g in after.groups if g.id == kept.id)
    assert again.title == "拉丝漏板与断丝" and again.status is GroupStatus.published
    assert set(kept.needs) == set(again.needs)
    assert [m.id for m in again.suggested] == ["N9100"]
    assert all(g.status is GroupStatus.proposed for g in after.groups if g.id != kept.id)
    board.accept_member(kept.id, "N9100", user_id=1)
    assert "N9100" in board.get(kept.id, achievements=0).needs


@pytest.mark.parametrize("status", [GroupStatus.reviewed, GroupStatus.dismissed])
def test_a_dismissed_group_leaves_the_list(seeded_market: Components, status: GroupStatus) -> None:
    board = seeded_market.common_needs
    first = board.list().groups[0]
    board.set_status(first.id, status, user_id=1)
    shown = {g.id for g in board.list().groups}
    assert (first.id in shown) is (status is GroupStatus.reviewed)


def test_reads_regroup_only_when_the_published_needs_change(
    seeded_market: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = seeded_market.common_needs
    runs: list[int] = []
    group = board.grouper.group

    def counted(needs: Sequence[Any], threshold: float | None = None) -> list[Proposal]:
        runs.append(len(needs))
        return group(needs, threshold)

    monkeypatch.setattr(board.grouper, "group", counted)
    first = board.list(achievements=0)
    assert len(runs) == 1 and len(first.groups) >= 10
    assert board.list(achievements=0) == first and len(runs) == 1  # the second read
    # another worker process (a fresh part on the same database) reads the stored proposals
    other = CommonNeeds(seeded_market.catalog.engine, seeded_market.catalog, board.grouper,
                        board.ranker)  # fmt: skip
    assert other.list(achievements=0) == first and len(runs) == 1
    # every proposal reviewed or dismissed: still nothing to regroup
    for g in first.groups:
        board.set_status(g.id, GroupStatus.dismissed, user_id=1)
    other = CommonNeeds(seeded_market.catalog.engine, seeded_market.catalog, board.grouper,
                        board.ranker)  # fmt: skip
    assert other.list(achievements=0).groups == [] and len(runs) == 1
    # a review action shows at once (the kept answer is keyed by the groups' stamp)
    board.set_status(first.groups[0].id, GroupStatus.reviewed, user_id=1)
    assert [g.id for g in board.list(achievements=0).groups] == [first.groups[0].id]
    assert len(runs) == 1
    # an achievement changed: the catalog's version moved, the needs did not
    achievement = next(seeded_market.catalog.iter_all(Kind.achievement, published_only=True))
    seeded_market.listings.update(Kind.achievement, achievement.id, {"price_wan": 9}, None)
    board.list(achievements=0)
    assert len(runs) == 1
    # a new need: regrouped once, then read as stored again
    seeded_market.listings.create(
        Kind.need, need("拉丝漏板断丝", "玄武岩纤维拉丝漏板下垂，断丝频繁", "丁公司", "N9200"), None
    )
    board.list(achievements=0)
    board.list(achievements=0)
    assert len(runs) == 2


def test_a_read_during_a_regrouping_serves_the_stored_groups(seeded_market: Components) -> None:
    board = seeded_market.common_needs
    before = {g.id for g in board.list().groups}
    text = "我们的玄武岩纤维拉丝漏板用一年就下垂，断丝频繁，想找能改进漏板结构的技术"
    seeded_market.listings.create(Kind.need, need("漏板下垂断丝", text, "丁公司", "N9200"), None)
    board._refreshing.acquire()  # another thread of the process is regrouping
    try:
        answered: list[set[int]] = []
        reader = threading.Thread(
            target=lambda: answered.append({g.id for g in board.list().groups}), daemon=True
        )
        reader.start()
        reader.join(timeout=20)
        assert answered == [before]  # answered at once, from the stored groups
    finally:
        board._refreshing.release()
    assert board.refresh() is True  # once free, the new need is grouped
