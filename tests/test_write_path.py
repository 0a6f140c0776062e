"""The one write path (``ListingWriter``) as the API and /import use it: enterprises and
universities post under their own organisation whatever the body says; a web import runs in
a worker thread and indexes exactly the rows it wrote."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from service.accounts import Role
from service.composition import Components
from service.listings.schemas import Kind
from tests.desk_support import api_client, make_user
from tests.pages import page_client, sign_in
from tests.test_api import NEED

pytestmark = pytest.mark.anyio
OTHER_ORG = "四川省人民政府"
CSV_HEADER = "id,title,summary,institution,field,maturity\n"


def csv_row(listing_id: str, title: str) -> str:
    summary = f"{title}：以农作物秸秆为载体制备缓释肥料，肥效期延长到九十天以上。"
    return f"{listing_id},{title},{summary},{OTHER_ORG},agriculture,pilot\n"


async def test_an_enterprise_need_carries_its_own_organisation_whatever_the_body_says(
    seeded_market: Components,
) -> None:
    seeded_market.catalog.create_schema()
    enterprise = seeded_market.accounts.create_user(
        "ent-org", "password-123", Role.enterprise, "达州示例路桥公司"
    )
    async with api_client(seeded_market, enterprise) as client:
        r = await client.post("/api/needs", json={**NEED, "enterprise": OTHER_ORG})
        assert r.status_code == 201 and r.json()["enterprise"] == "达州示例路桥公司"
        need_id = r.json()["id"]
        r = await client.patch(f"/api/needs/{need_id}", json={"enterprise": OTHER_ORG})
        assert r.status_code == 200 and r.json()["enterprise"] == "达州示例路桥公司"
    async with api_client(seeded_market, None) as anonymous:
        shown = (await anonymous.get(f"/api/needs/{need_id}")).json()
        assert shown["enterprise"] == "达州示例路桥公司"
    assert seeded_market.catalog.get(Kind.need, need_id).enterprise == "达州示例路桥公司"
    broker = make_user(seeded_market, Role.broker)
    async with api_client(seeded_market, broker) as client:  # brokers post for anyone
        r = await client.post("/api/needs", json={**NEED, "enterprise": "达州某化工公司"})
        assert r.json()["enterprise"] == "达州某化工公司"


async def test_an_import_carries_the_universitys_own_organisation(
    seeded_market: Components,
) -> None:
    async with page_client(seeded_market) as client:
        token = await sign_in(client, seeded_market, "uni-org", Role.university, "川东北示例大学")
        body = CSV_HEADER + csv_row("IMPORG1", "秸秆基缓释肥制备技术")
        files = {"file": ("成果库.csv", body.encode("utf-8"), "text/csv")}
        r = await client.post("/import", data={"csrf_token": token}, files=files)
        assert r.status_code == 200 and "新增 1 条" in r.text
    listing = seeded_market.catalog.get(Kind.achievement, "IMPORG1")
    assert listing.institution == "川东北示例大学"


async def test_a_web_import_leaves_other_requests_served(
    seeded_market: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While an import works (held here for up to 5 s), another request answers in < 1 s."""
    writer = seeded_market.listings
    real = writer.import_file
    started, release = threading.Event(), threading.Event()
    began: list[float] = []

    def slow_import(*args: Any, **kwargs: Any) -> Any:
        began.append(time.perf_counter())
        started.set()
        release.wait(timeout=5)  # a blocked event loop would hold the test for these 5 s
        return real(*args, **kwargs)

    monkeypatch.setattr(writer, "import_file", slow_import)
    async with page_client(seeded_market) as client:
        token = await sign_in(client, seeded_market, "uni-slow", Role.university, "示例大学")
        body = CSV_HEADER + csv_row("IMPSLOW", "秸秆基缓释肥制备技术")
        files = {"file": ("a.csv", body.encode("utf-8"), "text/csv")}
        upload = asyncio.create_task(
            client.post("/import", data={"csrf_token": token}, files=files)
        )
        while not started.is_set():
            await asyncio.sleep(0.01)
        r = await client.get("/api/needs", params={"page_size": 5})
        waited = time.perf_counter() - began[0]  # counted from the import's start
        assert r.status_code == 200 and waited < 1.0 and not release.is_set()
        release.set()
        assert (await upload).status_code == 200
    assert seeded_market.catalog.get(Kind.achievement, "IMPSLOW")


async def test_an_import_indexes_exactly_the_rows_it_wrote(
    seeded_market: Components, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    indexed: list[list[str]] = []
    real = seeded_market.indexing.apply_after_commit

    def spy(kind: str, listings: list[Any]) -> Any:
        indexed.append(sorted(item.id for item in listings))
        return real(kind, listings)

    monkeypatch.setattr(seeded_market.indexing, "apply_after_commit", spy)
    user = make_user(seeded_market, Role.university, "uni-spy")
    path = tmp_path / "rows.csv"
    path.write_text(CSV_HEADER + csv_row("IMP1", "秸秆缓释肥一") + csv_row("IMP2", "秸秆缓释肥二"))
    seeded_market.listings.import_file(Kind.achievement, path, user)
    assert indexed == [["IMP1", "IMP2"]]
    path.write_text(CSV_HEADER + csv_row("IMP1", "秸秆缓释肥一") + csv_row("IMP2", "秸秆缓释肥改"))
    report = seeded_market.listings.import_file(Kind.achievement, path, user)
    assert report.updated == 1 and indexed[-1] == ["IMP2"]  # the unchanged row is not re-indexed
    found = seeded_market.searcher.search("秸秆缓释肥改", kind=Kind.achievement)
    assert "IMP2" in [item.id for item in found.items]
