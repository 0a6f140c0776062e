"""The SearchIndex contract, run against every backend (Elasticsearch when ELASTICSEARCH_URL)."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from indexer.base import Filters, IndexedDoc, IndexMissingError, Manifest, SearchIndex
from indexer.factory import create_index


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
        "vector": None if vec is None else np.asarray(vec, dtype=np.float32),
        **kw,
    }
    return IndexedDoc(**values)  # type: ignore[arg-type]


DOCS = [
    doc("a1", "玄武岩纤维 复合筋", "拉挤 成型 筋材", [1, 0, 0]),
    doc(
        "a2",
        "玻璃棉 固化",
        "离心玻璃棉 酚醛 固化",
        [0, 1, 0],
        field="materials.glass_fiber",
        maturity="industrial",
        modes=["transfer"],
        region="大竹县",
        money=200.0,
    ),
    doc(
        "a3",
        "富硒茶 加工",
        "绿茶 杀青",
        [0, 0, 1],
        field="agriculture.specialty",
        field_top="agriculture",
        money=None,
    ),
]


def manifest() -> Manifest:
    return Manifest("embedded", "", "tiny", 3, "test", vectors=True)


ES_URL = os.environ.get("ELASTICSEARCH_URL")
BACKENDS = [
    "embedded",
    pytest.param(
        "elasticsearch",
        marks=pytest.mark.skipif(
            not ES_URL, reason="ELASTICSEARCH_URL is not set: no live Elasticsearch here"
        ),
    ),
]


@pytest.fixture(params=BACKENDS)
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    """Each backend, built fresh (a new index prefix per test on Elasticsearch)."""
    idx = create_index(
        request.param,
        root=tmp_path / "index",
        es_url=ES_URL or "",
        es_prefix=f"techmatch-test-{uuid.uuid4().hex[:8]}",
        es_replicas=0,
    )
    idx.rebuild([DOCS], manifest())
    yield idx
    if request.param == "elasticsearch":
        _drop_es_indices(idx)
    idx.close()


def _drop_es_indices(idx: SearchIndex) -> None:
    client = idx._es()  # type: ignore[attr-defined]
    for name in client.indices.get(index=f"{idx.prefix}-*").body:  # type: ignore[attr-defined]
        client.indices.delete(index=name)


def test_missing_index_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="techmatch index"):
        create_index("embedded", root=tmp_path / "none").manifest()


def test_counts_and_manifest(index: SearchIndex) -> None:
    assert index.count("achievement") == 3 and index.count("need") == 0
    m = index.manifest()
    assert m.counts == {"achievement": 3, "need": 0} and m.dimension == 3 and m.vectors


def test_lexical_ranks_matching_docs(index: SearchIndex) -> None:
    hits = index.lexical("achievement", ["玻璃棉", "固化"], Filters(), 10)
    assert hits[0].id == "a2" and {h.id for h in hits} == {"a2"}
    assert index.lexical("achievement", [], Filters(), 10) == []


def test_repeated_query_term_weighs_more(index: SearchIndex) -> None:
    base = index.lexical("achievement", ["玄武岩纤维", "杀青"], Filters(), 10)
    heavy = index.lexical("achievement", ["玄武岩纤维", "杀青", "杀青", "杀青"], Filters(), 10)
    assert base[0].id == "a1" and heavy[0].id == "a3"


def test_vector_search_and_filters(index: SearchIndex) -> None:
    q = np.asarray([0.9, 0.1, 0], dtype=np.float32)
    assert [h.id for h in index.vector("achievement", q, Filters(), 2)] == ["a1", "a2"]
    only_agri = index.vector("achievement", q, Filters(field="agriculture"), 3)
    assert [h.id for h in only_agri] == ["a3"]


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
def test_filters(index: SearchIndex, filters: Filters, expected: set[str]) -> None:
    assert set(index.browse("achievement", filters, 10)) == expected
    assert index.count("achievement", filters) == len(expected)


def test_upsert_replaces_and_delete_removes(index: SearchIndex) -> None:
    q = np.asarray([0, 0, 1], dtype=np.float32)
    assert index.vector("achievement", q, Filters(), 1)[0].id == "a3"
    index.upsert([doc("a1", "富硒茶 新品", "茶 加工", [0, 0, 1])])
    index.upsert([doc("a4", "卤水提锂", "吸附 提锂", [0.5, 0.5, 0])])
    assert {h.id for h in index.lexical("achievement", ["富硒茶"], Filters(), 10)} == {"a1", "a3"}
    assert index.lexical("achievement", ["复合筋"], Filters(), 10) == []
    assert index.count("achievement") == 4
    index.delete("achievement", ["a3", "missing"])
    assert index.vector("achievement", q, Filters(), 1)[0].id == "a1"
    assert index.content_hashes("achievement").keys() == {"a1", "a2", "a4"}


def test_doc_freq(index: SearchIndex) -> None:
    assert index.doc_freq("achievement", ["固化", "加工", "nothing"]) == {"固化": 1, "加工": 1}


def test_failed_rebuild_keeps_the_old_index_serving(index: SearchIndex) -> None:
    def broken() -> Iterator[list[IndexedDoc]]:
        yield [doc("b1", "新 文档", "内容")]
        raise RuntimeError("encoder crashed")

    with pytest.raises(RuntimeError):
        index.rebuild(broken(), manifest())
    assert index.count("achievement") == 3
    assert index.lexical("achievement", ["复合筋"], Filters(), 5)[0].id == "a1"


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
