"""Shared fixtures: a scratch TECHMATCH_HOME, a seeded market, and a tiny real model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from seed_data import SEED_DIR
from service.composition import Components, build_components
from service.config import Settings
from service.publishing.loader import seed
from tests.support.tiny_model import build_tiny_model


def make_settings(home: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "home": home,
        "embedding_model": "",
        "upkeep_seconds": 0,  # no background thread unless a test asks for one
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture()
def anyio_backend() -> str:
    """The async tests (marked ``anyio``) run on asyncio."""
    return "asyncio"


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture()
def market(home: Path) -> Iterator[Components]:
    """A market on an empty catalog, lexical only (no model)."""
    market = build_components(make_settings(home))
    market.catalog.create_schema()
    yield market
    market.close()


@pytest.fixture(scope="session")
def seeded_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the seed data loaded and indexed (lexical only); copy before writing."""
    path = tmp_path_factory.mktemp("seeded") / "home"
    market = build_components(make_settings(path))
    seed(market.catalog, SEED_DIR)
    market.indexing.rebuild()
    market.close()
    return path


@pytest.fixture()
def seeded_market(seeded_home: Path, tmp_path: Path) -> Iterator[Components]:
    import shutil

    copy = tmp_path / "seeded"
    shutil.copytree(seeded_home, copy)
    market = build_components(make_settings(copy))
    yield market
    market.close()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real sentence-transformers model built offline from seed text."""
    texts = []
    for path in sorted((SEED_DIR / "achievements").glob("*.jsonl"))[:2]:
        for line in path.read_text(encoding="utf-8").splitlines()[:60]:
            record = json.loads(line)
            texts.append(record["title"] + record["summary"])
    return build_tiny_model(texts, tmp_path_factory.mktemp("tiny-model"))
