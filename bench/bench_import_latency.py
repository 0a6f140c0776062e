"""How long other requests wait while a university uploads a big file to /import.

    .venv/bin/python bench/bench_import_latency.py [--rows 50000]

A scratch market holding the seed (lexical only), a signed-in university uploading a CSV of
ROWS synthetic achievements through the in-process app, and a reader asking
``GET /api/needs`` every 50 ms meanwhile. Prints the import's duration and the reader's
latencies (max, p50) during it, as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seed_data import SEED_DIR  # noqa: E402
from service.accounts import Role  # noqa: E402
from service.composition import build_components  # noqa: E402
from service.publishing.loader import seed  # noqa: E402
from tests.conftest import make_settings  # noqa: E402
from tests.pages import page_client, sign_in  # noqa: E402


def synthetic_csv(rows: int) -> bytes:
    lines = ["title,summary,institution,field,maturity,keywords"]
    for i in range(rows):
        lines.append(
            f"秸秆缓释肥{i},以农作物秸秆为载体制备缓释肥料，肥效期九十天以上，"
            f"试验{i}在达州完成。,示例大学,agriculture,pilot,秸秆;缓释肥"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


async def measure(rows: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        market = build_components(make_settings(Path(scratch) / "home"))
        seed(market.catalog, SEED_DIR)
        market.indexing.rebuild()
        body = synthetic_csv(rows)
        async with page_client(market) as client:
            token = await sign_in(client, market, "bench-uni", Role.university, "示例大学")
            files = {"file": ("big.csv", body, "text/csv")}
            began = time.perf_counter()
            upload = asyncio.create_task(
                client.post("/import", data={"csrf_token": token}, files=files, timeout=600)
            )
            waits: list[float] = []
            while not upload.done():
                asked = time.perf_counter()
                r = await client.get("/api/needs", params={"page_size": 5})
                assert r.status_code == 200
                waits.append(time.perf_counter() - asked)
                await asyncio.sleep(0.05)
            answer = await upload
            took = time.perf_counter() - began
        market.close()
    assert answer.status_code == 200, (answer.status_code, answer.text[-2000:])
    return {
        "rows": rows,
        "file_mb": round(len(body) / 2**20, 1),
        "import_s": round(took, 1),
        "reads_during_import": len(waits),
        "read_max_s": round(max(waits), 3),
        "read_p50_s": round(statistics.median(waits), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.rows)), ensure_ascii=False))


if __name__ == "__main__":
    main()
