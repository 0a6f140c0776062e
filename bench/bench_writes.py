"""Writers beside a bulk import, and backup/restore on the seed catalog.

    .venv/bin/python bench/bench_writes.py [--rows 50000]

An import of ROWS achievements (one JSONL file, one transaction, as ``techmatch import``) runs
in a thread on a scratch SQLite catalog while the main thread creates needs one by one through
the catalog (as API writes do); prints the import's time and the writers' latency (median,
max) and failures. Then times ``backup`` and ``restore`` of the catalog.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RECORD = {
    "title": "玄武岩纤维复合筋连续拉挤成型技术",
    "summary": "采用连续拉挤工艺制备玄武岩纤维复合筋，可替代钢筋用于腐蚀环境。",
    "institution": "示例大学",
    "field": "materials.basalt_fiber",
    "maturity": "pilot",
    "region": "成都市",
}
NEED = {
    "title": "玄武岩纤维复合筋用于桥面铺装的技术合作",
    "description": "公司承接农村公路桥梁维修，桥面钢筋锈蚀严重，希望引入耐腐蚀的复合筋。",
    "enterprise": "达州示例路桥工程有限公司",
    "field": "materials.basalt_fiber",
    "region": "达川区",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()

    from seed_data import SEED_DIR
    from service.catalog import Catalog
    from service.catalog.backup import backup, restore
    from service.listings.schemas import Kind, NeedIn
    from service.listings.taxonomy import install_taxonomy, load_taxonomy
    from service.publishing.loader import import_file, seed

    install_taxonomy(load_taxonomy(SEED_DIR / "taxonomy.json"))
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        source = home / "bulk.jsonl"
        with source.open("w", encoding="utf-8") as handle:
            for i in range(args.rows):
                handle.write(json.dumps({**RECORD, "id": f"B{i:07d}"}, ensure_ascii=False) + "\n")
        url = f"sqlite:///{home / 'catalog.sqlite3'}"
        catalog = Catalog(url)
        catalog.create_schema()
        seed(catalog, SEED_DIR)
        importer = Catalog(url)
        done = threading.Event()
        took: list[float] = []

        def run_import() -> None:
            started = time.perf_counter()
            import_file(importer, Kind.achievement, source)
            took.append(time.perf_counter() - started)
            done.set()

        thread = threading.Thread(target=run_import)
        thread.start()
        latencies: list[float] = []
        failures = 0
        while not done.is_set():
            started = time.perf_counter()
            try:
                catalog.create(Kind.need, NeedIn.model_validate(NEED))
            except Exception as exc:
                failures += 1
                print("write failed:", exc)
            latencies.append(time.perf_counter() - started)
        thread.join()
        print(
            f"import of {args.rows} rows: {took[0]:.1f} s; {len(latencies)} writes beside it: "
            f"median {statistics.median(latencies) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms, {failures} failed"
        )
        started = time.perf_counter()
        copy = backup(home / "catalog.sqlite3", home / "backup.sqlite3")
        size = copy.path.stat().st_size / 1e6
        print(f"backup: {time.perf_counter() - started:.2f} s ({size:.1f} MB)")
        started = time.perf_counter()
        restore(copy.path, home / "catalog.sqlite3")
        print(
            f"restore (catalog only, index rebuild not included): "
            f"{time.perf_counter() - started:.2f} s"
        )
        importer.close()
        catalog.close()


if __name__ == "__main__":
    main()
