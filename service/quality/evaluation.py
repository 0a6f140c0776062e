"""Retrieval evaluation: nDCG@10, MRR@10, Recall@10/@100 on BEIR sets and on the seed gold.

A BEIR directory holds ``corpus.jsonl`` (``_id``, ``title``, ``text``), ``queries.jsonl``
(``_id``, ``text``) and ``qrels/test.tsv`` (``query-id``, ``corpus-id``, ``score``).
"""

from __future__ import annotations

import csv
import json
import math
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from indexer.analysis import Analyzer
from indexer.backends.embedded import EmbeddedIndex
from indexer.base import Filters, IndexedDoc, Manifest, Progress
from indexer.embedding import SemanticEncoder
from service.matching.fusion import reciprocal_rank_fusion

Qrels = dict[str, dict[str, int]]
METRICS = ("ndcg@10", "mrr@10", "recall@10", "recall@100")


def ndcg_at(ranking: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    gains = [judged.get(doc, 0) for doc in ranking[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains) if g > 0)
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def mrr_at(ranking: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    for i, doc in enumerate(ranking[:k]):
        if judged.get(doc, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def recall_at(ranking: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    relevant = {d for d, g in judged.items() if g > 0}
    return len(relevant & set(ranking[:k])) / len(relevant) if relevant else 0.0


def score_run(run: Mapping[str, Sequence[str]], qrels: Qrels) -> dict[str, float]:
    """Mean metrics over the queries that have at least one relevant document."""
    queries = [q for q, judged in qrels.items() if any(g > 0 for g in judged.values())]
    if not queries:
        raise ValueError("no query has a relevant document in the judgments")
    totals = dict.fromkeys(METRICS, 0.0)
    for q in queries:
        ranking, judged = run.get(q, []), qrels[q]
        totals["ndcg@10"] += ndcg_at(ranking, judged)
        totals["mrr@10"] += mrr_at(ranking, judged)
        totals["recall@10"] += recall_at(ranking, judged, 10)
        totals["recall@100"] += recall_at(ranking, judged, 100)
    result = {m: round(v / len(queries), 4) for m, v in totals.items()}
    result["queries"] = len(queries)
    return result


def read_qrels(path: Path) -> Qrels:
    qrels: Qrels = defaultdict(dict)
    with path.open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if not row or row[0] in ("query-id", "need_id"):
                continue
            qrels[row[0]][row[1]] = int(float(row[2]))
    return dict(qrels)


def _jsonl(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def evaluate_beir(
    analyzer: Analyzer,
    encoder: SemanticEncoder,
    rrf_k: int,
    directory: Path,
    progress: Progress | None = None,
) -> dict[str, float]:
    """Index the corpus in a scratch index with the service's analysis and model, run queries.

    The run is what the service does: lexical and, when a model is loaded, dense, fused.
    """
    variants = evaluate_beir_variants(analyzer, encoder, rrf_k, directory, progress)
    return variants.get("fused", variants["lexical"])


def evaluate_beir_variants(
    analyzer: Analyzer,
    encoder: SemanticEncoder,
    rrf_k: int,
    directory: Path,
    progress: Progress | None = None,
) -> dict[str, dict[str, float]]:
    """Metrics of ``lexical`` alone and, with a model, ``dense`` alone and ``fused``."""
    for name in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv"):
        if not (directory / name).exists():
            raise FileNotFoundError(f"{directory}: missing {name} (not a BEIR directory)")
    qrels = read_qrels(directory / "qrels" / "test.tsv")
    corpus = list(_jsonl(directory / "corpus.jsonl"))
    queries = {
        q["_id"]: q["text"] for q in _jsonl(directory / "queries.jsonl") if q["_id"] in qrels
    }
    texts = [f"{d.get('title', '')}。{d.get('text', '')}" for d in corpus]
    vectors = _embed(encoder, texts, False, "embedding corpus", progress)
    query_vectors = _embed(encoder, list(queries.values()), True, "embedding queries", progress)
    with tempfile.TemporaryDirectory(prefix="techmatch-eval-") as scratch:
        index = EmbeddedIndex(Path(scratch))

        def batches() -> Iterator[list[IndexedDoc]]:
            for start in range(0, len(corpus), 256):
                chunk = corpus[start : start + 256]
                docs = [
                    IndexedDoc(
                        kind="achievement",
                        id=str(d["_id"]),
                        title_tokens=analyzer.tokens(d.get("title", "")),
                        body_tokens=analyzer.tokens(d.get("text", "")),
                        field="",
                        field_top="",
                        vector=None if vectors is None else vectors[start + i],
                    )
                    for i, d in enumerate(chunk)
                ]
                if progress:
                    progress("indexing corpus", len(docs))
                yield docs

        manifest = Manifest("embedded", "", encoder.model_name, None, analyzer.version)
        index.rebuild(batches(), manifest)
        runs: dict[str, dict[str, list[str]]] = defaultdict(dict)
        for number, (qid, text) in enumerate(queries.items()):
            lists = {"lexical": index.lexical("achievement", analyzer.tokens(text), Filters(), 100)}
            vector = None if query_vectors is None else query_vectors[number]
            if vector is not None:
                lists["dense"] = index.vector("achievement", vector, Filters(), 100)
                fused = reciprocal_rank_fusion(lists, {}, rrf_k)
                runs["fused"][qid] = [f.id for f in fused[:100]]
            for name, hits in lists.items():
                runs[name][qid] = [h.id for h in hits]
            if progress:
                progress("running queries", 1)
        index.close()
    return {name: score_run(run, qrels) for name, run in runs.items()}


def _embed(
    encoder: SemanticEncoder,
    texts: list[str],
    query: bool,
    what: str,
    progress: Progress | None,
) -> np.ndarray | None:
    """Every text's vector in one call (the encoder batches them by length and keeps them in
    its cache), with progress as the batches finish; None without a model."""
    if not encoder.available:
        return None

    def advance(done: int) -> None:
        if progress:
            progress(what, done)

    return encoder.encode(texts, advance, query=query)
