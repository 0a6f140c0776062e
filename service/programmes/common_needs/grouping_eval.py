"""How the automatic grouping agrees with the reference grouping of the seed needs.

Pairwise precision / recall / F1 over the pairs of needs put in one group (a need in no group
pairs with nothing), and the adjusted Rand index over all needs (a need in no group is a
cluster of its own). The sweep shows every cut on all needs; what a cut promises on groups it
never saw is cross-validated over folds of the reference groups (``grouping_folds``), and the
service's cut is the median of the cuts fitted there.
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
from service.programmes.common_needs.grouping_folds import HeldOut, cross_validate, grouped
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
        """Markdown lines: the cross-validated figure, and the service's cut on all needs."""
        c, h = self.chosen, self.held_out
        head = (
            f"- Common-need grouping (`techmatch common-needs --evaluate`, {self.needs} needs, "
            f"{self.reference_groups} reference groups, {self.reference_pairs} pairs"
        )
        if h is None:
            return [f"{head}): at the cut {c.threshold:.2f} F1 {c.f1:.3f} (target 0.6)."]
        return [
            f"{head}): held out ({h.folds} folds of the groups × {h.shuffles} shuffles, the cut "
            f"fitted on the other folds, median {h.threshold:.2f}): P {h.precision:.3f}, "
            f"R {h.recall:.3f}, **F1 {h.f1:.3f}** ± {h.f1_spread:.3f} (target 0.6).",
            f"- The service's cut {c.threshold:.2f} (median of the fitted cuts) on all needs, "
            f"groups it was fitted on included: P {c.precision:.3f}, R {c.recall:.3f}, "
            f"F1 {c.f1:.3f}.",
        ]


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


def score_labels(
    labels: np.ndarray,
    needs: Sequence[Any],
    reference: Mapping[str, str],
    threshold: float,
) -> GroupingScore:
    """Score cluster ``labels`` of ``needs`` (clusters of one enterprise dropped)."""
    found: dict[str, int] = {}
    for group, members in enumerate(grouped(labels, needs)):
        found.update({needs[i].id: group for i in members})
    ids = [n.id for n in needs]
    return score(found, {i: g for i, g in reference.items() if i in set(ids)}, ids, threshold)


def evaluate(grouper: NeedGrouper, seed_dir: Path) -> GroupingReport:
    """The grouping of the seed needs against the reference at the grouper's cut and across the
    sweep, and the cut cross-validated over folds of the reference groups."""
    needs = seed_needs(seed_dir)
    reference = read_reference(seed_dir)
    sim, _, _ = grouper.similarity(needs)
    thresholds = sorted({*SWEEP, grouper.threshold})
    labels = {t: cluster(sim, t) for t in thresholds}
    sweep = [score_labels(labels[t], needs, reference, t) for t in thresholds]
    chosen = next(s for s in sweep if s.threshold == grouper.threshold)
    return GroupingReport(
        needs=len(needs),
        reference_groups=len(set(reference.values())),
        reference_pairs=len(pairs_of(reference)),
        semantic=grouper.semantic,
        chosen=chosen,
        sweep=sweep,
        held_out=cross_validate(needs, reference, thresholds, labels.__getitem__),
    )
