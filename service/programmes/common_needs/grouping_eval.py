"""How the automatic grouping agrees with the reference grouping of the seed needs.

Pairwise precision / recall / F1 over the pairs of needs put in one group (a need in no group
pairs with nothing), and the adjusted Rand index over all needs (a need in no group is a
cluster of its own). The threshold sweep is what ``grouping.THRESHOLD`` was chosen from.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from service.listings.schemas import IN_MODELS, Kind
from service.programmes.common_needs.grouping import NeedGrouper, Proposal, cluster
from service.publishing.loader import read_rows, seed_files

SWEEP = tuple(round(0.60 + 0.02 * i, 2) for i in range(19))  # 0.60 … 0.96


@dataclass(frozen=True)
class GroupingScore:
    threshold: float
    groups: int
    grouped_needs: int
    pairs: int
    precision: float
    recall: float
    f1: float
    ari: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class HeldOut:
    """The cut fitted on one half of the reference groups (even positions in id order, with
    every need in no group) and scored on the other half (odd positions, same free needs):
    what the threshold sweep would promise on groups it never saw."""

    threshold: float
    fitted: GroupingScore
    held_out: GroupingScore


@dataclass(frozen=True)
class GroupingReport:
    needs: int
    reference_groups: int
    reference_pairs: int
    semantic: bool
    chosen: GroupingScore
    sweep: list[GroupingScore]
    held_out: HeldOut | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "chosen": self.chosen.as_dict()}

    def summary(self) -> list[str]:
        """Markdown lines: the service's cut, and the cut fitted on half the groups."""
        c, h = self.chosen, self.held_out
        lines = [
            f"- Common-need grouping (`techmatch common-needs --evaluate`, {self.needs} needs, "
            f"{self.reference_groups} reference groups, {self.reference_pairs} pairs): at the "
            f"service's cut {c.threshold:.2f} pairwise P {c.precision:.3f}, R {c.recall:.3f}, "
            f"**F1 {c.f1:.3f}** (target 0.6).",
        ]
        if h is not None:
            lines.append(
                f"- Cut fitted on half the reference groups: {h.threshold:.2f} (F1 "
                f"{h.fitted.f1:.3f} there); on the other half **F1 {h.held_out.f1:.3f}**."
            )
        return lines


def read_reference(seed_dir: Path) -> dict[str, str]:
    """need id -> reference group id, from ``gold/common-needs.tsv``."""
    with (seed_dir / "gold" / "common-needs.tsv").open(encoding="utf-8") as handle:
        return {row["need_id"]: row["group_id"] for row in csv.DictReader(handle, delimiter="\t")}


def seed_needs(seed_dir: Path) -> list[Any]:
    """The seed needs (published ones), validated like an import."""
    model = IN_MODELS[Kind.need]
    out = []
    for path in seed_files(seed_dir, Kind.need):
        for _, record in read_rows(path):
            if isinstance(record, dict) and record.get("status", "published") == "published":
                out.append(model.model_validate(record))
    return out


def pairs_of(labels: Mapping[str, object]) -> set[tuple[str, str]]:
    groups: dict[object, list[str]] = {}
    for need_id, label in labels.items():
        groups.setdefault(label, []).append(need_id)
    out: set[tuple[str, str]] = set()
    for members in groups.values():
        out.update(itertools.combinations(sorted(members), 2))
    return out


def score(
    found: Mapping[str, object], reference: Mapping[str, str], ids: Sequence[str], threshold: float
) -> GroupingScore:
    from sklearn.metrics import adjusted_rand_score

    got, want = pairs_of(found), pairs_of(reference)
    hits = len(got & want)
    precision = hits / len(got) if got else 0.0
    recall = hits / len(want) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    truth = [reference.get(i, f"alone:{i}") for i in ids]
    guess = [str(found.get(i, f"alone:{i}")) for i in ids]
    return GroupingScore(
        threshold=threshold,
        groups=len(set(found.values())),
        grouped_needs=len(found),
        pairs=len(got),
        precision=round(precision, 4),
        recall=round(recall, 4),
        f1=round(f1, 4),
        ari=round(float(adjusted_rand_score(truth, guess)), 4),
    )


def labels_of(proposals: Iterable[Proposal]) -> dict[str, int]:
    return {nid: g for g, p in enumerate(proposals) for nid in p.need_ids}


def score_subset(
    sim: np.ndarray,
    needs: Sequence[Any],
    reference: Mapping[str, str],
    keep: Sequence[int],
    threshold: float,
) -> GroupingScore:
    """Cluster the needs at positions ``keep`` and score them against their reference."""
    ids = [needs[i].id for i in keep]
    labels = cluster(sim[np.ix_(keep, keep)], threshold)
    found: dict[str, int] = {}
    for label in set(labels.tolist()):
        members = [int(i) for i in np.flatnonzero(labels == label)]
        if len(members) >= 2 and len({needs[keep[i]].organisation for i in members}) >= 2:
            found.update({ids[i]: int(label) for i in members})
    wanted = {i: g for i, g in reference.items() if i in set(ids)}
    return score(found, wanted, ids, threshold)


def held_out(
    sim: np.ndarray, needs: Sequence[Any], reference: Mapping[str, str], thresholds: Iterable[float]
) -> HeldOut:
    """Fit the cut on half the reference groups, score it on the other half."""
    groups = sorted(set(reference.values()))
    fit_groups, test_groups = set(groups[0::2]), set(groups[1::2])
    fit = [i for i, n in enumerate(needs) if reference.get(n.id) not in test_groups]
    test = [i for i, n in enumerate(needs) if reference.get(n.id) not in fit_groups]
    scores = [score_subset(sim, needs, reference, fit, t) for t in thresholds]
    best = max(scores, key=lambda s: (s.f1, -s.threshold))
    return HeldOut(best.threshold, best, score_subset(sim, needs, reference, test, best.threshold))


def evaluate(grouper: NeedGrouper, seed_dir: Path) -> GroupingReport:
    """The grouping of the seed needs against the reference, at the grouper's threshold and
    across the sweep, and the sweep's cut fitted on half the groups and held out on the rest."""
    needs = seed_needs(seed_dir)
    reference = read_reference(seed_dir)
    sim, _, _ = grouper.similarity(needs)
    everyone = list(range(len(needs)))
    thresholds = sorted({*SWEEP, grouper.threshold})
    sweep = [score_subset(sim, needs, reference, everyone, t) for t in thresholds]
    chosen = next(s for s in sweep if s.threshold == grouper.threshold)
    return GroupingReport(
        needs=len(needs),
        reference_groups=len(set(reference.values())),
        reference_pairs=len(pairs_of(reference)),
        semantic=grouper.semantic,
        chosen=chosen,
        sweep=sweep,
        held_out=held_out(sim, needs, reference, thresholds),
    )
