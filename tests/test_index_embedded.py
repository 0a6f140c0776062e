"""The embedded backend (SQLite FTS5 + numpy vectors): the shared contract, then what only a
file-based backend has to promise (readers in other processes follow a rebuild)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.backends.factory import create_index
from indexer.base import Filters, SearchIndex
from tests.index_contract import DOCS, IndexContract, doc, manifest


class TestEmbeddedContract(IndexContract):
    def make_index(self, tmp_path: Path) -> SearchIndex:
        return create_index("embedded", root=tmp_path / "index")


def test_rebuild_switches_generation_and_readers_follow(tmp_path: Path) -> None:
    root = tmp_path / "index"
    writer, reader = create_index("embedded", root=root), create_index("embedded", root=root)
    writer.rebuild([DOCS], manifest())
    assert reader.count("achievement") == 3
    first = reader.manifest().generation
    writer.rebuild([DOCS[:1]], manifest())
    assert reader.count("achievement") == 1 and reader.manifest().generation != first
    writer.upsert([doc("a9", "新增", "内容", [0, 1, 0])])  # another connection's commit
    q = np.asarray([0, 1, 0], dtype=np.float32)
    assert reader.vector("achievement", q, Filters(), 1)[0].id == "a9"


def test_dense_score_averages_the_listing_and_its_best_passage(tmp_path: Path) -> None:
    index = create_index("embedded", root=tmp_path / "index")
    unit = np.eye(3, dtype=np.float32)
    whole_only = doc("a1", "甲", "乙", [1, 0, 0])
    with_passages = doc(
        "a2", "丙", "丁", [0, 1, 0], passages=["标题", "一句"], passage_vectors=unit[[1, 0]]
    )
    index.rebuild([[whole_only, with_passages]], manifest())
    query = np.asarray([1, 0, 0], dtype=np.float32)
    hits = {h.id: h.score for h in index.vector("achievement", query, Filters(), 10)}
    # a1 has no passages: its own cosine; a2: (0 + its best passage's 1) / 2
    assert hits == {"a1": 1.0, "a2": 0.5}
    best = index.best_passages("achievement", query, ["a1", "a2"])
    assert set(best) == {"a2"} and best["a2"].text == "一句" and best["a2"].score == 1.0
    # a new version replaces the passages; a deletion removes them
    index.upsert([doc("a2", "丙", "丁", [0, 1, 0], passages=["新"], passage_vectors=unit[[2]])])
    assert index.best_passages("achievement", query, ["a2"])["a2"].text == "新"
    index.delete("achievement", ["a2"])
    assert index.best_passages("achievement", query, ["a2"]) == {}
    index.close()
