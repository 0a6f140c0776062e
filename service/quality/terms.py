"""How trustworthy the shown terms are: precision of the term extractor on labelled samples,
agreement with a second labeller, and the common-need grouping figures.

The samples (``seed_data/terms/``) were labelled by the written criteria (``criteria.md``):
``labels.tsv`` (520 candidate words of every kind drawn from the seed and the development
set, the sample the rules were written beside), ``labels-heldout.tsv`` (260 words the
extractor showed, drawn afterwards from words outside the first sample) and the blind samples
of ``bench/terms_sample.py`` (``labels-fresh.tsv`` to ``labels-fresh4.tsv``: 240 shown and 80
not shown words each, drawn after the rules were frozen). A term counts as shown when the
extractor yields it for the sentence it was labelled in. A second labeller's labels
(``second.tsv`` for the first two samples, ``second-fresh.tsv`` for fresh samples 2 and 3)
give Cohen's kappa.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.terms import TermExtractor


@dataclass(frozen=True)
class Labelled:
    term: str
    listing_id: str
    label: int
    sentence: str


@dataclass(frozen=True)
class Precision:
    name: str
    labelled: int
    shown: int
    correct: int
    terms: int  # labelled 1

    @property
    def precision(self) -> float:
        return self.correct / self.shown if self.shown else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.terms if self.terms else 0.0


@dataclass(frozen=True)
class Agreement:
    items: int
    kappa: float
    agreed: float


def read_labels(path: Path) -> list[Labelled]:
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Labelled(r["term"], r["listing_id"], int(r["label"]), r["sentence"]) for r in rows]


def read_second(path: Path) -> dict[str, int]:
    """The second labeller's ``term<TAB>label`` lines (a header line is skipped)."""
    out: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split("\t")
        if len(parts) >= 2 and parts[-1].strip() in {"0", "1"}:
            out[parts[0].strip()] = int(parts[-1])
    return out


def precision(name: str, extractor: TermExtractor, labels: Sequence[Labelled]) -> Precision:
    """Of the labelled words the extractor shows for their sentence, how many are terms."""
    shown = [x for x in labels if x.term in set(extractor.terms(x.sentence))]
    return Precision(
        name=name,
        labelled=len(labels),
        shown=len(shown),
        correct=sum(x.label for x in shown),
        terms=sum(x.label for x in labels),
    )


def agreement(labels: Sequence[Labelled], second: dict[str, int]) -> Agreement | None:
    """Cohen's kappa between the labels and the second labeller's, on the terms both labelled."""
    from sklearn.metrics import cohen_kappa_score

    mine = {x.term: x.label for x in labels}
    both = sorted(set(mine) & set(second))
    if len(both) < 2:
        return None
    a, b = [mine[t] for t in both], [second[t] for t in both]
    agreed = sum(x == y for x, y in zip(a, b, strict=True)) / len(both)
    return Agreement(len(both), round(float(cohen_kappa_score(a, b)), 3), round(agreed, 3))


def markdown(
    scores: Sequence[Precision],
    agreements: Sequence[tuple[str, Agreement]],
    grouping: Sequence[str] = (),
) -> list[str]:
    """The report's "Terms" section; ``grouping``: the common-need grouping's summary lines."""
    lines = [
        "Every word shown as a term (suggested keywords, shared terms of a match, search",
        "highlights, common-need titles and key terms, invitation and candidate reasons) comes",
        "from `indexer/terms.py`. Criteria: `seed_data/terms/criteria.md`; how the samples were",
        "drawn, the signals measured before choosing (dictionary, lexicon, jieba part of speech,",
        "HSK, Baidu LAC) and what is missed: `docs/terms.md`. A labelled word counts as shown",
        "when the extractor yields it for the sentence it was labelled in.",
        "",
        "| sample | labelled | terms (1) | shown | **precision of shown** | recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in scores:
        lines.append(
            f"| {s.name} | {s.labelled} | {s.terms} | {s.shown} | **{s.precision:.3f}** "
            f"| {s.recall:.3f} |"
        )
    lines.append("")
    if not agreements:
        lines.append("Second labeller: no labels yet (`seed_data/terms/second.tsv`).")
    for name, agreed in agreements:
        lines.append(
            f"- Second labeller (blind, same criteria), {name}: {agreed.items} words labelled by "
            f"both, raw agreement {agreed.agreed:.3f}, Cohen's kappa **{agreed.kappa:.3f}**."
        )
    if grouping:
        lines += ["", *grouping]
    return lines
