"""The embedded index's segments: BM25 scored exactly as SQLite FTS5 scores it (FTS5 itself is
the oracle), before and after writes that land in the delta; the HNSW graph (the whole contract
again with it on, and its recall@10 against the exact scan); indexes of older layouts."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from indexer.backends.embedded import EmbeddedIndex
from indexer.backends.factory import create_index
from indexer.base import Filters, IndexedDoc, IndexMismatchError, SearchIndex
from tests.index_contract import DOCS, IndexContract, doc, manifest

WORDS = [f"词{i}" for i in range(40)]


class TestEmbeddedContractThroughTheGraph(IndexContract):
    """Every contract test with dense search going through the HNSW graph."""

    def make_index(self, tmp_path: Path) -> SearchIndex:
        return create_index("embedded", root=tmp_path / "index", ann_threshold=1)


def _corpus(rng: random.Random, n: int, prefix: str = "d") -> list[IndexedDoc]:
    return [
        doc(
            f"{prefix}{i}",
            " ".join(rng.choices(WORDS[:10], k=rng.randint(1, 4))),
            " ".join(rng.choices(WORDS, k=rng.randint(3, 30))),
        )
        for i in range(n)
    ]


def _fts5(docs: dict[str, IndexedDoc], tokens: list[str]) -> dict[str, float]:
    """What SQLite FTS5's bm25 (title weighted 2) says about the same documents."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(id UNINDEXED, title, body)")
    db.executemany(
        "INSERT INTO f VALUES (?, ?, ?)",
        [(d.id, " ".join(d.title_tokens), " ".join(d.body_tokens)) for d in docs.values()],
    )
    query = " OR ".join(f'"{t}"' for t in tokens)
    rows = db.execute("SELECT id, -bm25(f, 0, 2.0, 1.0) FROM f WHERE f MATCH ?", (query,))
    return dict(rows.fetchall())


def _ours(index: SearchIndex, tokens: list[str]) -> dict[str, float]:
    return {h.id: h.score for h in index.lexical("achievement", tokens, Filters(), 1000)}


def _assert_same_scores(
    index: SearchIndex, docs: dict[str, IndexedDoc], rng: random.Random
) -> None:
    for _ in range(25):
        tokens = rng.choices([*WORDS, "没有的词"], k=rng.randint(1, 12))  # repeats weigh more
        expected, got = _fts5(docs, tokens), _ours(index, tokens)
        assert got.keys() == expected.keys()
        for listing_id, score in expected.items():
            assert got[listing_id] == pytest.approx(score, rel=1e-5)


def test_bm25_is_fts5s_before_and_after_writes(tmp_path: Path) -> None:
    rng = random.Random(5)
    index = EmbeddedIndex(tmp_path / "index")
    docs = {d.id: d for d in _corpus(rng, 120)}
    index.rebuild([list(docs.values())], manifest())
    _assert_same_scores(index, docs, rng)
    changed = _corpus(rng, 15)[::2] + _corpus(rng, 6, prefix="new")  # edits and additions
    index.upsert(changed)
    docs.update({d.id: d for d in changed})
    gone = ["d3", "d50", "d1"]
    index.delete("achievement", gone)
    for listing_id in gone:
        docs.pop(listing_id)
    _assert_same_scores(index, docs, rng)
    assert index.doc_freq("achievement", ["词0", "没有的词"]) == {
        "词0": sum("词0" in d.title_tokens + d.body_tokens for d in docs.values())
    }
    assert index.count("achievement") == len(docs)


def test_other_processes_see_the_delta(tmp_path: Path) -> None:
    writer = EmbeddedIndex(tmp_path / "index")
    reader = EmbeddedIndex(tmp_path / "index")
    writer.rebuild([DOCS], manifest())
    assert [h.id for h in reader.lexical("achievement", ["复合筋"], Filters(), 5)] == ["a1"]
    writer.upsert([doc("a1", "富硒茶", "茶", [0, 0, 1]), doc("a7", "复合筋 新", "筋材", [1, 0, 0])])
    assert [h.id for h in reader.lexical("achievement", ["复合筋"], Filters(), 5)] == ["a7"]
    q = np.asarray([1, 0, 0], dtype=np.float32)
    assert reader.vector("achievement", q, Filters(), 1)[0].id == "a7"


def _clustered(rng: np.random.Generator, n: int, dim: int = 48) -> np.ndarray:
    centres = rng.standard_normal((40, dim))
    vectors = centres[rng.integers(0, 40, n)] + 0.6 * rng.standard_normal((n, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_graph_recall_at_10_against_the_exact_scan(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    vectors = _clustered(rng, 3000)
    docs = [
        doc(f"v{i}", "词1", "词2", list(v), field_top="materials" if i % 3 else "agriculture")
        for i, v in enumerate(vectors)
    ]
    graph = EmbeddedIndex(tmp_path / "graph", ann_threshold=1)
    exact = EmbeddedIndex(tmp_path / "exact", ann_threshold=10**9)
    for index in (graph, exact):
        index.rebuild([docs], manifest())
    assert graph._view("achievement").segment.vectors.ann is not None
    assert exact._view("achievement").segment.vectors.ann is None
    recalls = []
    for query in _clustered(rng, 60):
        for filters in (Filters(), Filters(field="agriculture"), Filters(exclude_ids=("v1",))):
            truth = [h.id for h in exact.vector("achievement", query, filters, 10)]
            got = [h.id for h in graph.vector("achievement", query, filters, 10)]
            recalls.append(len(set(truth) & set(got)) / 10)
            assert "v1" not in got or filters.exclude_ids == ()
    assert np.mean(recalls) >= 0.98


def test_a_changed_vector_is_never_answered_from_the_graph(tmp_path: Path) -> None:
    index = EmbeddedIndex(tmp_path / "index", ann_threshold=1)
    index.rebuild([DOCS], manifest())
    q = np.asarray([0.9, 0.1, 0], dtype=np.float32)
    assert index.vector("achievement", q, Filters(), 1)[0].id == "a1"
    index.upsert([doc("a1", "玄武岩纤维", "筋材", [0, 0, 1])])
    hits = {h.id: h.score for h in index.vector("achievement", q, Filters(), 3)}
    assert max(hits, key=lambda i: hits[i]) == "a2" and hits["a1"] == pytest.approx(0.0)


def test_an_index_of_the_older_layout_asks_for_a_rebuild(tmp_path: Path) -> None:
    index = EmbeddedIndex(tmp_path / "index")
    index.rebuild([DOCS], manifest())
    current = index.generations.current()
    assert current is not None
    for segment_file in current.glob("achievement.*"):
        segment_file.unlink()
    stale = EmbeddedIndex(tmp_path / "index")
    with pytest.raises(IndexMismatchError, match="techmatch index --rebuild"):
        stale.manifest()
