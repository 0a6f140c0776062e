from pathlib import Path

import pytest

from indexer.base import IndexMismatchError
from service import index_sync
from service.engine import Engine
from service.schemas import AchievementIn, Kind
from tests.conftest import make_settings

ACH = {
    "id": "S-A1",
    "title": "卤水提锂吸附剂",
    "summary": "铝系吸附剂从低浓度卤水中提锂，锂回收率达到90%以上。",
    "institution": "示例研究所",
    "field": "resources_env.gas_lithium",
    "maturity": "pilot",
}


def test_first_index_is_a_rebuild_then_incremental(engine: Engine) -> None:
    engine.catalog.create(Kind.achievement, AchievementIn.model_validate(ACH))
    first = index_sync.sync(engine)
    assert first.mode == "rebuild" and first.added == 1
    again = index_sync.sync(engine)
    assert (again.mode, again.unchanged, again.added, again.updated) == ("incremental", 1, 0, 0)
    engine.catalog.patch(Kind.achievement, "S-A1", {"title": "卤水提锂新型吸附剂"})
    engine.catalog.create(Kind.achievement, AchievementIn.model_validate({**ACH, "id": "S-A2"}))
    third = index_sync.sync(engine)
    assert (third.updated, third.added, third.unchanged) == (1, 1, 0)
    engine.catalog.patch(Kind.achievement, "S-A2", {"status": "withdrawn"})
    fourth = index_sync.sync(engine)
    assert fourth.removed == 1 and fourth.counts["achievement"] == 1


def test_service_refuses_an_index_built_for_another_model(engine: Engine, home: Path) -> None:
    index_sync.sync(engine)
    other = Engine(make_settings(home, embedding_model="some/other-model"))
    with pytest.raises(IndexMismatchError, match="techmatch index --rebuild"):
        other.index.manifest().check(model=other.model_name, analyzer=other.analyzer.version)
    from service.app import create_app

    with pytest.raises(IndexMismatchError):
        create_app(engine=other)
    other.close()


def test_vectors_are_built_and_cached(home: Path, tiny_model: Path) -> None:
    engine = Engine(make_settings(home, embedding_model=str(tiny_model)))
    engine.catalog.create_schema()
    engine.catalog.create(Kind.achievement, AchievementIn.model_validate(ACH))
    report = index_sync.sync(engine)
    assert report.vectors and report.embedded == 1
    assert engine.index.has_vector("achievement") == {"S-A1"}
    rebuilt = index_sync.sync(engine, force=True)
    assert rebuilt.mode == "rebuild" and rebuilt.embedded == 0  # served from the cache
    engine.close()
