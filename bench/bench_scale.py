"""The in-process scale benchmark of issue #13, with its peers side by side.

    .venv/bin/python bench/bench_scale.py [--sizes seed,100000] [--queries 100]

Each size runs in its own process (so peak memory is its own) on a scratch TECHMATCH_HOME.
``seed`` is the packaged seed data; a number N is N synthetic achievements composed from the
seed's words (``bench_spine._synthetic``), matched against the seed needs. Vectors are
SYNTHETIC: ``scale_peers.BigramEncoder`` (384 dimensions, character bigrams) stands in for e5,
whose encoding of 100,000 texts would take hours on two cores; cold build times therefore
leave out real encoding (the vector cache makes it a one-off in production too).

Measured: cold build (``techmatch index`` on an empty index), warm sync after 5 listings
changed, a need's matches (cache misses) and searches p50/p95, peak memory (before the peers
run); then the peers: bm25s on the same tokens and queries, the exact numpy scan (and recall@10
of the index's dense answers against it). Prints a table and the targets met or missed.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# (column, target, higher is better); checked on the largest size
TARGETS = [
    ("match_p95_ms", 40.0, False),
    ("search_p95_ms", 30.0, False),
    ("warm_s", 3.0, False),
    ("peak_mb", 1536.0, False),
    ("lexical_ratio", 2.0, False),
]
DENSE_RATIO, DENSE_RECALL = 1.5, 0.98


def _percentiles(samples: list[float]) -> tuple[float, float]:
    from scale_peers import _ms

    return _ms(samples)


def _load(market: object, size: str) -> None:
    from bench_spine import _synthetic

    from seed_data import SEED_DIR
    from service.listings.schemas import AchievementIn, Kind
    from service.publishing.loader import import_file, seed, seed_files

    catalog = market.catalog  # type: ignore[attr-defined]
    catalog.create_schema()
    if size == "seed":
        seed(catalog, SEED_DIR)
        return
    synthetic = _synthetic(int(size), SEED_DIR)
    for start in range(0, len(synthetic), 5000):
        rows = [AchievementIn.model_validate(r) for r in synthetic[start : start + 5000]]
        catalog.upsert_many(Kind.achievement, rows)
    for path in seed_files(SEED_DIR, Kind.need):
        import_file(catalog, Kind.need, path)


def _change_some(market: object, n: int = 5) -> None:
    """Edit ``n`` achievements (a new title each) so that the next sync has work to do."""
    from service.listings.schemas import AchievementIn, Kind

    catalog = market.catalog  # type: ignore[attr-defined]
    listings = catalog.iter_all(Kind.achievement, published_only=True)
    ids = [next(listings).id for _ in range(n)]
    rows = []
    for listing_id in ids:
        data = catalog.get(Kind.achievement, listing_id).model_dump(mode="json")
        data = {k: v for k, v in data.items() if k in AchievementIn.model_fields}
        data["title"] = data["title"][:40] + "（改进型）"
        rows.append(AchievementIn.model_validate(data))
    catalog.upsert_many(Kind.achievement, rows)


def run_one(size: str, queries: int, ann_threshold: int | None) -> dict[str, object]:
    from scale_peers import BigramEncoder, dense_peer, lexical_peer, stored

    from indexer.base import Filters
    from indexer.documents import full_text
    from indexer.embedding import SemanticEncoder
    from service.composition import build_components
    from service.config import Settings
    from service.listings.schemas import Kind

    with tempfile.TemporaryDirectory(prefix="techmatch-scale-") as tmp:
        home = Path(tmp) / "home"
        settings = Settings(home=home, embedding_model=BigramEncoder.name)
        if ann_threshold is not None:
            settings.ann_threshold = ann_threshold
        encoder = SemanticEncoder(
            BigramEncoder.name, settings.cache_dir / "embeddings.sqlite3", loaded=BigramEncoder()
        )
        market = build_components(settings, encoder=encoder)
        _load(market, size)
        t = time.perf_counter()
        cold = market.indexing.sync()
        cold_s = time.perf_counter() - t
        _change_some(market)
        t = time.perf_counter()
        warm = market.indexing.sync()
        warm_s = time.perf_counter() - t
        matcher, catalog = market.matcher, market.catalog
        needs = list(catalog.iter_all(Kind.need, published_only=True))[: queries + 1]
        matcher.match(Kind.need, needs[-1].id, 10)  # loads what the index keeps in memory
        match_times = []
        for need in needs[:-1]:
            t = time.perf_counter()
            matcher.match(Kind.need, need.id, 10)
            match_times.append(time.perf_counter() - t)
        retrieval_times = []  # the index's part of a match: key terms, lexical and dense lists
        for need in needs[:-1]:
            t = time.perf_counter()
            terms = matcher.plan(Kind.need, need).terms
            own = Filters(exclude_ids=(need.id,))
            matcher.retrieve(Kind.need, need, Kind.achievement, own, terms)
            retrieval_times.append(time.perf_counter() - t)
        search_times = []
        for need in needs[:-1]:
            t = time.perf_counter()
            market.searcher.search(need.title[:12], kind=Kind.achievement, page_size=20)
            search_times.append(time.perf_counter() - t)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # ---- peers, on the same data (after the peak memory was read) --------------------
        index_file = market.index.generations.current() / "index.sqlite3"  # type: ignore[attr-defined]
        ids, tokens, matrix = stored(index_file, "achievement")
        pool = settings.candidate_pool
        plans = [matcher.plan(Kind.need, n).terms for n in needs[:-1]]
        lexical = lexical_peer(market.index, "achievement", tokens, plans, pool)
        vectors = encoder.encode([full_text(n) for n in needs[:-1]], query=True)
        assert vectors is not None
        dense = dense_peer(market.index, "achievement", ids, matrix, vectors, pool)
        market.close()
    (m50, m95), (s50, s95) = _percentiles(match_times), _percentiles(search_times)
    r50, r95 = _percentiles(retrieval_times)
    return {
        "size": size,
        "achievements": cold.counts.get("achievement", 0),
        "needs": cold.counts.get("need", 0),
        "cold_s": round(cold_s, 1),
        "warm_s": round(warm_s, 2),
        "warm_changed": warm.updated + warm.added,
        "match_p50_ms": m50,
        "match_p95_ms": m95,
        "retrieval_ms": f"{r50}/{r95}",
        "search_p50_ms": s50,
        "search_p95_ms": s95,
        "peak_mb": round(peak_mb),
        "lexical_ms": f"{lexical['ours_p50']}/{lexical['ours_p95']}",
        "bm25s_ms": f"{lexical['bm25s_p50']}/{lexical['bm25s_p95']}",
        "lexical_ratio": lexical["ratio"],
        "dense_ms": f"{dense['ours_p50']}/{dense['ours_p95']}",
        "numpy_ms": f"{dense['numpy_p50']}/{dense['numpy_p95']}",
        "dense_ratio": dense["ratio"],
        "recall10": dense["recall10"],
    }


def verdicts(row: dict[str, object]) -> list[str]:
    """Each target of issue #13, met or missed, with the margin."""
    lines = []
    for column, target, _ in TARGETS:
        value = float(row[column])  # type: ignore[arg-type]
        margin = target - value
        state = "met" if margin >= 0 else "MISSED"
        lines.append(f"- {column} {value:g} (target ≤ {target:g}): {state} by {abs(margin):.2f}")
    ratio, recall = float(row["dense_ratio"]), float(row["recall10"])  # type: ignore[arg-type]
    dense_ok = ratio <= DENSE_RATIO or (ratio < 1 and recall >= DENSE_RECALL)
    lines.append(
        f"- dense ratio {ratio:g} (target ≤ {DENSE_RATIO:g}, or faster with recall@10 ≥ "
        f"{DENSE_RECALL:g}; recall@10 {recall:g}): {'met' if dense_ok else 'MISSED'}"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="seed,100000")
    parser.add_argument("--queries", type=int, default=100, help="needs matched and searched")
    parser.add_argument(
        "--ann-threshold", type=int, help="TECHMATCH_ANN_THRESHOLD (default: the setting's)"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.queries, args.ann_threshold)))
        return
    rows = []
    extra = [] if args.ann_threshold is None else ["--ann-threshold", str(args.ann_threshold)]
    for size in args.sizes.split(","):
        done = subprocess.run(
            [sys.executable, __file__, "--one", size, "--queries", str(args.queries), *extra],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print("vectors: SYNTHETIC (character-bigram model, 384 dimensions), not e5; times in ms "
          "as p50/p95; ratios are medians, ours / peer")  # fmt: skip
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    print(f"\ntargets at {rows[-1]['size']} listings:")
    print("\n".join(verdicts(rows[-1])))


if __name__ == "__main__":
    main()
