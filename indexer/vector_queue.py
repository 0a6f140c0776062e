"""The vectors of a bulk write, made after its rows are searchable.

An import of a hundred rows is lexically searchable as soon as its rows are written (tokens
cost milliseconds a row); their vectors (the whole text, its query role and every sentence: a
few seconds a row on two cores) follow through this queue, on one background thread per
process, a batch at a time, and matching uses each batch as soon as it lands. ``status`` says
how far it is (the import page, ``/api/health`` and ``techmatch import`` show it).

Nothing is lost when the process stops first: the rows carry a content hash marked as waiting
for vectors, so the next ``techmatch index`` or start-up reconciliation embeds them.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

BATCH = 16  # listings encoded together (the encoder batches their passages by length)


@dataclass(frozen=True)
class QueueStatus:
    pending: int  # listings still waiting for their vectors
    done: int  # listings given their vectors since the queue was last empty
    total: int  # done + pending

    @property
    def busy(self) -> bool:
        return self.pending > 0


class VectorQueue:
    """Listings waiting for vectors; ``work(kind, listings)`` embeds and stores a batch."""

    def __init__(self, work: Callable[[str, Sequence[Any]], None]) -> None:
        self.work = work
        self._items: deque[tuple[str, Any]] = deque()
        self._lock = threading.Lock()
        self._done = 0
        self._working = 0  # the batch being encoded
        self._thread: threading.Thread | None = None

    def add(self, kind: str, listings: Sequence[Any]) -> None:
        """Queue listings and make sure the background thread runs."""
        with self._lock:
            if not self._items and not self._working:
                self._done = 0  # a new round of work
            self._items.extend((kind, listing) for listing in listings)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="techmatch-vectors",
                                                daemon=True)  # fmt: skip
                self._thread.start()

    def status(self) -> QueueStatus:
        with self._lock:
            pending = len(self._items) + self._working
            return QueueStatus(pending, self._done, self._done + pending)

    def wait(self, progress: Callable[[QueueStatus], None] | None = None) -> QueueStatus:
        """Block until the queue is empty (the command line waits, showing progress)."""
        while True:
            thread = self._thread
            if progress is not None:
                progress(self.status())
            if thread is None or not thread.is_alive():
                return self.status()
            thread.join(0.5)

    def _take(self) -> tuple[str, list[Any]] | None:
        with self._lock:
            if not self._items:
                return None
            kind = self._items[0][0]
            batch: list[Any] = []
            while self._items and self._items[0][0] == kind and len(batch) < BATCH:
                batch.append(self._items.popleft()[1])
            self._working = len(batch)
            return kind, batch

    def _run(self) -> None:
        while (taken := self._take()) is not None:
            kind, batch = taken
            try:
                self.work(kind, batch)
            except Exception:  # the rows stay marked: the next sync embeds them
                log.exception("vectors of %d %s listings not stored", len(batch), kind)
            with self._lock:
                self._done += len(batch)
                self._working = 0
