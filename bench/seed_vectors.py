"""Precompute the seed catalogue's vectors for the default model, shipped in seed_data/vectors/.

A fresh install embeds the 762 seed listings twice: as passages (the index) and as queries
(the e5 query role, used when a listing's matches are asked for), and embeds each listing's
title and sentences one by one (the passage vectors of the embedded backend); the common-need
grouping embeds each need, whole and by sentence, without the words of its enterprise's name
(query role). On a small CPU that is minutes of work with the 4-bit e5 model. Shipping the
vectors, keyed by model, role and text hash exactly as the embedding cache keys them, lets the
first ``techmatch up`` build its index in seconds, answer matches without embedding on the
request path and group the seed needs at once. Anything edited is embedded anew (both roles,
when it is indexed).

    .venv/bin/python bench/seed_vectors.py            # writes seed_data/vectors/<model>.npz
    .venv/bin/python bench/seed_vectors.py --keep-shipped   # embed only what is not shipped
    .venv/bin/python bench/seed_vectors.py --keep-shipped --cache HOME/cache/embeddings.sqlite3
        # start from a market's vector cache (after `techmatch index` there): embeds nothing new

Run it again when the seed listings, the analysis or ``TECHMATCH_EMBEDDING_MAX_CHARS`` change.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np

from indexer.base import KINDS
from indexer.documents import full_text, passages
from indexer.embedding import model_slug, text_hash
from indexer.encoders import E5_MODEL
from seed_data import SEED_DIR
from service.composition import Components, open_components
from service.config import Settings
from service.listings.schemas import Kind


def grouping_texts(parts: Components) -> list[str]:
    """The texts the common-need grouping encodes for the published seed needs (query role),
    encoded now so that they are in the cache: ``techmatch common-needs --evaluate`` and the
    first grouping of a fresh install then embed nothing."""
    needs = list(parts.catalog.iter_published(Kind.need))
    texts = parts.common_needs.grouper.similarities.query_texts(needs)
    parts.encoder.encode(texts, query=True)
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=E5_MODEL)
    parser.add_argument("--out", type=Path, default=SEED_DIR / "vectors")
    parser.add_argument(
        "--keep-shipped",
        action="store_true",
        help="start from the vectors already shipped (embed only texts without one)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        help="an embeddings.sqlite3 to start from (a market's HOME/cache after `techmatch index`)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="techmatch-vectors-") as scratch:
        settings = Settings(home=Path(scratch), embedding_model=args.model, seed_dir=SEED_DIR)
        if args.cache is not None:
            settings.cache_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(args.cache, settings.cache_dir / "embeddings.sqlite3")
        with open_components(settings) as parts:
            if not args.keep_shipped:
                parts.encoder._precomputed = None  # compute everything afresh
            parts.listings.seed(SEED_DIR)
            parts.indexing.rebuild()  # passages, and queries (IndexSync embeds both roles)
            cache = settings.cache_dir / "embeddings.sqlite3"
            clip = parts.encoder.clip
            texts = [full_text(x) for k in KINDS for x in parts.catalog.iter_published(k)]
            sentences = [p for k in KINDS for x in parts.catalog.iter_published(k)
                         for p in passages(x)]  # fmt: skip
            grouping = grouping_texts(parts)  # common needs: the needs without their product
            wanted = {text_hash(clip(t)) for t in texts + sentences + grouping}
        rows = sqlite3.connect(cache).execute(
            "SELECT model, hash, vector FROM vectors WHERE model IN (?, ?) ORDER BY model, hash",
            (args.model, f"{args.model}|query"),
        )
        keys, hashes, vectors = [], [], []
        for model, digest, blob in rows:
            if digest not in wanted:
                continue  # shipped for an older text
            keys.append("query" if model.endswith("|query") else "passage")
            hashes.append(digest)
            vectors.append(np.frombuffer(blob, dtype=np.float32))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{model_slug(args.model)}.npz"
    np.savez_compressed(
        path, keys=np.array(keys), hashes=np.array(hashes), vectors=np.stack(vectors)
    )
    seconds = time.perf_counter() - started
    print(f"{len(hashes)} vectors ({keys.count('passage')} passages) -> {path} in {seconds:.0f} s")


if __name__ == "__main__":
    main()
