"""Draw a fresh labelling sample of terms, blind: words the extractor shows mixed with words it
does not, so the labeller cannot tell which is which.

Every sentence of the seed needs and achievements and of the development set's needs (title and
body) is read; a candidate is a content word of a sentence (``Analyzer.content_words``) that
none of the existing samples (``seed_data/terms/*.tsv``) holds. ``SHOWN`` distinct words the
extractor shows and ``NOT_SHOWN`` it does not are drawn uniformly (fixed seed), each with one of
its sentences drawn at random, and shuffled together. The output has no column that tells the
extractor's decision; label it by ``criteria.md`` and save it as
``seed_data/terms/labels-fresh.tsv``, where ``techmatch terms`` measures it.

    .venv/bin/python bench/terms_sample.py /tmp/to-label.tsv [SEED]

``labels-fresh.tsv`` was drawn with seed 20261207 at commit ab6aebb (rules frozen);
``labels-fresh2.tsv`` with seed 20261208 after the rules were revised on the first (its
exclusions include ``labels-fresh.tsv``); ``labels-fresh3.tsv`` with seed 20261209 at commit
591df5d, after the rules were revised on the second; ``labels-fresh4.tsv`` with seed 20261210
at commit 48e3951, after the rules were revised on the third; ``labels-fresh5.tsv`` with seed
20261211 at commit 295f92c, after the dictionary was audited again by the criteria (only 337
distinct shown words were left outside the earlier samples). A draw is reproducible at the
commit it was made.
"""

from __future__ import annotations

import csv
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from indexer.analysis import get_analyzer
from indexer.terms import TermExtractor
from seed_data import SEED_DIR

SHOWN = 240
NOT_SHOWN = 80
SEED = 20261207
_SENTENCE = re.compile(r"[^。！？；!?;\n]+")


def sentences(directory: Path = SEED_DIR) -> Iterator[tuple[str, str]]:
    """(listing id, sentence) of every seed listing and development-set need."""
    files = [*sorted((directory / "needs").glob("*.jsonl"))]
    files += sorted((directory / "achievements").glob("*.jsonl"))
    files.append(directory / "devset" / "needs.jsonl")
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            body = record.get("description") or record.get("summary") or ""
            for sentence in _SENTENCE.findall(f"{record['title']}。{body}"):
                if len(sentence.strip()) >= 4:
                    yield record["id"], sentence.strip()


def labelled_before(directory: Path = SEED_DIR / "terms") -> set[str]:
    out: set[str] = set()
    for path in directory.glob("*.tsv"):
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            out.add(line.split("\t", 1)[0])
    return out


def draw(seed: int = SEED) -> list[tuple[str, str, str]]:
    analyzer = get_analyzer()
    extractor = TermExtractor.for_analyzer(analyzer)
    seen = labelled_before()
    shown: dict[str, list[tuple[str, str]]] = {}
    hidden: dict[str, list[tuple[str, str]]] = {}
    for listing_id, sentence in sentences():
        terms = set(extractor.terms(sentence))
        for word in dict.fromkeys(analyzer.content_words(sentence)):
            if word in seen or len(word) < 2 or not re.search(r"[^\d.%]", word):
                continue
            (shown if word in terms else hidden).setdefault(word, []).append((listing_id, sentence))
    rng = random.Random(seed)
    rows = []
    for pool, size in ((shown, SHOWN), (hidden, NOT_SHOWN)):
        for word in rng.sample(sorted(pool), min(size, len(pool))):
            listing_id, sentence = rng.choice(pool[word])
            rows.append((word, listing_id, sentence))
    rng.shuffle(rows)
    print(f"distinct candidates: {len(shown)} shown, {len(hidden)} not shown", file=sys.stderr)
    return rows


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("to-label.tsv")
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else SEED
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["term", "listing_id", "label", "sentence"])
        for word, listing_id, sentence in draw(seed):
            writer.writerow([word, listing_id, "", sentence])


if __name__ == "__main__":
    main()
