"""Index generations on disk: a rebuild writes a new directory and switches a pointer at the end.

``ROOT/CURRENT`` names the serving generation. It is replaced atomically (``os.replace``), so a
reader sees either the old generation or the new one, never a half-built index.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

POINTER = "CURRENT"


class Generations:
    def __init__(self, root: Path) -> None:
        self.root = root

    def current(self) -> Path | None:
        pointer = self.root / POINTER
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        path = self.root / name
        return path if path.is_dir() else None

    def new(self) -> Path:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        path = self.root / f"gen-{stamp}-{uuid.uuid4().hex[:6]}"
        path.mkdir(parents=True)
        return path

    def switch(self, path: Path) -> None:
        """Make ``path`` the serving generation, then drop all but it and its predecessor."""
        previous = self.current()
        tmp = self.root / f".{POINTER}.{uuid.uuid4().hex[:6]}"
        tmp.write_text(path.name, encoding="utf-8")
        os.replace(tmp, self.root / POINTER)
        keep = {path.name, previous.name if previous else ""}
        for child in self.root.iterdir():
            if child.is_dir() and child.name.startswith("gen-") and child.name not in keep:
                shutil.rmtree(child, ignore_errors=True)

    @staticmethod
    def discard(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)
