"""A bulk import is searchable at once; its vectors follow in a background queue (#24)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from service.composition import build_components
from service.listings.schemas import Kind
from tests.conftest import make_settings

ROWS = [
    ("卤水提锂吸附剂{}", "以铝系吸附剂从低品位卤水中提取锂，吸附容量高，循环寿命长。"),
    ("秸秆缓释肥{}", "以农作物秸秆为载体制备缓释肥料，肥效期九十天以上。"),
    ("玄武岩纤维复合筋{}", "玄武岩纤维复合筋用于边坡支护与隧道锚固，耐腐蚀。"),
]


def _csv(path: Path, rows: int) -> Path:
    lines = ["id,title,summary,institution,field,maturity"]
    for i in range(rows):
        title, summary = ROWS[i % len(ROWS)]
        lines.append(f"Q{i:03d},{title.format(i)},{summary},示例大学,materials,pilot")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_imported_rows_are_searchable_before_their_vectors(
    home: Path, tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    market = build_components(make_settings(home, embedding_model=str(tiny_model)))
    market.catalog.create_schema()
    market.indexing.sync()  # an empty index with vectors on
    gate = threading.Event()
    work = market.indexing.vectors.work

    def held(kind: str, listings: list[object]) -> None:
        gate.wait(30)  # the encoder is busy: the rows wait for their vectors
        work(kind, listings)

    monkeypatch.setattr(market.indexing.vectors, "work", held)
    try:
        report = market.listings.import_file(Kind.achievement, _csv(tmp_path / "a.csv", 6), None)
        assert report.created == 6
        found = market.searcher.search("卤水提锂", kind=Kind.achievement)
        assert {"Q000", "Q003"} <= {item.id for item in found.items}  # searchable at once
        assert market.index.has_vector("achievement") == set()
        waiting = market.indexing.vectors.status()
        assert waiting.busy and waiting.total == 6 and waiting.done == 0
    finally:
        gate.set()
    done = market.indexing.vectors.wait()
    assert not done.busy and done.done == 6
    assert market.index.has_vector("achievement") == {f"Q{i:03d}" for i in range(6)}
    market.close()


def test_vectors_left_waiting_are_made_by_the_next_sync(
    home: Path, tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    market = build_components(make_settings(home, embedding_model=str(tiny_model)))
    market.catalog.create_schema()
    market.indexing.sync()
    monkeypatch.setattr(market.indexing.vectors, "add", lambda kind, listings: None)  # stopped
    market.listings.import_file(Kind.achievement, _csv(tmp_path / "b.csv", 3), None)
    assert market.index.has_vector("achievement") == set()
    report = market.indexing.sync()  # what `techmatch index` or the next start-up runs
    assert report.updated == 3
    assert market.index.has_vector("achievement") == {"Q000", "Q001", "Q002"}
    market.close()
