"""The background thread of a serving process (started by the app's lifespan, after start-up,
so it never delays ``/api/health``).

Every process keeps its match lists and common-need rankings warm (``MatchWarmer``); one
process at a time, the one holding ``HOME/upkeep.lock``, also sweeps the inboxes and runs the
listing terms (``Watcher.sweep_all``). The lists are shared through the catalog, so the holder
goes through the listings in id order and the others in reverse: two workers split a round
between them instead of computing the same lists twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from pathlib import Path
from typing import IO

from service.notifications.watch import Watcher
from service.upkeep.warm import MatchWarmer

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # how often the thread looks whether the market changed
YIELD_SECONDS = 1.0  # the longest a warm-up step waits for this process's requests to finish


class RequestGauge:
    """How many requests this process is answering (the app's middleware counts them), so
    that the warm-up steps aside while people wait."""

    def __init__(self) -> None:
        self._active = 0
        self._idle = threading.Condition()

    def enter(self) -> None:
        with self._idle:
            self._active += 1

    def leave(self) -> None:
        with self._idle:
            self._active -= 1
            if self._active == 0:
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> None:
        with self._idle:
            self._idle.wait_for(lambda: self._active == 0, timeout)


NICE = 10  # the thread's scheduling priority below the request threads'


class Upkeep:
    def __init__(
        self, warmer: MatchWarmer, watcher: Watcher, lock_path: Path, sweep_seconds: float
    ) -> None:
        self.warmer = warmer
        self.watcher = watcher
        self.lock_path = lock_path
        self.sweep_seconds = sweep_seconds  # 0: no background thread at all
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_file: IO[str] | None = None
        self._swept = 0.0
        self.requests = RequestGauge()
        warmer.yield_to_requests = lambda: self.requests.wait_idle(YIELD_SECONDS)

    def start(self) -> None:
        """Start the thread (once; not at all when ``sweep_seconds`` is 0)."""
        if self.sweep_seconds <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="techmatch-upkeep", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._lock_file is not None:
            self._lock_file.close()  # releases the lock
            self._lock_file = None

    def leads(self) -> bool:
        """Whether this process holds the upkeep lock (taken when free)."""
        if self._lock_file is not None:
            return True
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.lock_path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock_file = handle
        return True

    def step(self) -> None:
        """One look: a warm-up round when the market changed, a sweep when due (leader)."""
        leader = self.leads()
        if self.warmer.due():
            report = self.warmer.run(should_stop=self._stop.is_set, reverse=not leader)
            log.info(
                "match lists %s: %d computed, %d kept by another process, %.1f s",
                "up to date" if report.complete else "interrupted by a change",
                report.computed, report.skipped, report.seconds,
            )  # fmt: skip
        if leader and time.monotonic() - self._swept >= self.sweep_seconds:
            self._swept = time.monotonic()
            swept = self.watcher.sweep_all()
            if swept:
                log.info("inbox sweep: %d accounts brought up to date", swept)

    def _loop(self) -> None:
        with contextlib.suppress(OSError):  # below the requests: a best effort
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
        with contextlib.suppress(Exception):  # the model, before the first round needs it
            self.warmer.matcher.encoder.status  # noqa: B018
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:  # logged; the next look tries again
                log.exception("background upkeep failed")
            self._stop.wait(POLL_SECONDS)
