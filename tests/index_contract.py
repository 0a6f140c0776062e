"""The ``SearchIndex`` contract as a reusable test class.

Each backend's tests subclass ``IndexContract`` and implement ``make_index`` (and, when the
backend needs it, ``drop_index``); every method of the protocol is checked for both kinds, the
order of results and what scores mean. Not collected by itself (no ``Test`` prefix).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from indexer.base import Filters, IndexedDoc, IndexMissingError, Manifest, SearchIndex


def doc(i: str, title: str, body: str, vec: list[float] | None = None, **kw: object) -> IndexedDoc:
    values: dict[str, object] = {
        "kind": "achievement",
        "id": i,
        "title_tokens": title.split(),
        "body_tokens": body.split(),
        "field": "materials.basalt_fiber",
        "field_top": "materials",
        "maturity": "pilot",
        "modes": ["license"],
        "region": "成都市",
        "money": 50.0,
        "content_hash": f"h-{i}",
        "vector": None if vec is None else np.asarray(vec, dtype=np.float32),
        **kw,
    }
    return IndexedDoc(**values)  # type: ignore[arg-type]


DOCS = [
    doc("a1", "玄武岩纤维 复合筋", "拉挤 成型 筋材", [1, 0, 0]),
    doc(
        "a2", "玻璃棉 固化", "离心玻璃棉 酚醛 固化", [0, 1, 0], field="materials.glass_fiber",
        maturity="industrial", modes=["transfer"], region="大竹县", money=200.0,
    ),
    doc(
        "a3", "富硒茶 加工", "绿茶 杀青", [0, 0, 1], field="agriculture.specialty",
        field_top="agriculture", money=None,
    ),
    doc("n1", "复合筋 桥梁", "桥面 钢筋 锈蚀 复合筋", [0.8, 0.2, 0], kind="need"),
    doc("n2", "茶叶 杀青", "杀青 温度 不稳", None, kind="need", field="agriculture.specialty"),
]  # fmt: skip


def manifest() -> Manifest:
    return Manifest("embedded", "", "tiny", 3, "test", vectors=True)


class IndexContract:
    """Subclass and implement ``make_index``; every test below runs against that backend."""

    def make_index(self, tmp_path: Path) -> SearchIndex:
        raise NotImplementedError

    def drop_index(self, index: SearchIndex) -> None:
        """Remove what the test built (a server's indices); files go with tmp_path."""

    @pytest.fixture()
    def empty(self, tmp_path: Path) -> Iterator[SearchIndex]:
        index = self.make_index(tmp_path)
        yield index
        self.drop_index(index)
        index.close()

    @pytest.fixture()
    def index(self, empty: SearchIndex) -> SearchIndex:
        empty.rebuild([DOCS], manifest())
        return empty

    # ---- state ---------------------------------------------------------------------------
    def test_missing_index_says_how_to_build(self, empty: SearchIndex) -> None:
        assert not empty.exists()
        with pytest.raises(IndexMissingError, match="techmatch index"):
            empty.manifest()

    def test_counts_and_manifest_for_both_kinds(self, index: SearchIndex) -> None:
        assert index.exists()
        assert index.count("achievement") == 3 and index.count("need") == 2
        m = index.manifest()
        assert m.counts == {"achievement": 3, "need": 2} and m.dimension == 3 and m.vectors
        assert m.generation and m.backend == index.backend

    def test_set_manifest_replaces_it(self, index: SearchIndex) -> None:
        m = index.manifest()
        m.counts = {"achievement": 9, "need": 9}
        index.set_manifest(m)
        assert index.manifest().counts == {"achievement": 9, "need": 9}

    # ---- lexical -------------------------------------------------------------------------
    def test_lexical_finds_only_matching_docs_of_the_kind(self, index: SearchIndex) -> None:
        hits = index.lexical("achievement", ["玻璃棉", "固化"], Filters(), 10)
        assert [h.id for h in hits] == ["a2"]
        needs = index.lexical("need", ["复合筋"], Filters(), 10)
        assert [h.id for h in needs] == ["n1"]

    def test_lexical_scores_are_positive_and_best_first(self, index: SearchIndex) -> None:
        hits = index.lexical("achievement", ["复合筋", "杀青", "杀青"], Filters(), 10)
        assert [h.id for h in hits] == ["a3", "a1"]
        assert all(h.score > 0 for h in hits) and hits[0].score >= hits[1].score

    def test_repeated_query_term_weighs_more(self, index: SearchIndex) -> None:
        base = index.lexical("achievement", ["玄武岩纤维", "杀青"], Filters(), 10)
        heavy = index.lexical("achievement", ["玄武岩纤维", "杀青", "杀青", "杀青"], Filters(), 10)
        assert base[0].id == "a1" and heavy[0].id == "a3"

    def test_unknown_and_empty_queries_find_nothing(self, index: SearchIndex) -> None:
        assert index.lexical("achievement", [], Filters(), 10) == []
        assert index.lexical("achievement", ["没有的词"], Filters(), 10) == []

    def test_lexical_limit(self, index: SearchIndex) -> None:
        assert len(index.lexical("achievement", ["复合筋", "固化", "杀青"], Filters(), 2)) == 2

    # ---- vectors -------------------------------------------------------------------------
    def test_vector_order_and_cosine_scores(self, index: SearchIndex) -> None:
        q = np.asarray([0.9, 0.1, 0], dtype=np.float32)
        hits = index.vector("achievement", q, Filters(), 3)
        assert [h.id for h in hits] == ["a1", "a2", "a3"]
        assert all(-1.0 - 1e-6 <= h.score <= 1.0 + 1e-6 for h in hits)
        assert hits[0].score > hits[1].score > hits[2].score

    def test_docs_without_vectors_are_never_returned(self, index: SearchIndex) -> None:
        q = np.asarray([0, 0, 1], dtype=np.float32)
        assert [h.id for h in index.vector("need", q, Filters(), 5)] == ["n1"]
        assert index.has_vector("need") == {"n1"}
        assert index.has_vector("achievement") == {"a1", "a2", "a3"}

    def test_vector_search_honours_filters(self, index: SearchIndex) -> None:
        q = np.asarray([0.9, 0.1, 0], dtype=np.float32)
        only_agri = index.vector("achievement", q, Filters(field="agriculture"), 3)
        assert [h.id for h in only_agri] == ["a3"]

    # ---- filters, browse, counts ---------------------------------------------------------
    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            (Filters(field="materials"), {"a1", "a2"}),
            (Filters(field="materials.glass_fiber"), {"a2"}),
            (Filters(maturity="pilot"), {"a1", "a3"}),
            (Filters(mode="transfer"), {"a2"}),
            (Filters(region="大竹县"), {"a2"}),
            (Filters(money_min=60), {"a2"}),
            (Filters(money_max=100), {"a1"}),
            (Filters(exclude_ids=("a1",)), {"a2", "a3"}),
        ],
    )
    def test_filters(self, index: SearchIndex, filters: Filters, expected: set[str]) -> None:
        assert set(index.browse("achievement", filters, 10)) == expected
        assert index.count("achievement", filters) == len(expected)
        hits = index.lexical("achievement", ["复合筋", "固化", "杀青"], filters, 10)
        assert {h.id for h in hits} == expected

    def test_browse_is_stable(self, index: SearchIndex) -> None:
        first = index.browse("achievement", Filters(), 10)
        assert sorted(first) == ["a1", "a2", "a3"]
        assert index.browse("achievement", Filters(), 10) == first
        assert len(index.browse("achievement", Filters(), 2)) == 2

    # ---- writes --------------------------------------------------------------------------
    def test_upsert_replaces_and_delete_removes(self, index: SearchIndex) -> None:
        q = np.asarray([0, 0, 1], dtype=np.float32)
        assert index.vector("achievement", q, Filters(), 1)[0].id == "a3"
        index.upsert([doc("a1", "富硒茶 新品", "茶 加工", [0, 0, 1], content_hash="new")])
        index.upsert([doc("a4", "卤水提锂", "吸附 提锂", [0.5, 0.5, 0])])
        assert {h.id for h in index.lexical("achievement", ["富硒茶"], Filters(), 10)} == {
            "a1",
            "a3",
        }
        assert index.lexical("achievement", ["复合筋"], Filters(), 10) == []
        assert index.count("achievement") == 4 and index.count("need") == 2
        index.delete("achievement", ["a3", "missing"])
        assert index.vector("achievement", q, Filters(), 1)[0].id == "a1"
        hashes = index.content_hashes("achievement")
        assert hashes.keys() == {"a1", "a2", "a4"} and hashes["a1"] == "new"

    def test_doc_freq(self, index: SearchIndex) -> None:
        assert index.doc_freq("achievement", ["固化", "加工", "nothing"]) == {
            "固化": 1,
            "加工": 1,
        }
        assert index.doc_freq("need", ["杀青", "复合筋"]) == {"杀青": 1, "复合筋": 1}

    def test_failed_rebuild_keeps_the_old_index_serving(self, index: SearchIndex) -> None:
        def broken() -> Iterator[list[IndexedDoc]]:
            yield [doc("b1", "新 文档", "内容", [1, 0, 0])]
            raise RuntimeError("encoder crashed")

        with pytest.raises(RuntimeError):
            index.rebuild(broken(), manifest())
        assert index.count("achievement") == 3
        assert index.lexical("achievement", ["复合筋"], Filters(), 5)[0].id == "a1"

    def test_rebuild_switches_to_a_new_generation(self, index: SearchIndex) -> None:
        first = index.manifest().generation
        index.rebuild([DOCS[:1]], manifest())
        assert index.count("achievement") == 1 and index.count("need") == 0
        assert index.manifest().generation != first
