"""Benchmark and sanity figures of the programmes on the seed (lexical only, no model).

    .venv/bin/python bench/bench_programmes.py

Prints, as JSON: expert ranking latency for every seed need and achievement, how often the
top expert of a need works in its sub-field and serves its county, the time to propose
achievements for a theme and to rank an event's invitations; and the reads of
``GET /api/common-needs`` (the part behind it, 3 achievements per group): the first read after
seeding (groups the needs, ranks the achievements), a worker process's first read of stored
groups, a repeated read, a read after an achievement changed and after a need changed (regroups),
after every group was reviewed, each with the number of grouping runs it caused; and the
万达开科技成果库 view.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from seed_data import SEED_DIR
    from service import clock
    from service.accounts import Role
    from service.composition import open_components
    from service.config import Settings
    from service.listings.schemas import Kind
    from service.programmes.events.service import EventIn
    from service.programmes.wdk.views import WdkFilters

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
                EventIn(title="基准活动", kind="推介会", date=clock.today(), place="达州",
                        capacity=100, field="resources_env", region="宣汉县"),
                [p.id for p in proposed],
                broker,
            )  # fmt: skip
            started = time.perf_counter()
            invited = parts.invitations.for_event(event.id)
            out["invitations_s"] = round(time.perf_counter() - started, 3)
            out["invited_enterprises"] = len(invited)
            out["invited_by_tier"] = {  # every invitation is at least a possible match
                t: sum(i.tier == t for i in invited) for t in ("strong", "possible")
            }
            out["common_needs"] = common_need_reads(parts)
            started = time.perf_counter()
            library = parts.wdk_library.view(WdkFilters(), None)
            out["wdk_library"] = {"achievements": library.total,
                                  "view_s": round(time.perf_counter() - started, 3)}  # fmt: skip
    print(json.dumps(out, ensure_ascii=False, indent=2))


def common_need_reads(parts: Any) -> dict[str, object]:
    """Seconds of ``CommonNeeds.list`` (what ``GET /api/common-needs`` answers) in each case."""
    from service.listings.schemas import Kind
    from service.programmes.common_needs.group_matching import GroupMatcher
    from service.programmes.common_needs.service import CommonNeeds
    from service.programmes.common_needs.views import GroupStatus

    board = parts.common_needs
    runs = [0]
    group = board.grouper.group

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs[0] += 1
        return group(*args, **kwargs)

    board.grouper.group = counted  # type: ignore[method-assign]
    out: dict[str, object] = {}

    def read(name: str, part: CommonNeeds) -> None:
        before, started = runs[0], time.perf_counter()
        groups = part.list(achievements=3).groups
        out[name] = {"s": round(time.perf_counter() - started, 3), "regrouped": runs[0] - before,
                     "groups": len(groups)}  # fmt: skip

    read("first_read_after_seeding", board)
    read("repeated_read", board)
    # a worker process that starts now: its own part (and ranker caches) on the same catalog
    fresh = CommonNeeds(parts.catalog.engine, parts.catalog, board.grouper,
                        GroupMatcher(parts.matcher))  # fmt: skip
    read("new_process_first_read", fresh)
    read("new_process_repeated_read", fresh)
    achievement = next(parts.catalog.iter_all(Kind.achievement, published_only=True))
    parts.listings.update(Kind.achievement, achievement.id, {"price_wan": 1}, None)
    read("after_an_achievement_changed", board)
    need = next(parts.catalog.iter_all(Kind.need, published_only=True))
    parts.listings.update(Kind.need, need.id, {"title": need.title + "（更新）"}, None)
    read("after_a_need_changed", board)
    read("repeated_read_again", board)
    # no untouched proposal left (before: this regrouped the needs on the next read)
    for found in board.list(achievements=0).groups:
        board.set_status(found.id, GroupStatus.reviewed, user_id=1)
    read("after_every_group_reviewed", board)
    read(
        "after_every_group_reviewed_new_process",
        CommonNeeds(
            parts.catalog.engine, parts.catalog, board.grouper, GroupMatcher(parts.matcher)
        ),
    )
    return out


if __name__ == "__main__":
    main()
