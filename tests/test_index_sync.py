import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.base import IndexMismatchError
from service.composition import Components, build_components
from service.listings.schemas import AchievementIn, Kind
from tests.conftest import make_settings

ACH = {
    "id": "S-A1",
    "title": "卤水提锂吸附剂",
    "summary": "铝系吸附剂从低浓度卤水中提锂，锂回收率达到90%以上。",
    "institution": "示例研究所",
    "field": "resources_env.gas_lithium",
    "maturity": "pilot",
}


def test_first_index_is_a_rebuild_then_incremental(market: Components) -> None:
    market.catalog.create(Kind.achievement, AchievementIn.model_validate(ACH))
    first = market.indexing.sync()
    assert first.mode == "rebuild" and first.added == 1
    again = market.indexing.sync()
    assert (again.mode, again.unchanged, again.added, again.updated) == ("incremental", 1, 0, 0)
    market.catalog.patch(Kind.achievement, "S-A1", {"title": "卤水提锂新型吸附剂"})
    market.catalog.create(Kind.achievement, AchievementIn.model_validate({**ACH, "id": "S-A2"}))
    third = market.indexing.sync()
    assert (third.updated, third.added, third.unchanged) == (1, 1, 0)
    market.catalog.patch(Kind.achievement, "S-A2", {"status": "withdrawn"})
    fourth = market.indexing.sync()
    assert fourth.removed == 1 and fourth.counts["achievement"] == 1


@pytest.mark.anyio
async def test_service_refuses_an_index_built_for_another_model(
    market: Components, home: Path
) -> None:
    market.indexing.sync()
    other = build_components(make_settings(home, embedding_model="some/other-model"))
    with pytest.raises(IndexMismatchError, match="techmatch index --rebuild"):
        other.index.manifest().check(
            model=other.encoder.model_name, analyzer=other.analyzer.version
        )
    from service.app import create_app

    app = create_app(parts=other)
    with pytest.raises(IndexMismatchError):  # start-up (the lifespan) refuses to serve
        await app.router.lifespan_context(app).__aenter__()
    other.close()


def test_vectors_are_built_and_cached(home: Path, tiny_model: Path) -> None:
    market = build_components(make_settings(home, embedding_model=str(tiny_model)))
    market.catalog.create_schema()
    market.catalog.create(Kind.achievement, AchievementIn.model_validate(ACH))
    report = market.indexing.sync()
    # the listing's text, and its passages: the title and the summary's one sentence
    assert report.vectors and report.embedded == 3
    assert market.index.has_vector("achievement") == {"S-A1"}
    assert market.index.manifest().passages
    vector = market.encoder.encode_query("卤水中提锂的吸附剂")
    assert vector is not None
    best = market.index.best_passages("achievement", vector, ["S-A1", "missing"])
    assert set(best) == {"S-A1"} and best["S-A1"].text in (ACH["title"], ACH["summary"])
    rebuilt = market.indexing.sync(force=True)
    assert rebuilt.mode == "rebuild" and rebuilt.embedded == 0  # served from the cache
    market.close()


class CountingSource:
    """The catalog, counting the listings each kind of read hands out."""

    def __init__(self, market: Components) -> None:
        self.catalog = market.catalog
        self.full = 0
        self.since = 0

    def iter_published(self, kind: str) -> Iterator[Any]:
        for listing in self.catalog.iter_published(kind):
            self.full += 1
            yield listing

    def iter_published_since(self, kind: str, since: dt.datetime) -> Iterator[Any]:
        for listing in self.catalog.iter_published_since(kind, since):
            self.since += 1
            yield listing

    def __getattr__(self, name: str) -> Any:
        return getattr(self.catalog, name)


def test_a_sync_reads_only_what_was_written_since_unless_the_index_lost_some(
    market: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(5):
        market.catalog.create(
            Kind.achievement, AchievementIn.model_validate({**ACH, "id": f"S{i}"})
        )
    market.indexing.sync()
    source = CountingSource(market)
    monkeypatch.setattr(market.indexing, "source", source)
    market.catalog.patch(Kind.achievement, "S1", {"title": "卤水提锂新型吸附剂"})
    market.catalog.patch(Kind.achievement, "S2", {"status": "withdrawn"})
    report = market.indexing.sync()
    assert (report.updated, report.removed, report.unchanged) == (1, 1, 3)
    assert source.full == 0 and source.since <= 4  # the listings of the last minutes only
    market.index.delete("achievement", ["S3"])  # lost behind the sync's back
    report = market.indexing.sync()
    assert report.added == 1 and source.full == 4  # a full pass found it
    assert market.index.content_hashes("achievement").keys() == {"S0", "S1", "S3", "S4"}
