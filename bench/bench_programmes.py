"""Benchmark and sanity figures of the programmes on the seed (lexical only, no model).

    .venv/bin/python bench/bench_programmes.py

Prints, as JSON: expert ranking latency for every seed need and achievement, how often the
top expert of a need works in its sub-field and serves its county, the time to propose
achievements for a theme and to rank an event's invitations.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from seed_data import SEED_DIR
    from service.accounts import Role
    from service.composition import open_components
    from service.config import Settings
    from service.listings.schemas import Kind
    from service.programmes.events import EventIn, beijing_today

    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(home=Path(scratch), embedding_model="")  # type: ignore[call-arg]
        with open_components(settings) as parts:
            parts.listings.seed(parts.seed_dir)
            parts.experts.seed(SEED_DIR)
            parts.indexing.rebuild()
            started = time.perf_counter()
            parts.expert_matcher.pool()
            build = time.perf_counter() - started
            out: dict[str, object] = {"experts": parts.experts.count(), "pool_build_s": build}
            for kind in Kind:
                timings, field_hits, county_hits, top3_field = [], 0, 0, 0
                listings = list(parts.catalog.iter_all(kind, published_only=True))
                for listing in listings:
                    started = time.perf_counter()
                    ranked = parts.expert_matcher.rank(kind, listing, 10)
                    timings.append(time.perf_counter() - started)
                    top = ranked.items[0].expert
                    field_hits += listing.field in top.fields
                    county_hits += bool(listing.region) and listing.region in top.counties
                    top3_field += any(listing.field in i.expert.fields for i in ranked.items[:3])
                n = len(listings)
                out[kind.value] = {
                    "listings": n,
                    "rank_ms_median": round(statistics.median(timings) * 1000, 1),
                    "rank_ms_p95": round(sorted(timings)[int(n * 0.95)] * 1000, 1),
                    "top1_same_subfield": round(field_hits / n, 3),
                    "top3_same_subfield": round(top3_field / n, 3),
                    "top1_serves_county": round(county_hits / n, 3),
                }
            broker = parts.accounts.create_user("bench-broker", "password-123", Role.broker, "市场")
            started = time.perf_counter()
            proposed = parts.invitations.propose("resources_env", "宣汉县", 6)
            out["propose_s"] = round(time.perf_counter() - started, 3)
            event = parts.events.create(
                EventIn(title="基准活动", kind="推介会", date=beijing_today(), place="达州",
                        capacity=100, field="resources_env", region="宣汉县"),
                [p.id for p in proposed],
                broker,
            )  # fmt: skip
            started = time.perf_counter()
            invited = parts.invitations.for_event(event.id)
            out["invitations_s"] = round(time.perf_counter() - started, 3)
            out["invited_enterprises"] = len(invited)
            out["invited_from_needs"] = sum(
                any(r.source == "need" for r in i.achievements) for i in invited
            )
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
