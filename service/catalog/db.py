"""Engine construction (SQLite in WAL mode by default, any SQLAlchemy URL otherwise) and the
one retry policy for writes that meet a locked SQLite database."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError

from service.errors import Busy

P = ParamSpec("P")
T = TypeVar("T")

BUSY_TIMEOUT_MS = 10000  # SQLite's own wait (with backoff) for the write lock, per attempt
RETRY_BUDGET_S = 60.0  # then whole transactions are retried, with backoff, this long at most

log = logging.getLogger(__name__)


class CatalogBusyError(Busy):
    """The database stayed locked by another writer longer than the retry budget."""


def make_engine(url: str) -> Engine:
    """An engine for the catalog; SQLite files get WAL mode and a busy timeout."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.close()

    return engine


def is_locked(error: OperationalError) -> bool:
    """SQLite's "database is locked" / "database table is locked" (SQLITE_BUSY, _LOCKED)."""
    return "is locked" in str(error.orig)


def retry_when_locked(write: Callable[P, T]) -> Callable[P, T]:
    """Run a whole write transaction again, with jittered exponential backoff, while another
    writer (a long import, say) holds the SQLite write lock; ``CatalogBusyError`` after
    ``RETRY_BUDGET_S``. The wrapped function must be one transaction: all or nothing."""

    @functools.wraps(write)
    def retrying(*args: P.args, **kwargs: P.kwargs) -> T:
        deadline = time.monotonic() + RETRY_BUDGET_S
        pause = 0.05
        while True:
            try:
                return write(*args, **kwargs)
            except OperationalError as exc:
                if not is_locked(exc):
                    raise
                if time.monotonic() + pause > deadline:
                    raise CatalogBusyError(
                        "目录数据库正被另一项写入（如大批量导入）占用，请稍后重试"
                    ) from exc
                log.info("%s: database locked, retrying in %.2f s", write.__name__, pause)
                time.sleep(pause * random.uniform(0.5, 1.0))
                pause = min(pause * 2, 2.0)

    return retrying
