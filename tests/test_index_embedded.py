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
