"""How good are the suggestions? Field accuracy and keyword precision/recall/F1.

- Fields, on csl-dev papers (label: ``category``) and on the engine's published catalog (label:
  the listing's field; scored at sub-field and top-field level), by stratified k-fold
  cross-validation with the product's :class:`FieldClassifier`. Training texts carry their
  keywords, test texts do not (at posting time the keywords are not written yet).
  Baseline: the training folds' most frequent class.
- Keywords, on csl-dev papers against the authors' keywords, with the product's
  :class:`KeywordExtractor` (idf from the papers' titles and abstracts). ``exact``: equal after
  NFKC, lower case and removing spaces; ``lenient``: a suggestion counts when it contains or
  is contained in an author keyword (and an author keyword is found when some suggestion
  does). Precision, recall and F1 are computed per paper, then averaged over papers.
"""

from __future__ import annotations

import functools
import json
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel
from sklearn.model_selection import StratifiedKFold

from indexer.analysis import Analyzer
from indexer.base import Progress
from service.catalog import Catalog
from service.listings.schemas import Kind
from service.listings.taxonomy import Taxonomy
from service.suggest.keywords import DocumentFrequencies, KeywordExtractor
from service.suggest.suggester import (
    FieldClassifier,
    field_suggestions,
    kind_token,
    listing_text,
    top_code,
)

FOLDS = 5
KEYWORDS_AT = 5


class FieldScore(BaseModel):
    dataset: str
    level: str
    documents: int
    classes: int
    folds: int
    accuracy: float
    top3: float
    majority: float


class KeywordScore(BaseModel):
    dataset: str
    at: str
    matching: str
    precision: float
    recall: float
    f1: float


class SuggestionReport(BaseModel):
    papers: str
    fields: list[FieldScore]
    keywords: list[KeywordScore]
    seconds: float

    def rows(self) -> list[tuple[str, str]]:
        """(metric, value) pairs, one per figure."""
        out = []
        for f in self.fields:
            name = f"field {f.level} ({f.dataset}, {f.classes} classes, {f.folds}-fold)"
            out.append((f"{name} accuracy", f"{f.accuracy:.3f}"))
            out.append((f"{name} top-3 accuracy", f"{f.top3:.3f}"))
            out.append((f"{name} majority baseline", f"{f.majority:.3f}"))
        for k in self.keywords:
            for metric in ("precision", "recall", "f1"):
                out.append(
                    (f"keywords {metric}@{k.at} ({k.matching})", f"{getattr(k, metric):.3f}")
                )
        return out

    def markdown(self) -> str:
        lines = ["| metric | value |", "| --- | --- |"]
        lines += [f"| {name} | {value} |" for name, value in self.rows()]
        return "\n".join(lines)


def normalise_keyword(keyword: str) -> str:
    return "".join(unicodedata.normalize("NFKC", keyword).lower().split())


def _lenient(a: str, b: str) -> bool:
    return a in b or b in a


def keyword_prf(
    suggested: Sequence[str], gold: Sequence[str], lenient: bool = False
) -> tuple[float, float, float]:
    """Precision, recall and F1 of one paper's suggestions (already cut to @k)."""
    s = list(dict.fromkeys(normalise_keyword(k) for k in suggested))
    g = list(dict.fromkeys(normalise_keyword(k) for k in gold))
    if not s or not g:
        return 0.0, 0.0, 0.0
    same = _lenient if lenient else str.__eq__
    precision = sum(any(same(x, y) for y in g) for x in s) / len(s)
    recall = sum(any(same(x, y) for x in s) for y in g) / len(g)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def read_papers(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such papers file")
    lines = path.read_text(encoding="utf-8").splitlines()
    papers = [json.loads(line) for line in lines if line.strip()]
    for number, paper in enumerate(papers, start=1):
        missing = {"title", "abstract", "keywords", "category"} - set(paper)
        if missing:
            raise ValueError(f"{path}: paper {number} lacks {', '.join(sorted(missing))}")
    return papers


def cross_validate(
    train: list[list[str]],
    test: list[list[str]],
    labels: list[str],
    scorers: dict[str, Callable[[list[tuple[str, float]], str], tuple[bool, bool]]],
    folds: int = FOLDS,
) -> tuple[int, dict[str, tuple[float, float, float]]]:
    """Stratified k-fold; each scorer says (top-1 right, top-3 right) for a ranking and label.

    Returns the folds used and, per scorer, (accuracy, top-3 accuracy, majority baseline).
    """
    counts = Counter(labels)
    splits = max(2, min(folds, max(counts.values())))
    tally = {name: np.zeros(3) for name in scorers}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # classes smaller than the fold count
        folding = StratifiedKFold(n_splits=splits, shuffle=True, random_state=0)
        for train_idx, test_idx in folding.split(np.zeros(len(labels)), labels):
            model = FieldClassifier().fit(
                [train[i] for i in train_idx], [labels[i] for i in train_idx]
            )
            majority = Counter(labels[i] for i in train_idx).most_common(1)[0][0]
            probabilities = model.probabilities([test[i] for i in test_idx])
            for row, i in zip(probabilities, test_idx, strict=True):
                ranked = sorted(
                    zip(model.classes, row.tolist(), strict=True), key=lambda c: (-c[1], c[0])
                )
                for name, scorer in scorers.items():
                    top1, top3 = scorer(ranked, labels[i])
                    base, _ = scorer([(majority, 1.0)], labels[i])
                    tally[name] += (top1, top3, base)
    n = len(labels)
    return splits, {name: (t[0] / n, t[1] / n, t[2] / n) for name, t in tally.items()}


def _flat(ranked: list[tuple[str, float]], label: str) -> tuple[bool, bool]:
    codes = [c for c, _ in ranked]
    return codes[:1] == [label], label in codes[:3]


def _top_field(
    ranked: list[tuple[str, float]], label: str, taxonomy: Taxonomy
) -> tuple[bool, bool]:
    tops = [top_code(f.code, taxonomy) for f in field_suggestions(ranked, taxonomy)]
    want = top_code(label, taxonomy)
    return tops[:1] == [want], want in tops[:3]


def evaluate_fields_on_papers(papers: list[dict[str, Any]], analyzer: Analyzer) -> FieldScore:
    train, test, labels = [], [], []
    for p in papers:
        title, abstract = str(p["title"]), str(p["abstract"])
        keywords = [str(k) for k in p["keywords"]]
        train.append(analyzer.tokens(listing_text(title, abstract, keywords)))
        test.append(analyzer.tokens(listing_text(title, abstract)))
        labels.append(str(p["category"]))
    folds, scores = cross_validate(train, test, labels, {"category": _flat})
    acc, top3, base = scores["category"]
    return FieldScore(
        dataset="csl-dev category",
        level="class",
        documents=len(labels),
        classes=len(set(labels)),
        folds=folds,
        accuracy=acc,
        top3=top3,
        majority=base,
    )


def evaluate_fields_on_catalog(
    catalog: Catalog, analyzer: Analyzer, taxonomy: Taxonomy
) -> list[FieldScore]:
    train, test, labels = [], [], []
    for kind in Kind:
        for listing in catalog.iter_all(kind, published_only=True):
            body = listing.body
            full = listing_text(listing.title, body, listing.keywords)
            train.append([kind_token(kind), *analyzer.tokens(full)])
            test.append([kind_token(kind), *analyzer.tokens(listing_text(listing.title, body))])
            labels.append(listing.field)
    if len(set(labels)) < 2:
        return []
    top = functools.partial(_top_field, taxonomy=taxonomy)
    folds, scores = cross_validate(train, test, labels, {"sub-field": _flat, "top field": top})
    classes = {
        "sub-field": len(set(labels)),
        "top field": len({top_code(c, taxonomy) for c in labels}),
    }
    return [
        FieldScore(
            dataset="catalog",
            level=level,
            documents=len(labels),
            classes=classes[level],
            folds=folds,
            accuracy=s[0],
            top3=s[1],
            majority=s[2],
        )
        for level, s in scores.items()
    ]


def catalog_keyword_items(catalog: Catalog) -> list[tuple[str, str, list[str]]]:
    """(title, body, keywords) of the published listings that have keywords."""
    return [
        (listing.title, listing.body, list(listing.keywords))
        for kind in Kind
        for listing in catalog.iter_all(kind, published_only=True)
        if listing.keywords
    ]


def evaluate_keywords(
    dataset: str,
    items: list[tuple[str, str, list[str]]],
    analyzer: Analyzer,
    progress: Progress | None = None,
) -> list[KeywordScore]:
    """Keyword P/R/F1 over (title, body, gold keywords); idf from the items' own texts."""
    frequencies = DocumentFrequencies()
    extractor = KeywordExtractor(analyzer, frequencies)
    for title, body, _ in items:
        frequencies.add(extractor.words(listing_text(title, body)))
    sums: dict[tuple[str, str], np.ndarray] = {}
    for n, (title, body, gold) in enumerate(items, start=1):
        ranked = extractor.extract(title, body, max(KEYWORDS_AT, len(gold)))
        for at, k in ((str(KEYWORDS_AT), KEYWORDS_AT), ("n_author", len(gold))):
            for matching in ("exact", "lenient"):
                scores = keyword_prf(ranked[:k], gold, lenient=matching == "lenient")
                sums.setdefault((at, matching), np.zeros(3))
                sums[(at, matching)] += scores
        if progress and n % 100 == 0:
            progress(f"keywords ({dataset})", 100)
    count = max(len(items), 1)
    return [
        KeywordScore(
            dataset=dataset,
            at=at,
            matching=matching,
            precision=float(s[0] / count),
            recall=float(s[1] / count),
            f1=float(s[2] / count),
        )
        for (at, matching), s in sums.items()
    ]


def evaluate_suggestions(
    papers_path: Path,
    catalog: Catalog,
    analyzer: Analyzer,
    taxonomy: Taxonomy,
    progress: Progress | None = None,
) -> SuggestionReport:
    """Field and keyword suggestion quality on a papers file and on a catalog."""
    started = time.perf_counter()
    papers = read_papers(papers_path)
    fields = [evaluate_fields_on_papers(papers, analyzer)]
    if progress:
        progress("fields on papers", 0)
    fields += evaluate_fields_on_catalog(catalog, analyzer, taxonomy)
    if progress:
        progress("fields on catalog", 0)
    items = [(str(p["title"]), str(p["abstract"]), [str(k) for k in p["keywords"]]) for p in papers]
    keywords = evaluate_keywords("csl-dev", items, analyzer, progress)
    keywords += evaluate_keywords("catalog", catalog_keyword_items(catalog), analyzer)
    return SuggestionReport(
        papers=str(papers_path),
        fields=fields,
        keywords=keywords,
        seconds=round(time.perf_counter() - started, 2),
    )
