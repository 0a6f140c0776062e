"""Common-need grouping: the sentence alignment, the blend of signals, needs worded differently
grouped by meaning, the product (the enterprise's name words) taken out of the compared text,
the cut fitted per mode, the folds of the reference groups, the cross-validation, and the
grouping method in the regrouping fingerprint."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from indexer.analysis import get_analyzer
from indexer.embedding import SemanticEncoder
from seed_data import SEED_DIR
from service.composition import Components
from service.listings.schemas import Kind
from service.programmes.common_needs import group_reads
from service.programmes.common_needs.grouping import (
    LEXICAL_THRESHOLD,
    THRESHOLD,
    NeedGrouper,
    cluster,
)
from service.programmes.common_needs.grouping_eval import seed_needs
from service.programmes.common_needs.grouping_folds import (
    cross_validate,
    cross_validate_fitted,
    fold_of,
)
from service.programmes.common_needs.grouping_similarity import (
    NeedSimilarity,
    Signals,
    aligned,
    on_scale,
    without_name,
)
from tests.test_common_needs import need


class TopicEncoder:
    """A model that knows that 陷 (a machine sinking in the mud) and 履带 (tracks) mean the same
    thing (any other text: a vector of its own), and records the role of every text it encodes."""

    name = "fake/topics"
    dimension = 16
    asymmetric = True

    def __init__(self) -> None:
        self.roles: list[tuple[str, bool]] = []

    def encode(self, texts: Sequence[str], query: bool = False) -> np.ndarray:
        self.roles += [(t, query) for t in texts]
        rows = []
        for text in texts:
            seed = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
            row = np.random.default_rng(seed).normal(size=self.dimension) * 0.3
            row[0] += 3.0 * ("陷" in text or "履带" in text)
            rows.append(row / np.linalg.norm(row))
        return np.array(rows, dtype=np.float32)


def test_each_sentence_takes_its_best_match_in_the_other_need() -> None:
    e = np.eye(3, dtype=np.float32)
    # need 0: sentences x, y; need 1: sentence x; need 2: sentence z
    vectors = np.stack([e[0], e[1], e[0], e[2]])
    sim = aligned(vectors, [2, 1, 1])
    # 0 → 1: x finds x (1), y finds nothing (0): 0.5; 1 → 0: x finds x: 1; mean 0.75
    assert sim[0, 1] == pytest.approx(0.75) and sim[1, 0] == pytest.approx(0.75)
    assert sim[0, 2] == pytest.approx(0.0) and np.allclose(np.diag(sim), 1.0)


def test_alignment_in_chunks_equals_alignment_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.programmes.common_needs import grouping_similarity

    rng = np.random.default_rng(3)
    counts = [int(c) for c in rng.integers(1, 5, size=9)]
    vectors = rng.normal(size=(sum(counts), 8))
    whole = aligned(vectors, counts)
    monkeypatch.setattr(grouping_similarity, "ALIGN_CHUNK", 2)
    assert np.allclose(aligned(vectors, counts), whole)


def test_a_signal_on_another_scale_keeps_its_order_and_stays_symmetric() -> None:
    rng = np.random.default_rng(1)
    raw = rng.random((6, 6))
    other, reference = raw + raw.T, rng.random((6, 6))
    reference = reference + reference.T
    mapped = on_scale(other, reference)
    upper = np.triu_indices(6, 1)
    assert np.allclose(mapped, mapped.T)
    assert (np.argsort(mapped[upper]) == np.argsort(other[upper])).all()
    assert sorted(mapped[upper]) == pytest.approx(sorted(reference[upper]), abs=0.5)


def test_without_a_model_the_similarity_is_the_word_cosine() -> None:
    words = np.array([[1.0, 0.2, 0.1], [0.2, 1.0, 0.6], [0.1, 0.6, 1.0]])
    blank = np.zeros((3, 0))
    assert np.array_equal(Signals(words, [], blank).blended(), words)
    meaning = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.2], [0.1, 0.2, 1.0]])
    mixed = Signals(words, [], blank, (meaning, meaning)).blended()
    assert mixed[0, 1] > words[0, 1]  # meaning lifts the pair the words rank low
    assert sorted(mixed[np.triu_indices(3, 1)]) == sorted(words[np.triu_indices(3, 1)])


def test_needs_worded_differently_are_grouped_by_meaning(tmp_path: Path) -> None:
    fake = TopicEncoder()
    analyzer = get_analyzer(SEED_DIR)
    mud = "冬水田收谷子，收割机一下田就陷"
    needs = [
        *seed_needs(SEED_DIR),
        need(mud, "田里泥脚深，收割机下去就陷住，一年要请吊车好几回", "甲合作社", "N9001"),
        need(
            "丘陵窄幅履带底盘", "想要低接地比压的履带底盘，适合小块山地作业", "乙农机公司", "N9002"
        ),
    ]
    lexical = NeedGrouper(analyzer, SemanticEncoder("", tmp_path / "none.sqlite3"))
    assert lexical.threshold == LEXICAL_THRESHOLD
    assert not any({"N9001", "N9002"} <= set(g.need_ids) for g in lexical.group(needs))
    encoder = SemanticEncoder(fake.name, tmp_path / "cache.sqlite3", loaded=fake)
    grouper = NeedGrouper(analyzer, encoder)
    assert grouper.threshold == THRESHOLD
    assert any({"N9001", "N9002"} <= set(g.need_ids) for g in grouper.group(needs))
    # the whole need and its sentences are compared in the query role, as written and with
    # the enterprise's name words taken out (甲合作社: 合作社)
    assert all(query for _, query in fake.roles)
    assert any(t.startswith(mud + "。") for t, _ in fake.roles)
    assert (mud, True) in fake.roles and (
        "田里泥脚深，收割机下去就陷住，一年要请吊车好几回",
        True,
    ) in fake.roles
    assert NeedGrouper(analyzer, encoder, threshold=0.1).threshold == 0.1


def test_the_product_named_by_the_enterprise_is_taken_out_of_the_compared_text(
    tmp_path: Path,
) -> None:
    analyzer = get_analyzer(SEED_DIR)
    assert without_name("坡地魔芋机械化收获", analyzer.words("万源市秦巴魔芋开发有限公司")) == (
        "坡地机械化收获"
    )
    # words of one length overlap (脆李, 李园): one is taken, whatever order they come in
    assert without_name("管理脆李园", ["脆李", "李园"]) == without_name(
        "管理脆李园", ["李园", "脆李"]
    )
    konjac, ramie = (
        need(
            f"{crop}收获机械",
            f"坡地{crop}收获全靠人工，想要小型收获机械。",
            enterprise,
            f"N900{i}",
        )
        for i, (crop, enterprise) in enumerate(
            [("魔芋", "万源市秦巴魔芋开发有限公司"), ("苎麻", "大竹县麻源苎麻专业合作社")]
        )
    )
    fake = TopicEncoder()
    encoder = SemanticEncoder(fake.name, tmp_path / "cache.sqlite3", loaded=fake)
    similarity = NeedSimilarity(analyzer, encoder)
    assert similarity.without_product(ramie)[1] == [
        "收获机械",
        "坡地收获全靠人工，想要小型收获机械。",
    ]
    whole, masked, sentences = similarity.signals([konjac, ramie]).semantic
    # as written the two needs differ by their crop; without it they state one problem
    assert whole[0, 1] < 0.9
    assert masked[0, 1] == pytest.approx(1.0) and sentences[0, 1] == pytest.approx(1.0)
    # what is shipped precomputed for the seed (query_texts) is all that was encoded
    assert set(similarity.query_texts([konjac, ramie])) == {t for t, _ in fake.roles}


def reference_case() -> tuple[list[SimpleNamespace], dict[str, str]]:
    reference = {f"g{g}n{i}": f"G{g}" for g in range(6) for i in range(2)}
    ids = [*reference, *(f"free{i}" for i in range(9))]
    needs = [SimpleNamespace(id=i, organisation=f"org-{i}") for i in ids]
    return needs, reference


def test_a_reference_group_stays_in_one_fold_and_free_needs_are_dealt_too() -> None:
    needs, reference = reference_case()
    for shuffle in range(3):
        folds = fold_of(needs, reference, 3, shuffle)
        for g in range(6):
            assert (
                folds[needs.index(next(n for n in needs if n.id == f"g{g}n0"))]
                == folds[needs.index(next(n for n in needs if n.id == f"g{g}n1"))]
            )
        assert sorted(np.bincount(folds).tolist()) == [7, 7, 7]
    assert not np.array_equal(fold_of(needs, reference, 3, 0), fold_of(needs, reference, 3, 1))


def test_the_cut_is_fitted_outside_the_fold_it_is_scored_on() -> None:
    needs, reference = reference_case()
    n = len(needs)
    sim = np.full((n, n), 0.1)
    for i in range(0, 12, 2):  # every reference pair alike, 0.9
        sim[i, i + 1] = sim[i + 1, i] = 0.9
    np.fill_diagonal(sim, 1.0)
    held = cross_validate(needs, reference, [0.05, 0.5, 0.95], lambda t: cluster(sim, t), 3, 2)
    assert (held.f1, held.precision, held.recall, held.threshold) == (1.0, 1.0, 1.0, 0.5)
    assert len(held.cuts) == 6 and held.f1_spread == 0.0

    seen: list[int] = []

    def fit(training: np.ndarray) -> object:
        seen.append(int(training.sum()))  # fitted on the needs outside the fold only
        return lambda t: cluster(sim, t)

    cross_validate_fitted(needs, reference, [0.5], fit, 3, 1)  # type: ignore[arg-type]
    assert seen == [14, 14, 14]


def test_the_regrouping_fingerprint_names_the_grouping_method(
    seeded_market: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    needs = list(seeded_market.catalog.iter_all(Kind.need, published_only=True))
    before = group_reads.needs_mark(needs, False)
    monkeypatch.setattr(group_reads, "METHOD", "another way of comparing needs")
    assert group_reads.needs_mark(needs, False) != before
