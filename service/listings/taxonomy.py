"""Technology fields and regions, read from ``seed_data/taxonomy.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from seed_data import SEED_DIR

REGION_TIERS = ("dazhou", "northeast", "elsewhere")


@dataclass(frozen=True)
class FieldInfo:
    code: str
    label: str
    parent: str | None

    @property
    def top(self) -> str:
        return self.parent or self.code


@dataclass(frozen=True)
class Taxonomy:
    fields: dict[str, FieldInfo]
    regions: dict[str, str]  # region name -> tier

    def field(self, code: str) -> FieldInfo | None:
        return self.fields.get(code)

    def label(self, code: str) -> str:
        info = self.fields.get(code)
        return info.label if info else code

    def top_fields(self) -> list[FieldInfo]:
        return [f for f in self.fields.values() if f.parent is None]

    def tier(self, region: str | None) -> str:
        return self.regions.get(region or "", "elsewhere")


def load_taxonomy(path: Path) -> Taxonomy:
    raw = json.loads(path.read_text(encoding="utf-8"))
    fields: dict[str, FieldInfo] = {}
    for top in raw["fields"]:
        fields[top["code"]] = FieldInfo(top["code"], top["label"], None)
        for child in top.get("children", []):
            fields[child["code"]] = FieldInfo(child["code"], child["label"], top["code"])
    regions = {r["name"]: r["tier"] for r in raw["regions"]}
    bad = {t for t in regions.values() if t not in REGION_TIERS}
    if bad:
        raise ValueError(f"{path}: unknown region tiers {sorted(bad)}")
    return Taxonomy(fields=fields, regions=regions)


@lru_cache(maxsize=1)
def get_taxonomy() -> Taxonomy:
    """The packaged taxonomy (read once, on first use)."""
    return load_taxonomy(SEED_DIR / "taxonomy.json")


_installed: Taxonomy | None = None


def install_taxonomy(taxonomy: Taxonomy) -> None:
    """Make ``taxonomy`` the one the listing models validate against (done by the composition
    root from ``TECHMATCH_SEED_DIR``, so a market with its own fields accepts them)."""
    global _installed
    _installed = taxonomy


def active_taxonomy() -> Taxonomy:
    """The installed taxonomy, or the packaged one before anything was installed."""
    return _installed or get_taxonomy()
