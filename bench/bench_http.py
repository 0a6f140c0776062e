"""The HTTP mix of issue #13, against a server started as the README starts it.

A scratch ``TECHMATCH_HOME`` is seeded and indexed, ``techmatch serve`` is started on
127.0.0.1 with the given number of workers, and a closed-loop load of search, need matches,
home page and need page runs for a bounded time with a bounded number of connections (loopback
only). It prints requests per second and each endpoint's p50/p95, and the target verdicts.

    .venv/bin/python bench/bench_http.py --workers 1,2 --seconds 15 --connections 32
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TECHMATCH = str(Path(sys.executable).with_name("techmatch"))
QUERIES = [
    "玄武岩纤维",
    "天然气净化",
    "富硒茶",
    "丘陵 收获机",
    "锂 卤水",
    "污水 氨氮",
    "无人机 植保",
]
TARGET_RPS, TARGET_P95_MS = 300, 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def need_ids() -> list[str]:
    ids = []
    for path in sorted((ROOT / "seed_data" / "needs").glob("*.jsonl")):
        ids += [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]
    return ids


def prepare(home: Path) -> dict[str, str]:
    env = {**os.environ, "TECHMATCH_HOME": str(home), "TECHMATCH_LOG_LEVEL": "WARNING"}
    for args in (["seed"], ["index"]):
        subprocess.run([TECHMATCH, *args], env=env, check=True, capture_output=True)
    return env


async def load(base: str, seconds: float, connections: int) -> dict[str, list[float]]:
    needs = need_ids()
    rng = random.Random(7)
    samples: dict[str, list[float]] = {"search": [], "matches": [], "home": [], "need page": []}
    errors: list[str] = []
    stop = time.perf_counter() + seconds

    def pick() -> tuple[str, str]:
        kind = rng.choice(list(samples))
        if kind == "search":
            return kind, f"/api/search?q={rng.choice(QUERIES)}"
        if kind == "matches":
            return kind, f"/api/needs/{rng.choice(needs)}/matches"
        if kind == "home":
            return kind, "/"
        return kind, f"/needs/{rng.choice(needs)}"

    async def worker(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < stop:
            kind, path = pick()
            started = time.perf_counter()
            try:
                response = await client.get(path)
                if response.status_code >= 400:
                    errors.append(f"{response.status_code} {path}")
            except httpx.HTTPError as exc:
                errors.append(f"{type(exc).__name__} {path}")
            samples[kind].append(time.perf_counter() - started)

    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    samples["errors"] = [float(len(errors))]
    return samples


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000 if ordered else 0.0


@contextmanager
def serving(env: dict[str, str], workers: int, wait_s: float) -> Iterator[str]:
    """``techmatch serve`` on a free loopback port, its base URL once /api/health answers (or
    ``wait_s`` passed), stopped on leaving."""
    port = free_port()
    server = subprocess.Popen(
        [TECHMATCH, "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(int(wait_s * 2)):
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=60)


def run(workers: int, seconds: float, connections: int) -> None:
    with tempfile.TemporaryDirectory(prefix="techmatch-http-") as tmp:
        env = prepare(Path(tmp) / "home")
        with serving(env, workers, wait_s=60) as base:
            asyncio.run(load(base, 3, 4))  # warm every worker's caches
            samples = asyncio.run(load(base, seconds, connections))
    errors = int(samples.pop("errors")[0])
    total = sum(len(v) for v in samples.values())
    print(f"\nworkers {workers}, {connections} connections, {seconds:.0f} s: "
          f"{total / seconds:.0f} requests/s, {errors} errors")  # fmt: skip
    print(f"| endpoint | requests | p50 ms | p95 ms | p95 ≤ {TARGET_P95_MS} ms |")
    print("| --- | --- | --- | --- | --- |")
    for kind, values in samples.items():
        p95 = p(values, 0.95)
        verdict = "met" if p95 <= TARGET_P95_MS else f"missed by {p95 - TARGET_P95_MS:.0f} ms"
        print(f"| {kind} | {len(values)} | {p(values, 0.5):.1f} | {p95:.1f} | {verdict} |")
    rps = total / seconds
    verdict = "met" if rps >= TARGET_RPS and not errors else f"missed ({rps:.0f}/s)"
    median = statistics.median([x for v in samples.values() for x in v]) * 1000
    print(f"target ≥ {TARGET_RPS} requests/s with no errors: {verdict}; median {median:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    for workers in (int(w) for w in args.workers.split(",")):
        run(workers, args.seconds, args.connections)


if __name__ == "__main__":
    main()
