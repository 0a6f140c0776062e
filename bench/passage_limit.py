"""Fewer passages per listing: what each limit costs in retrieval quality and saves in encoding.

Every listing's title and sentences of its body are embedded one by one
(``indexer.documents.indexed_passages``); the embedded backend scores a listing by the mean of
its whole cosine and its best passage's. Each row replaces ``indexed_passages`` with a variant,
rebuilds a scratch market's index on the seed and runs the development set twice: dense alone (whole
listing and its best passage, the part passages act on) and the shipped ranking (the weights
matching uses, ``seed_data/weights.json``, everything on; as ``techmatch eval --dev``). The
passage count is what a rebuild of the seed catalogue embeds beside the two whole-text vectors
of each listing.

    TECHMATCH_HOME=/tmp/passages-home .venv/bin/python bench/passage_limit.py

The seed's shipped vectors cover every sentence, so no row embeds anything new.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import indexer.documents as documents
from indexer.documents import IndexableListing, sentences
from seed_data import SEED_DIR
from service.composition import open_components, scratch_market
from service.config import Settings
from service.quality.dev_report import DENSE
from service.quality.devset import evaluate_devset, load_devset

Variant = Callable[[IndexableListing], list[str]]


def _first(n: int) -> Variant:
    return lambda x: [x.title, *sentences(x.body)[:n]]


def _longer(chars: int) -> Variant:
    return lambda x: [x.title, *(s for s in sentences(x.body) if len(s) >= chars)]


VARIANTS: dict[str, Variant] = {
    "title + every sentence (before #24)": lambda x: [x.title, *sentences(x.body)],
    "every sentence, no title passage": lambda x: sentences(x.body) or [x.title],
    "title + first 3 sentences (shipped)": _first(3),
    "title + first 5 sentences": _first(5),
    "title + sentences of ≥ 15 characters": _longer(15),
}


def cell(report: dict[str, dict[str, float]]) -> str:
    return " | ".join(f"{report[s]['ndcg@10']:.4f} / {report[s]['mrr@10']:.4f}" for s in SUBSETS)


SUBSETS = ("all", "problem", "technical")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="default TECHMATCH_HOME")
    parser.add_argument("--only", default="", help="variant names containing this")
    args = parser.parse_args()
    dev = load_devset(SEED_DIR)
    settings = Settings(seed_dir=SEED_DIR, **({"home": args.home} if args.home else {}))
    shipped = documents.indexed_passages
    print("| passages | per listing | dense alone: all / problem / technical (nDCG@10 / MRR@10) "
          "| shipped ranking: all / problem / technical | s |")  # fmt: skip
    print("| --- | ---: | --- | --- | ---: |")
    with open_components(settings) as parent:
        parent.encoder.status  # noqa: B018  loads the model once for every row
        for name, variant in VARIANTS.items():
            if args.only not in name:
                continue
            started = time.perf_counter()
            documents.indexed_passages = variant  # type: ignore[assignment]
            try:
                with scratch_market(parent) as market:
                    listings = [x for k in ("achievement", "need")
                                for x in market.catalog.iter_published(k)]  # fmt: skip
                    count = sum(len(variant(x)) for x in listings) / len(listings)
                    dense = evaluate_devset(market, dev, DENSE)
                    shipped_weights = market.matcher.weights if market.matcher.tuned else None
                    full = evaluate_devset(market, dev, weights=shipped_weights)
            finally:
                documents.indexed_passages = shipped
            seconds = time.perf_counter() - started
            print(f"| {name} | {count:.2f} | {cell(dense)} | {cell(full)} | {seconds:.0f} |",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
