"""A burst of writers and readers on the surfaces of issue #22 item 3, against a server started
as the README starts it (loopback only).

A scratch ``TECHMATCH_HOME`` is seeded and indexed, ``techmatch serve`` runs with the given
workers, and a bounded burst is sent with a bounded number of connections: saved searches
created and deleted by a few enterprise accounts, needs edited by a broker (each edit moves the
catalog, so the next common-needs read regroups) and common-needs reads. It prints each kind's
count, status codes and p50/p95, and how many answers were 5xx (the promise: none).

    .venv/bin/python bench/bench_burst.py --workers 2 --requests 600 --connections 32
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from bench_http import TECHMATCH, need_ids, p, prepare, serving

KINDS = ("save search", "delete search", "edit need", "common needs")


def token(env: dict[str, str], name: str, role: str) -> str:
    out = subprocess.run(
        [TECHMATCH, "user", "create", name, "--role", role, "--org", f"{name} 测试单位"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    found = re.search(r"API token: (\S+)", out)
    assert found, out
    return found.group(1)


async def burst(
    base: str, tokens: list[str], broker: str, requests: int, connections: int
) -> tuple[dict[str, list[float]], Counter[tuple[str, int]]]:
    needs = need_ids()
    rng = random.Random(22)
    samples: dict[str, list[float]] = {kind: [] for kind in KINDS}
    statuses: Counter[tuple[str, int]] = Counter()
    saved: list[tuple[str, int]] = []
    left = [requests]

    def plan() -> tuple[str, str, str, dict[str, object] | None, str | None]:
        kind = rng.choices(KINDS, weights=(4, 2, 1, 3))[0]
        if kind == "delete search" and saved:
            owner, search_id = saved.pop(rng.randrange(len(saved)))
            return kind, "DELETE", f"/api/saved-searches/{search_id}", None, owner
        if kind in ("save search", "delete search"):
            query = rng.choice(["玄武岩纤维", "天然气净化", "富硒茶", "锂 卤水", "污水 氨氮"])
            return "save search", "POST", "/api/saved-searches", {"q": query}, rng.choice(tokens)
        if kind == "edit need":
            need = rng.choice(needs)
            body = {"keywords": [rng.choice(["节能", "降本", "提质", "环保"])]}
            return kind, "PATCH", f"/api/needs/{need}", body, broker
        return kind, "GET", f"/api/common-needs?achievements={rng.randint(1, 3)}", None, None

    async def worker(client: httpx.AsyncClient) -> None:
        while left[0] > 0:
            left[0] -= 1
            kind, method, path, body, bearer = plan()
            headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
            started = time.perf_counter()
            try:
                r = await client.request(method, path, json=body, headers=headers)
                status = r.status_code
                if kind == "save search" and status == 201 and bearer:
                    saved.append((bearer, r.json()["id"]))
            except httpx.HTTPError:
                status = 0  # a timeout or a dropped connection
            samples[kind].append(time.perf_counter() - started)
            statuses[(kind, status)] += 1

    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    return samples, statuses


def run(workers: int, requests: int, connections: int) -> None:
    with tempfile.TemporaryDirectory(prefix="techmatch-burst-") as tmp:
        env = prepare(Path(tmp) / "home")
        tokens = [token(env, f"burst-ent-{i}", "enterprise") for i in range(4)]
        broker = token(env, "burst-broker", "broker")
        with serving(env, workers, wait_s=120) as base:
            started = time.perf_counter()
            samples, statuses = asyncio.run(burst(base, tokens, broker, requests, connections))
            took = time.perf_counter() - started
    errors = sum(n for (_, status), n in statuses.items() if status >= 500 or status == 0)
    print(f"\nworkers {workers}, {requests} requests, {connections} connections: {took:.0f} s, "
          f"{errors} answers 5xx or none")  # fmt: skip
    print("| kind | requests | statuses | p50 ms | p95 ms |")
    print("| --- | --- | --- | --- | --- |")
    for kind, values in samples.items():
        codes = ", ".join(f"{s}×{n}" for (k, s), n in sorted(statuses.items()) if k == kind)
        p50, p95 = p(values, 0.5), p(values, 0.95)
        print(f"| {kind} | {len(values)} | {codes} | {p50:.0f} | {p95:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    os.environ.setdefault("TECHMATCH_LOG_LEVEL", "WARNING")
    run(args.workers, args.requests, args.connections)


if __name__ == "__main__":
    main()
