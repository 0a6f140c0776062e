"""Writes and rebuilds (defects 4 and 9 of issue 11): a write made while a rebuild reads the
catalog is in the new generation when it is switched to, and a write committed to the catalog
but never indexed (a crash between the two) is searchable after the next start."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.backends.embedded import DB_NAME
from indexer.base import Filters
from service.composition import Components
from service.listings.schemas import AchievementIn, Kind, NeedIn, Status
from tests.desk_support import api_client

NEW_ACH = {
    "id": "RW-A1",
    "title": "锂渣制备加气混凝土砌块技术",
    "summary": "以锂冶炼废渣为硅质原料制备蒸压加气混凝土砌块，干密度B06级，抗压强度达到A3.5。",
    "institution": "示例研究所",
    "field": "materials.other",
    "maturity": "pilot",
}
NEW_NEED = {
    "id": "RW-N1",
    "title": "天然气净化厂硫磺回收尾气达标改造",
    "description": "公司硫磺回收装置尾气二氧化硫排放接近限值，希望引进尾气深度处理工艺，"
    "在不停产的条件下完成改造。",
    "enterprise": "达州示例化工有限公司",
    "region": "达川区",
    "field": "materials.other",
}


class WritingSource:
    """The catalog, but the first time achievements are read it makes writes through the one
    write path: as an API request would while ``techmatch index --rebuild`` is loading."""

    def __init__(self, market: Components, withdraw: str) -> None:
        self.market = market
        self.withdraw = withdraw
        self.fired = False

    def iter_published(self, kind: str) -> Iterator[Any]:
        for number, listing in enumerate(self.market.catalog.iter_published(kind)):
            yield listing
            if number == 0 and not self.fired:
                self.fired = True
                writer = self.market.listings
                writer.create(Kind.achievement, AchievementIn.model_validate(NEW_ACH), None)
                writer.create(Kind.need, NeedIn.model_validate(NEW_NEED), None)
                writer.set_status(Kind.achievement, self.withdraw, Status.withdrawn)

    def count_published(self, kind: str) -> int:
        return self.market.catalog.count_published(kind)

    def published_ids(self, kind: str) -> set[str]:
        return self.market.catalog.published_ids(kind)

    def iter_published_since(self, kind: str, since: dt.datetime) -> Iterator[Any]:
        return self.market.catalog.iter_published_since(kind, since)


def _ids_in(generation: Path, kind: str) -> set[str]:
    with sqlite3.connect(generation / DB_NAME) as db:
        return {r[0] for r in db.execute("SELECT id FROM docs WHERE kind = ?", (kind,))}


def test_writes_during_a_rebuild_are_in_the_new_generation(
    seeded_market: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    market = seeded_market
    withdrawn = next(iter(market.catalog.iter_published("achievement"))).id
    monkeypatch.setattr(market.indexing, "source", WritingSource(market, withdrawn))
    generations = market.index.generations  # type: ignore[attr-defined]
    switch = generations.switch
    at_switch: dict[str, set[str]] = {}

    def inspecting_switch(path: Path) -> None:
        at_switch.update({k: _ids_in(path, k) for k in ("achievement", "need")})
        switch(path)

    monkeypatch.setattr(generations, "switch", inspecting_switch)
    market.indexing.rebuild()
    assert "RW-A1" in at_switch["achievement"] and "RW-N1" in at_switch["need"]
    tokens = market.analyzer.tokens("锂渣 加气混凝土 砌块")
    assert "RW-A1" in [h.id for h in market.index.lexical("achievement", tokens, Filters(), 5)]
    assert withdrawn not in market.index.content_hashes("achievement")
    assert market.index.count("achievement") == market.catalog.count(Kind.achievement)
    assert market.index.count("need") == market.catalog.count(Kind.need)


@pytest.mark.anyio
async def test_a_write_committed_but_never_indexed_is_searchable_after_start(
    seeded_market: Components,
) -> None:
    market = seeded_market
    market.catalog.create(Kind.achievement, AchievementIn.model_validate(NEW_ACH))  # then a crash
    assert "RW-A1" not in market.index.content_hashes("achievement")
    async with api_client(market, None) as client:  # the app's start-up runs
        r = await client.get(
            "/api/search", params={"q": "锂渣加气混凝土砌块", "kind": "achievement"}
        )
        assert r.status_code == 200
        assert "RW-A1" in [item["id"] for item in r.json()["items"]]
