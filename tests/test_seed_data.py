"""The seed data: counts, validity, coverage, authored (not stamped) text, gold judgments."""

import json
from collections import Counter, defaultdict
from functools import lru_cache

from seed_data import SEED_DIR
from service.catalog import Catalog
from service.listings.schemas import Kind
from service.listings.taxonomy import get_taxonomy
from service.publishing.loader import import_file, seed_files
from service.quality.gold import read_gold

RUN = 12  # no shared run of this many characters
GRAM = 5  # character n-grams for near-duplicate detection
JACCARD_MAX = 0.5


@lru_cache(maxsize=1)
def records() -> dict[Kind, list[dict[str, object]]]:
    out: dict[Kind, list[dict[str, object]]] = {}
    for kind in Kind:
        out[kind] = [
            json.loads(line)
            for path in seed_files(SEED_DIR, kind)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    return out


def text_of(record: dict[str, object]) -> str:
    return str(record["title"]) + "\n" + str(record.get("summary") or record.get("description"))


def test_counts_and_every_row_loads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert len(records()[Kind.achievement]) >= 500
    assert len(records()[Kind.need]) >= 200
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    catalog.create_schema()
    for kind in Kind:
        for path in seed_files(SEED_DIR, kind):
            report = import_file(catalog, kind, path)
            assert report.rejected == [], (path.name, report.rejected[:3])
    ids = [r["id"] for kind in Kind for r in records()[kind]]
    assert len(ids) == len(set(ids))


def test_every_field_and_county_is_covered() -> None:
    taxonomy = get_taxonomy()
    sub_fields = {code for code, info in taxonomy.fields.items() if info.parent}
    assert {r["field"] for r in records()[Kind.achievement]} == sub_fields
    counties = {name for name, tier in taxonomy.regions.items() if tier == "dazhou"}
    assert counties <= {r["region"] for r in records()[Kind.need]}
    tops = {taxonomy.fields[str(r["field"])].top for r in records()[Kind.need]}
    assert tops == {f.code for f in taxonomy.top_fields()}


def test_local_industries_weigh_more() -> None:
    fields = Counter(str(r["field"]) for r in records()[Kind.achievement])
    local = ("materials.basalt_fiber", "materials.glass_fiber", "resources_env.gas_lithium")
    assert all(fields[f] >= 30 for f in local)
    assert fields["aerospace.uav"] < fields["materials.basalt_fiber"]


def test_no_two_listings_share_a_long_run() -> None:
    owner: dict[str, str] = {}
    shared: list[tuple[str, str, str]] = []
    for kind in Kind:
        for record in records()[kind]:
            text = text_of(record)
            seen_here = set()
            for i in range(len(text) - RUN + 1):
                run = text[i : i + RUN]
                if "\n" in run or run in seen_here:
                    continue
                seen_here.add(run)
                first = owner.setdefault(run, str(record["id"]))
                if first != record["id"]:
                    shared.append((first, str(record["id"]), run))
    assert shared == [], shared[:5]


def test_no_near_duplicates() -> None:
    grams: dict[str, set[str]] = {}
    postings: dict[str, list[str]] = defaultdict(list)
    for kind in Kind:
        for record in records()[kind]:
            text = text_of(record)
            g = {text[i : i + GRAM] for i in range(len(text) - GRAM + 1)}
            grams[str(record["id"])] = g
            for gram in g:
                postings[gram].append(str(record["id"]))
    worst = 0.0
    for a, a_grams in grams.items():
        overlap: Counter[str] = Counter()
        for gram in a_grams:
            overlap.update(b for b in postings[gram] if b > a)
        for b, common in overlap.items():
            worst = max(worst, common / len(a_grams | grams[b]))
    assert worst < JACCARD_MAX


def test_gold_judgments() -> None:
    qrels, wording = read_gold(SEED_DIR)
    achievements = {r["id"] for r in records()[Kind.achievement]}
    needs = {r["id"] for r in records()[Kind.need]}
    assert len(qrels) >= 80
    for need_id, judged in qrels.items():
        assert need_id in needs
        assert set(judged) <= achievements
        assert set(judged.values()) <= {0, 1, 2}
        assert 2 in judged.values(), need_id
    assert sum(0 in j.values() for j in qrels.values()) >= 0.9 * len(qrels)  # tempting wrong ones
    assert set(wording) == needs and set(wording.values()) == {"problem", "technical"}
    assert sum(w == "problem" for w in wording.values()) >= 0.4 * len(needs)


def test_dictionary_and_synonyms() -> None:
    terms = [
        line.split()[0]
        for line in (SEED_DIR / "dictionary.txt").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(set(terms)) >= 1500
    groups = [
        line.split(",")
        for line in (SEED_DIR / "synonyms.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(groups) >= 100 and all(len(g) >= 2 for g in groups)
    assert any({"连续玄武岩纤维", "CBF"} <= set(g) for g in groups)
