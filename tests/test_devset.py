"""The development set, the expert pool and the common-needs reference: complete and valid."""

import csv
import json
from collections import Counter

from seed_data import SEED_DIR
from service.listings.schemas import NeedIn
from service.listings.taxonomy import get_taxonomy

DEVSET = SEED_DIR / "devset"


def tsv(path):  # type: ignore[no-untyped-def]
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def dev_needs() -> list[dict[str, object]]:
    lines = (DEVSET / "needs.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_dev_needs_are_valid_and_mostly_problem_worded() -> None:
    needs = dev_needs()
    assert len(needs) >= 150 and len({n["id"] for n in needs}) == len(needs)
    taxonomy = get_taxonomy()
    for need in needs:
        record = {k: v for k, v in need.items() if k not in ("true_field", "wording")}
        NeedIn.model_validate(record)
        assert taxonomy.field(str(need["true_field"])) is not None
    wording = Counter(n["wording"] for n in needs)
    assert wording["problem"] * 3 >= len(needs) * 2


def test_every_pooled_pair_is_graded_once() -> None:
    first = {(r["need_id"], r["achievement_id"]) for r in tsv(DEVSET / "pool.tsv")}
    deep = [(r["need_id"], r["achievement_id"]) for r in tsv(DEVSET / "pool-deep.tsv")]
    assert len(deep) == len(set(deep)) and not first & set(deep)  # only pairs never judged
    pooled = first | set(deep)
    graded = [(r["need_id"], r["achievement_id"]) for r in tsv(DEVSET / "qrels.tsv")]
    assert len(graded) == len(set(graded)) and set(graded) == pooled
    assert {int(r["grade"]) for r in tsv(DEVSET / "qrels.tsv")} <= {0, 1, 2, 3}
    second = {(r["need_id"], r["achievement_id"]) for r in tsv(DEVSET / "second-judge.tsv")}
    assert len(second) >= 200 and second <= pooled


def test_pools_come_from_three_rankers_to_depth_15() -> None:
    rankers: Counter[str] = Counter()
    for row in tsv(DEVSET / "pool.tsv"):
        for source in row["sources"].split(","):
            name, rank = source.split(":")
            assert 1 <= int(rank) <= 15
            rankers[name] += 1
    assert len(rankers) >= 3


def test_the_deeper_pool_names_its_dense_rankers() -> None:
    rankers: Counter[str] = Counter()
    for row in tsv(DEVSET / "pool-deep.tsv"):
        for source in row["sources"].split(","):
            name, rank = source.split(":")
            assert 1 <= int(rank) <= 20  # each ranker's list was kept to depth 20
            rankers[name.split("+")[0]] += 1
    assert {"dense", "passage", "align", "learned"} <= set(rankers)


def test_experts_cover_every_sub_field_and_county() -> None:
    lines = (SEED_DIR / "experts.jsonl").read_text(encoding="utf-8").splitlines()
    experts = [json.loads(line) for line in lines if line.strip()]
    assert len(experts) >= 80 and len({e["id"] for e in experts}) == len(experts)
    taxonomy = get_taxonomy()
    sub_fields = {code for code, info in taxonomy.fields.items() if info.parent}
    assert sub_fields <= {f for e in experts for f in e["fields"]}
    counties = {name for name, tier in taxonomy.regions.items() if tier == "dazhou"}
    assert counties <= {c for e in experts for c in e["counties"]}
    assert all(str(e["contact"]).endswith("@example.cn") for e in experts)


def test_common_need_groups_span_enterprises() -> None:
    needs = {}
    for path in (SEED_DIR / "needs").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            needs[record["id"]] = record["enterprise"]
    groups: dict[str, list[str]] = {}
    for row in tsv(SEED_DIR / "gold" / "common-needs.tsv"):
        groups.setdefault(row["group_id"], []).append(row["need_id"])
    members = [n for ids in groups.values() for n in ids]
    assert len(members) == len(set(members)) and set(members) <= set(needs)
    assert all(len({needs[n] for n in ids}) >= 2 for ids in groups.values())
    named = {r["group_id"] for r in tsv(SEED_DIR / "gold" / "common-needs-groups.tsv")}
    assert named == set(groups)
