"""Index generations on disk: a rebuild writes a new directory and switches a pointer at the end.

``ROOT/CURRENT`` names the serving generation. It is replaced atomically (``os.replace``), so a
reader sees either the old generation or the new one, never a half-built index.

Rebuilds hold ``ROOT/.rebuild.lock`` (an OS file lock, so it works across processes and is
released when a process dies) from the moment they create their directory until they have
switched: two overlapping ``techmatch index --rebuild`` runs take turns instead of deleting each
other's work. A complete generation carries a ``READY`` marker; a directory without one that
is found while holding the lock belongs to a run that was killed, and is removed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

POINTER = "CURRENT"
READY = "READY"
REBUILD_LOCK = ".rebuild.lock"

log = logging.getLogger(__name__)


class Generations:
    def __init__(self, root: Path) -> None:
        self.root = root

    def current(self) -> Path | None:
        """The serving generation; if ``CURRENT`` names a directory that is gone, the newest
        complete one (so a lost pointer never takes search down while an index is on disk)."""
        pointer = self.root / POINTER
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        path = self.root / name
        if name and path.is_dir():
            return path
        ready = self.complete()
        return ready[-1] if ready else None

    def complete(self) -> list[Path]:
        """Complete generations, oldest first."""
        if not self.root.is_dir():
            return []
        return sorted(p for p in self._all() if (p / READY).exists())

    def _all(self) -> Iterator[Path]:
        return (c for c in self.root.iterdir() if c.is_dir() and c.name.startswith("gen-"))

    @contextmanager
    def rebuilding(self) -> Iterator[None]:
        """Hold the rebuild lock (waiting for another rebuild to finish first)."""
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.root / REBUILD_LOCK)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            log.info("another rebuild of %s is running: waiting for it to finish", self.root)
            lock.acquire()
        try:
            self.collect()
            yield
        finally:
            lock.release()

    def collect(self) -> None:
        """Remove the directories of killed rebuilds (call with the rebuild lock held)."""
        serving = self.current()
        for child in self._all():
            if child != serving and not (child / READY).exists():
                log.info("removing %s, left by a rebuild that did not finish", child.name)
                shutil.rmtree(child, ignore_errors=True)

    def new(self) -> Path:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        path = self.root / f"gen-{stamp}-{uuid.uuid4().hex[:6]}"
        path.mkdir(parents=True)
        return path

    def switch(self, path: Path) -> None:
        """Mark ``path`` complete and make it the serving generation, then drop all but it and
        its predecessor. Call with the rebuild lock held: no other run is writing then."""
        (path / READY).write_text(dt.datetime.now(dt.UTC).isoformat(), encoding="utf-8")
        previous = self.current()
        tmp = self.root / f".{POINTER}.{uuid.uuid4().hex[:6]}"
        tmp.write_text(path.name, encoding="utf-8")
        os.replace(tmp, self.root / POINTER)
        keep = {path, previous}
        for child in self._all():
            if child not in keep:
                shutil.rmtree(child, ignore_errors=True)

    @staticmethod
    def discard(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)
