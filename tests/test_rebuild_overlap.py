"""Overlapping rebuilds of the embedded index (defect 1 of issue 11) and what a killed rebuild
leaves behind (defect 9): search keeps answering, ``CURRENT`` always names a complete
generation, and a dead run's directory is collected by the next one."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from indexer.backends.embedded import DB_NAME, EmbeddedIndex
from indexer.backends.generations import POINTER, READY
from indexer.base import Filters, IndexedDoc
from tests.index_contract import DOCS, manifest


def _answers(index: EmbeddedIndex) -> bool:
    return [h.id for h in index.lexical("achievement", ["复合筋"], Filters(), 5)] == ["a1"]


def _check_serving(root: Path) -> None:
    name = (root / POINTER).read_text(encoding="utf-8").strip()
    assert (root / name / READY).exists(), "CURRENT names an incomplete generation"
    assert (root / name / DB_NAME).exists(), "CURRENT names a deleted generation"
    fresh = EmbeddedIndex(root)
    assert _answers(fresh) and fresh.count("achievement") == 3
    fresh.close()


def test_two_overlapping_rebuilds_leave_search_answering(tmp_path: Path) -> None:
    root = tmp_path / "index"
    server = EmbeddedIndex(root)
    EmbeddedIndex(root).rebuild([DOCS], manifest())
    assert _answers(server)
    first_loading, second_loading, first_done = (threading.Event() for _ in range(3))
    errors: list[BaseException] = []

    def first_batches() -> Iterator[Sequence[IndexedDoc]]:
        yield DOCS[:2]
        first_loading.set()
        second_loading.wait(1.5)  # without a lock the second run starts loading meanwhile
        yield DOCS[2:]

    def second_batches() -> Iterator[Sequence[IndexedDoc]]:
        second_loading.set()
        yield DOCS[:3]
        first_done.wait(3)  # without a lock, the first run switches (and deletes) meanwhile
        yield DOCS[3:]

    def run(batches: Iterator[Sequence[IndexedDoc]], done: threading.Event | None) -> None:
        try:
            EmbeddedIndex(root).rebuild(batches, manifest())  # its own "process"
        except BaseException as exc:
            errors.append(exc)
        finally:
            if done is not None:
                done.set()

    first = threading.Thread(target=run, args=(first_batches(), first_done))
    first.start()
    assert first_loading.wait(5)
    second = threading.Thread(target=run, args=(second_batches(), None))
    second.start()
    while first.is_alive() or second.is_alive():
        assert _answers(server)  # the live server answers throughout
        time.sleep(0.05)
    first.join()
    second.join()
    assert errors == []
    _check_serving(root)
    assert _answers(server)
    assert len(list(root.glob("gen-*"))) <= 2


def _slow_rebuild(root: str, pause: float) -> None:
    def batches() -> Iterator[Sequence[IndexedDoc]]:
        for item in DOCS:
            time.sleep(pause)
            yield [item]

    EmbeddedIndex(Path(root)).rebuild(batches(), manifest())


def test_rebuilds_in_two_processes_take_turns(tmp_path: Path) -> None:
    root = tmp_path / "index"
    EmbeddedIndex(root).rebuild([DOCS], manifest())
    context = multiprocessing.get_context("fork")
    runs = [context.Process(target=_slow_rebuild, args=(str(root), 0.1)) for _ in range(2)]
    for run in runs:
        run.start()
    server = EmbeddedIndex(root)
    while any(run.is_alive() for run in runs):
        assert _answers(server)
        time.sleep(0.05)
    assert [run.exitcode for run in runs] == [0, 0]
    _check_serving(root)


def test_a_killed_rebuild_is_collected_by_the_next(tmp_path: Path) -> None:
    root = tmp_path / "index"
    EmbeddedIndex(root).rebuild([DOCS], manifest())
    serving = (root / POINTER).read_text(encoding="utf-8")
    doomed = multiprocessing.get_context("fork").Process(
        target=_slow_rebuild, args=(str(root), 60.0)
    )
    doomed.start()
    deadline = time.monotonic() + 10
    while len(list(root.glob("gen-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert doomed.pid is not None
    os.kill(doomed.pid, signal.SIGKILL)  # kill -9 in the middle of loading
    doomed.join()
    partial = [p for p in root.glob("gen-*") if not (p / READY).exists()]
    assert partial and (root / POINTER).read_text(encoding="utf-8") == serving
    assert _answers(EmbeddedIndex(root))  # the dead run changed nothing that serves
    EmbeddedIndex(root).rebuild([DOCS], manifest())  # the lock died with it: no waiting
    assert not any(p.exists() for p in partial)
    _check_serving(root)


def test_a_lost_pointer_falls_back_to_the_newest_complete_generation(tmp_path: Path) -> None:
    root = tmp_path / "index"
    EmbeddedIndex(root).rebuild([DOCS], manifest())
    (root / POINTER).write_text("gen-that-was-deleted", encoding="utf-8")
    assert _answers(EmbeddedIndex(root))
