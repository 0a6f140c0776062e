"""Common-need grouping compared on different words of the needs (lexical, no model).

Rows: tf-idf cosine over the analyzer's words (what the service uses), over the technical terms
of ``indexer/terms.py`` alone, and over the words that are not general language
(``TermExtractor.specific``). Each row's cut is fitted on half the reference groups and scored
on the other half and on all needs (``grouping_eval.held_out``).

    .venv/bin/python bench/grouping_signals.py
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seed_data import SEED_DIR
from service.cli.common import market
from service.programmes.common_needs.grouping_eval import (
    SWEEP,
    held_out,
    read_reference,
    score_subset,
    seed_needs,
)


def cosine(docs: list[list[str]]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=lambda w: w, sublinear_tf=True, min_df=2, max_df=0.3)
    matrix = vectorizer.fit_transform(docs).toarray()
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = matrix / np.where(norms == 0, 1, norms)
    sim: np.ndarray = matrix @ matrix.T
    np.fill_diagonal(sim, 1.0)
    return sim


def text(need: Any) -> str:
    return f"{need.title} {need.title} {need.description} " + " ".join(need.keywords)


def main() -> None:
    needs = seed_needs(SEED_DIR)
    reference = read_reference(SEED_DIR)
    thresholds = [round(0.40 + 0.02 * i, 2) for i in range(10)] + list(SWEEP)
    with market() as parts:
        grouper = parts.common_needs.grouper
        terms = grouper.terms
        rows = {
            "analyzer words (the service, lexical)": [grouper.words(n) for n in needs],
            "technical terms only": [terms.terms(text(n)) for n in needs],
            "words not general language": [
                [w for w in parts.analyzer.words(text(n)) if terms.specific(w)] for n in needs
            ],
        }
        print("| words compared | cut (fitted on half) | F1 fitted half | F1 other half | F1 all |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, docs in rows.items():
            sim = cosine(docs)
            h = held_out(sim, needs, reference, thresholds)
            every = score_subset(sim, needs, reference, list(range(len(needs))), h.threshold)
            print(
                f"| {name} | {h.threshold:.2f} | {h.fitted.f1:.3f} | {h.held_out.f1:.3f} "
                f"| {every.f1:.3f} |"
            )


if __name__ == "__main__":
    main()
