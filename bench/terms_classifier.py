"""A next step for the shown terms, measured and not shipped: a logistic regression over the e5
vectors of the labelled words (``seed_data/terms/``, both samples), cross-validated (5 folds),
as a second gate after the rules of ``indexer/terms.py``.

Prints, per probability cut, the words both gates show, their precision, and the share of the
rules' correct terms kept.

    TECHMATCH_HOME=/tmp/terms-home .venv/bin/python bench/terms_classifier.py
"""

from __future__ import annotations

import numpy as np

from seed_data import SEED_DIR
from service.cli.common import market
from service.quality.terms import read_labels

CUTS = (0.3, 0.4, 0.5, 0.6, 0.7)


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    directory = SEED_DIR / "terms"
    rows = read_labels(directory / "labels.tsv") + read_labels(directory / "labels-heldout.tsv")
    with market() as parts:
        extractor = parts.matcher.terms
        vectors = [parts.encoder.encode_query(r.term) for r in rows]
        if any(v is None for v in vectors):
            raise SystemExit("no embedding model")
        shown = np.array([r.term in set(extractor.terms(r.sentence)) for r in rows])
    x = np.array(vectors)
    y = np.array([r.label for r in rows])
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    model = LogisticRegression(C=1.0, max_iter=2000)
    probability = cross_val_predict(model, x, y, cv=folds, method="predict_proba")[:, 1]
    kept = (y.astype(bool) & shown).sum()
    print(f"rules alone: {shown.sum()} shown, precision {y[shown].mean():.3f}")
    print("| cut | shown | precision | rules' correct terms kept |")
    print("| ---: | ---: | ---: | ---: |")
    for cut in CUTS:
        both = shown & (probability >= cut)
        precision = y[both].mean() if both.any() else 0.0
        share = (y.astype(bool) & both).sum() / kept
        print(f"| {cut:.1f} | {both.sum()} | {precision:.3f} | {share:.3f} |")


if __name__ == "__main__":
    main()
