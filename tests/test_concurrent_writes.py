"""Writers beside a long import (defect 6 of issue 11): while a bulk import holds SQLite's write
lock, API writes wait and retry instead of failing with ``database is locked``."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from service.accounts import Role
from service.catalog import Catalog, CatalogBusyError, db
from service.composition import build_components
from service.listings.schemas import Kind
from service.publishing.loader import import_file
from tests.conftest import make_settings
from tests.desk_support import api_client, make_user

pytestmark = pytest.mark.anyio
ROWS = 20_000

NEED = {
    "title": "玄武岩纤维复合筋用于桥面铺装的技术合作",
    "description": "公司承接农村公路桥梁维修，桥面钢筋锈蚀严重，希望引入耐腐蚀的复合筋。",
    "enterprise": "达州示例路桥工程有限公司",
    "field": "materials.basalt_fiber",
    "region": "达川区",
}


def _big_file(path: Path) -> Path:
    record = {
        "title": "玄武岩纤维复合筋连续拉挤成型技术",
        "summary": "采用连续拉挤工艺制备玄武岩纤维复合筋，可替代钢筋用于腐蚀环境。",
        "institution": "示例大学",
        "field": "materials.basalt_fiber",
        "maturity": "pilot",
        "region": "成都市",
    }
    with path.open("w", encoding="utf-8") as handle:
        for i in range(ROWS):
            handle.write(json.dumps({**record, "id": f"BULK{i:06d}"}, ensure_ascii=False) + "\n")
    return path


async def test_api_writes_beside_a_long_import_never_fail(
    seeded_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite's own wait made short, so only the retry policy stands between a writer and
    # "database is locked" (the real wait is 10 s; a big enough import outlasts any wait).
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 50)
    shutil.copytree(seeded_home, tmp_path / "home")
    market = build_components(make_settings(tmp_path / "home"))
    enterprise = make_user(market, Role.enterprise)
    source = _big_file(tmp_path / "bulk.jsonl")
    importer = Catalog(market.settings.catalog_url)  # the CLI's own process and engine
    imported: list[int] = []
    done = threading.Event()

    def long_import() -> None:
        try:
            imported.append(import_file(importer, Kind.achievement, source).created)
        finally:
            done.set()

    statuses: list[int] = []
    beside = 0
    async with api_client(market, enterprise) as client:
        worker = threading.Thread(target=long_import)
        worker.start()
        while not done.is_set():
            r = await client.post("/api/needs", json=NEED)
            statuses.append(r.status_code)
            beside += not done.is_set()
        worker.join()
    importer.close()
    market.close()
    assert imported == [ROWS]
    assert beside >= 3, "no write overlapped the import: the test proved nothing"
    assert set(statuses) == {201}, statuses


def test_a_lock_held_past_the_budget_is_a_clear_busy_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db, "RETRY_BUDGET_S", 0.3)
    calls = []

    @db.retry_when_locked
    def write() -> None:
        calls.append(time.monotonic())
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    with pytest.raises(CatalogBusyError, match="稍后重试"):
        write()
    assert len(calls) >= 2  # retried before giving up
