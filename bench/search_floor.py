"""The dense floor of search (``service/matching/search.py``: ``DENSE_FLOOR``), calibrated on the
development set.

A result of a multi-word query that shares no word but general ones with it is kept only when
its dense score (the index's mean of whole-text and best-passage cosines) reaches the floor. Each
development-set need's title is run as a search query against the seed achievements (the
nearest ``DEPTH`` by vector); a hit is relevant when the need's judgment grades it 2 or 3. The
table gives, per score band and from each floor up, the share of relevant hits: the floor is
the lowest score from which at least half of the hits are relevant (a dense-only result is then
more likely right than wrong).

    TECHMATCH_HOME=/tmp/floor-home .venv/bin/techmatch seed && .venv/bin/techmatch index
    TECHMATCH_HOME=/tmp/floor-home .venv/bin/python bench/search_floor.py
"""

from __future__ import annotations

import csv

from indexer.base import Filters
from seed_data import SEED_DIR
from service.cli.common import market
from service.quality.devset import load_devset

DEPTH = 20
FLOORS = [round(0.80 + 0.01 * i, 2) for i in range(13)]
REQUIRED = 0.5


def main() -> None:
    grades: dict[tuple[str, str], int] = {}
    with (SEED_DIR / "devset" / "qrels.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            grades[(row["need_id"], row["achievement_id"])] = int(row["grade"])
    dev = load_devset(SEED_DIR)
    hits: list[tuple[float, bool]] = []
    with market() as parts:
        for need_id, need in dev.needs.items():
            vector = parts.encoder.encode_query(need.title)
            if vector is None:
                raise SystemExit("no embedding model: the floor needs the dense index")
            for hit in parts.index.vector("achievement", vector, Filters(), DEPTH):
                hits.append((hit.score, grades.get((need_id, hit.id), 0) >= 2))
    print(f"{len(dev.needs)} queries (development-set titles), {len(hits)} hits")
    print("| floor | hits at or above | relevant among them | hits in the band | relevant |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    chosen = None
    for floor in FLOORS:
        above = [r for s, r in hits if s >= floor]
        band = [r for s, r in hits if floor <= s < floor + 0.01]
        share = sum(above) / len(above) if above else 0.0
        in_band = sum(band) / len(band) if band else 0.0
        if chosen is None and above and share >= REQUIRED:
            chosen = floor
        print(f"| {floor:.2f} | {len(above)} | {share:.3f} | {len(band)} | {in_band:.3f} |")
    print(f"floor: {chosen} (lowest with at least {REQUIRED:.0%} of the hits above it relevant)")


if __name__ == "__main__":
    main()
