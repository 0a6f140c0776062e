"""Writes under load (#22 item 3): a burst of writers waits for SQLite's write lock instead of
answering 500 "database is locked"; regrouping the common needs holds the lock only to write
its result; a listing's audit event is written in the same transaction as the listing."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts import Role
from service.audit.models import AuditRow
from service.catalog import db
from service.composition import Components, build_components
from service.listings.schemas import Kind, NeedIn
from tests.conftest import make_settings
from tests.desk_support import make_user

NEED = {
    "title": "玄武岩纤维复合筋用于桥面铺装的技术合作",
    "description": "公司承接农村公路桥梁维修，桥面钢筋锈蚀严重，希望引入耐腐蚀的复合筋。",
    "enterprise": "达州示例路桥工程有限公司",
    "field": "materials.basalt_fiber",
    "region": "达川区",
}


@pytest.fixture()
def impatient(seeded_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A seeded market whose SQLite connections wait only 50 ms for the write lock, so only
    the retry policy stands between a writer and "database is locked"."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 50)
    shutil.copytree(seeded_home, tmp_path / "home")
    market = build_components(make_settings(tmp_path / "home"))
    yield market
    market.close()


def database(market: Components) -> str:
    return market.settings.catalog_url.removeprefix("sqlite:///")


def hold_write_lock(path: str, seconds: float) -> threading.Thread:
    """Another process's long write: the write lock taken and kept for ``seconds``."""
    taken = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait(5)
    return thread


def test_saved_searches_wait_for_the_lock(impatient: Components) -> None:
    user = make_user(impatient, Role.enterprise)
    holder = hold_write_lock(database(impatient), 0.8)
    saved = impatient.saved_searches.save(user.id, "玄武岩纤维", None)
    holder.join()
    holder = hold_write_lock(database(impatient), 0.5)
    assert impatient.saved_searches.delete(user.id, saved.id)
    holder.join()


def test_regrouping_holds_no_lock_while_it_clusters(impatient: Components) -> None:
    grouper = impatient.common_needs.grouper
    clustering = grouper.group
    written: list[bool] = []

    def group_and_meanwhile_write(needs: Any) -> Any:
        conn = sqlite3.connect(database(impatient), isolation_level=None, timeout=0.05)
        try:
            conn.execute("BEGIN IMMEDIATE")  # fails at once while the regrouping holds it
            conn.execute("COMMIT")
            written.append(True)
        except sqlite3.OperationalError:
            written.append(False)
        finally:
            conn.close()
        return clustering(needs)

    grouper.group = group_and_meanwhile_write  # type: ignore[method-assign]
    assert impatient.common_needs.refresh(force=True)
    assert written == [True]
    assert impatient.common_needs.list().groups


def test_a_listing_and_its_audit_event_commit_together(
    market: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = make_user(market, Role.broker)
    need = market.listings.create(Kind.need, NeedIn.model_validate(NEED), broker)
    with Session(market.catalog.engine) as session:
        events = session.scalars(select(AuditRow).where(AuditRow.listing_id == need.id)).all()
    assert [e.action for e in events] == ["created"]

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("the audit table is unavailable")

    monkeypatch.setattr(market.audit, "add", broken)
    with pytest.raises(RuntimeError):
        market.listings.create(Kind.need, NeedIn.model_validate({**NEED, "id": "N-AUDIT"}), broker)
    assert market.catalog.get_many(Kind.need, ["N-AUDIT"]) == {}  # no listing without its event
    with pytest.raises(RuntimeError):
        market.listings.update(Kind.need, need.id, {"title": "改过的标题用于检查审计"}, broker)
    assert market.catalog.get(Kind.need, need.id).title == NEED["title"]
