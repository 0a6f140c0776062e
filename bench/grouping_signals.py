"""Common-need grouping: which signals, blends, clusterings and models generalise to reference
groups they were not fitted on.

Every row is cross-validated the way ``techmatch common-needs --evaluate`` is
(``grouping_folds``: 3 folds of the reference groups × 10 shuffles, the cut — and for the pair
classifier the model — fitted on the other folds, the clustering run on all 225 needs, the
pairs touching the held-out fold scored). ``AP`` is the average precision of the reference
pairs among all 25,200 pairs ranked by the similarity (no clustering, nothing fitted).

    .venv/bin/python bench/grouping_signals.py              # the default model (e5), 3 folds
    .venv/bin/python bench/grouping_signals.py --folds 5    # the same with 5 folds
    .venv/bin/python bench/grouping_signals.py --shuffles 20  # 10 more splits of the groups
    .venv/bin/python bench/grouping_signals.py --matched    # + the matcher's profiles (needs a
                                                            #   seeded, indexed TECHMATCH_HOME)

The query-role vectors of the needs' sentences are not shipped precomputed: the first run
encodes them (about a minute on two cores), later runs read the cache of ``TECHMATCH_HOME``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from grouping_models import cv_pair_classifier, matched_profile, mutual_knn_labels, nested_choice

from indexer.documents import full_text, passages
from seed_data import SEED_DIR
from service.cli.common import market
from service.composition import Components
from service.listings.schemas import IN_MODELS, Kind
from service.matching.lexicon import ProblemLexicon
from service.programmes.common_needs.grouping import cluster
from service.programmes.common_needs.grouping_eval import SWEEP, read_reference, seed_needs
from service.programmes.common_needs.grouping_folds import (
    FOLDS,
    SHUFFLES,
    HeldOut,
    cross_validate,
)
from service.programmes.common_needs.grouping_similarity import (
    aligned,
    cosine,
    on_scale,
)
from service.publishing.loader import read_rows, seed_files

RANK_CUTS = [round(float(c), 5) for c in np.geomspace(0.0005, 0.2, 40)]  # rank-scaled signals
MATCHED = "achievements matched to both (match probability, top 10)"
BEFORE = "words + e5 whole, query + sentences aligned, passage (before)"
SHIPPED = "words + e5 whole, query + without the product: whole, sentences aligned (shipped)"
WITHOUT_WHOLE = "e5 whole need without the product, query"
WITHOUT_ALIGNED = "e5 sentences without the product aligned, query"
DEALINGS = re.compile(
    "预算|万元|元以内|经费|付款|支付|分期|经营权|独家|联系|验收|交付|合同|转让|许可"
)


def tfidf(docs: Sequence[Sequence[str]], min_df: int = 2) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=lambda w: w, sublinear_tf=True, min_df=min_df, max_df=0.3)
    matrix = vectorizer.fit_transform(docs).toarray()
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return cosine(matrix / np.where(norms == 0, 1, norms))


def rank_scaled(sim: np.ndarray) -> np.ndarray:
    """Similarities replaced by their rank among all pairs, in 0..1 (1: the most alike)."""
    upper = np.triu_indices(len(sim), 1)
    out = np.zeros_like(sim)
    out[upper] = np.argsort(np.argsort(sim[upper])) / (len(upper[0]) - 1)
    out = out + out.T
    np.fill_diagonal(out, 1.0)
    return out


def lexical_signals(parts: Components, needs: Sequence[Any]) -> dict[str, np.ndarray]:
    grouper = parts.common_needs.grouper
    words, terms = parts.analyzer.words, grouper.terms

    def text(n: Any) -> str:
        return f"{n.title} {n.title} {n.description} " + " ".join(n.keywords)

    lexicon = ProblemLexicon.load(SEED_DIR, words)
    hints = [lexicon.hints(f"{n.title}。{n.description}", limit=20) for n in needs]
    return {
        "words (analyzer, tf-idf)": grouper.similarities.lexical(needs)[0],
        "words without the product (enterprise's name words)": tfidf(
            [[w for w in words(text(n)) if w not in set(words(n.organisation))] for n in needs]
        ),
        "technical terms only": tfidf([terms.terms(text(n)) for n in needs]),
        "words not general language": tfidf(
            [[w for w in words(text(n)) if terms.specific(w)] for n in needs]
        ),
        "character bigrams": tfidf(
            [[t[i : i + 2] for i in range(len(t) - 1)] for t in map(text, needs)]
        ),
        "keywords' words": tfidf([words(" ".join(n.keywords)) for n in needs], min_df=1),
        "lexicon problems' concepts": tfidf(
            [[c for h in found for c in h.concepts] for found in hints], min_df=1
        ),
    }


def semantic_signals(parts: Components, needs: Sequence[Any]) -> dict[str, np.ndarray]:
    def encode(texts: Sequence[str], query: bool = False) -> np.ndarray:
        vectors = parts.encoder.encode(texts, query=query)
        assert vectors is not None  # the caller checked that a model is loaded
        return vectors

    pieces = [passages(n) for n in needs]
    problem = [[p for p in ps if not DEALINGS.search(p)] or ps[:1] for ps in pieces]
    out = {}
    for role, query in (("passage", False), ("query", True)):
        out[f"e5 whole need, {role}"] = cosine(encode([full_text(n) for n in needs], query=query))
        out[f"e5 title, {role}"] = cosine(encode([n.title for n in needs], query=query))
        for name, chosen in (("sentences", pieces), ("problem sentences", problem)):
            flat = encode([p for ps in chosen for p in ps], query=query)
            out[f"e5 {name} aligned, {role}"] = aligned(flat, [len(ps) for ps in chosen])
    masked = [parts.common_needs.grouper.similarities.without_product(n) for n in needs]
    out[WITHOUT_WHOLE] = cosine(encode([whole for whole, _ in masked], query=True))
    flat = encode([p for _, ps in masked for p in ps], query=True)
    out[WITHOUT_ALIGNED] = aligned(flat, [len(ps) for _, ps in masked])
    out["achievements in common (e5, top 30)"] = profile(parts, needs)
    return out


def profile(parts: Components, needs: Sequence[Any], top: int = 30) -> np.ndarray:
    """Needs alike when the same achievements are near both (e5, query role against passage)."""
    model = IN_MODELS[Kind.achievement]
    achievements: list[Any] = [
        model.model_validate(r)
        for path in seed_files(SEED_DIR, Kind.achievement)
        for _, r in read_rows(path)
        if isinstance(r, dict)
    ]
    near = cosine_between(
        parts.encoder.encode([full_text(n) for n in needs], query=True),
        parts.encoder.encode([full_text(a) for a in achievements]),
    )
    kept = np.zeros_like(near)
    best = np.argsort(-near, axis=1)[:, :top]
    rows = np.arange(len(near))[:, None]
    kept[rows, best] = near[rows, best] - near.mean(axis=1, keepdims=True)
    return cosine(kept)


def cosine_between(a: Any, b: Any) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    out: np.ndarray = a @ b.T
    return out


def blend(base: np.ndarray, *others: np.ndarray) -> np.ndarray:
    """The service's blend: each signal on the word cosine's scale, the mean, back on it."""
    mixed = (base + sum(on_scale(o, base) for o in others)) / (1 + len(others))
    out = on_scale(mixed, base)
    np.fill_diagonal(out, 1.0)
    return out


def average_precision(sim: np.ndarray, truth: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    upper = np.triu_indices(len(sim), 1)
    return float(average_precision_score(truth[upper], sim[upper]))


def row(name: str, held: HeldOut, ap: float | None = None) -> str:
    shown = f"{ap:.3f}" if ap is not None else "—"
    return (
        f"| {name} | {shown} | {held.precision:.3f} | {held.recall:.3f} | **{held.f1:.3f}** "
        f"± {held.f1_spread:.3f} | {'—' if np.isnan(held.threshold) else f'{held.threshold:g}'} |"
    )


class Tables:
    """The bench's four tables over one set of signals, every row cross-validated alike."""

    def __init__(
        self, needs: Sequence[Any], reference: dict[str, str], signals: dict[str, np.ndarray]
    ) -> None:
        self.needs, self.reference, self.signals = needs, reference, signals
        group = np.array([reference.get(n.id, "") for n in needs])
        self.truth = (group[:, None] == group[None, :]) & (group[:, None] != "")
        self.folds, self.shuffles = FOLDS, SHUFFLES

    def held(
        self, sim: np.ndarray, cuts: Sequence[float], labels: Callable[..., Any] = cluster
    ) -> HeldOut:
        return cross_validate(
            self.needs, self.reference, cuts, lambda t: labels(sim, t), self.folds, self.shuffles
        )

    def signals_alone(self) -> None:
        print("| signal alone (average linkage, rank-scaled) | AP | P | R | F1 held out | cut |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, sim in self.signals.items():
            ap = average_precision(sim, self.truth)
            print(row(name, self.held(rank_scaled(sim), RANK_CUTS), ap))

    def blends(self) -> dict[str, np.ndarray]:
        s = self.signals
        words, whole = s["words (analyzer, tf-idf)"], s["e5 whole need, query"]
        blends = {
            "words alone (the service without a model)": words,
            "words + e5 whole need, passage": blend(words, s["e5 whole need, passage"]),
            "words + e5 whole need, query": blend(words, whole),
            BEFORE: blend(words, whole, s["e5 sentences aligned, passage"]),
            "words + e5 whole, query + sentences aligned, query": blend(
                words, whole, s["e5 sentences aligned, query"]
            ),
            "words + e5 whole, query + without the product: whole": blend(
                words, whole, s[WITHOUT_WHOLE]
            ),
            SHIPPED: blend(words, whole, s[WITHOUT_WHOLE], s[WITHOUT_ALIGNED]),
            "before + without the product: whole, sentences aligned": blend(
                words,
                whole,
                s["e5 sentences aligned, passage"],
                s[WITHOUT_WHOLE],
                s[WITHOUT_ALIGNED],
            ),
            "every signal without the product (words, whole, sentences aligned)": blend(
                s["words without the product (enterprise's name words)"],
                s[WITHOUT_WHOLE],
                s[WITHOUT_ALIGNED],
            ),
        }
        if MATCHED in s:  # --matched
            blends["shipped + achievements matched to both"] = blend(
                words, whole, s[WITHOUT_WHOLE], s[WITHOUT_ALIGNED], s[MATCHED]
            )
        print(
            "\n| blend (average linkage) | AP | P | R | F1 held out | cut | shuffles above before |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        results = {name: self.held(sim, SWEEP) for name, sim in blends.items()}
        before = results[BEFORE]
        results["choosing the blend too on the training folds"] = nested_choice(
            self.needs, self.reference, blends, self.folds, self.shuffles
        )
        for name, result in results.items():
            ap = average_precision(blends[name], self.truth) if name in blends else None
            print(row(name, result, ap) + f" {result.wins_over(before)}/{before.shuffles} |")
        return blends

    def clusterings(self, shipped: np.ndarray) -> None:
        print("\n| clustering of the shipped blend | AP | P | R | F1 held out | cut |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for linkage in ("average", "complete", "single"):
            labels = lambda s, t, how=linkage: cluster(s, t, how)  # noqa: E731
            print(row(f"{linkage} linkage", self.held(shipped, SWEEP, labels)))
        for k in (1, 2, 3):
            labels = lambda s, t, k=k: mutual_knn_labels(s, t, k)  # noqa: E731
            name = f"mutual {k}-nearest neighbours, connected"
            print(row(name, self.held(shipped, SWEEP, labels)))

    def classifiers(self) -> None:
        print("\n| pair classifier (logistic regression, fitted on the training folds) ", end="")
        print("| AP | P | R | F1 held out | cut |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        base = ["words (analyzer, tf-idf)", "e5 whole need, query", "e5 sentences aligned, passage"]
        more = [*base, "e5 sentences aligned, query", "character bigrams"]
        without = [*base, WITHOUT_WHOLE, WITHOUT_ALIGNED]
        for name, chosen in (
            ("words, e5 whole (query), sentences aligned (passage)", base),
            ("… + sentences aligned (query), character bigrams", more),
            ("… + each pair's nearest-neighbour ranks", base + ["rank:" + b for b in base]),
            ("words, e5 whole (query), sentences aligned (passage), without the product", without),
        ):
            held = cv_pair_classifier(
                self.needs, self.reference, self.signals, chosen, self.folds, shuffles=self.shuffles
            )
            print(row(name, held))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=FOLDS, help="folds of the reference groups")
    parser.add_argument("--shuffles", type=int, default=SHUFFLES, help="seeded shuffles (splits)")
    parser.add_argument(
        "--matched", action="store_true", help="the matcher's profiles too (a seeded, indexed home)"
    )
    options = parser.parse_args()
    needs = seed_needs(SEED_DIR)
    reference = read_reference(SEED_DIR)
    with market() as parts:
        if not parts.encoder.available:
            reason = parts.encoder.status.reason or "not loaded"
            print(f"no embedding model ({reason}): the tables need one", file=sys.stderr)
            return
        signals = lexical_signals(parts, needs)
        signals.update(semantic_signals(parts, needs))
        if options.matched:
            signals[MATCHED] = matched_profile(parts, needs)
    tables = Tables(needs, reference, signals)
    tables.folds, tables.shuffles = options.folds, options.shuffles
    tables.signals_alone()
    tables.clusterings(tables.blends()[SHIPPED])
    tables.classifiers()


if __name__ == "__main__":
    main()
