import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from indexer.embedding import SemanticEncoder
from service.composition import Components
from service.quality.evaluation import evaluate_beir, mrr_at, ndcg_at, recall_at, score_run


def test_metric_values() -> None:
    judged = {"a": 2, "b": 1, "c": 0}
    assert ndcg_at(["a", "b"], judged) == pytest.approx(1.0)
    assert ndcg_at(["b", "a"], judged) < 1.0
    assert mrr_at(["c", "x", "b"], judged) == pytest.approx(1 / 3)
    assert mrr_at(["c"], judged) == 0.0
    assert recall_at(["a", "x"], judged, 10) == 0.5
    report = score_run({"q1": ["a"], "q2": []}, {"q1": {"a": 1}, "q2": {"z": 1}, "q3": {"y": 0}})
    assert report["queries"] == 2 and report["mrr@10"] == 0.5


def _write_beir(tmp_path: Path) -> None:
    (tmp_path / "qrels").mkdir()
    corpus = [
        {"_id": "d1", "title": "玄武岩纤维复合筋", "text": "拉挤成型的筋材"},
        {"_id": "d2", "title": "富硒茶加工", "text": "绿茶杀青工艺"},
        {"_id": "d3", "title": "卤水提锂", "text": "铝系吸附剂提锂"},
    ]
    queries = [{"_id": "q1", "text": "茶叶杀青"}, {"_id": "q2", "text": "提锂吸附剂"}]
    (tmp_path / "corpus.jsonl").write_text("\n".join(json.dumps(c) for c in corpus))
    (tmp_path / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries))
    (tmp_path / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td2\t1\nq2\td3\t1\n"
    )


def test_beir_directory(tmp_path: Path, market: Components) -> None:
    _write_beir(tmp_path)
    report = evaluate_beir(market.analyzer, market.encoder, 10, tmp_path)
    assert report == {
        "ndcg@10": 1.0,
        "mrr@10": 1.0,
        "recall@10": 1.0,
        "recall@100": 1.0,
        "queries": 2,
    }


class Counting:
    """A symmetric model with one axis per word it has seen, recording each batch it gets."""

    name = "counting"
    dimension = 8
    asymmetric = False

    def __init__(self) -> None:
        self.batches: list[int] = []

    def encode(self, texts: Sequence[str], query: bool = False) -> np.ndarray:
        self.batches.append(len(texts))
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in zip(rows, texts, strict=True):
            row[0] = 1.0
            row[1 + sum(map(ord, text)) % (self.dimension - 1)] = 1.0
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_beir_texts_are_embedded_in_batches(tmp_path: Path, market: Components) -> None:
    _write_beir(tmp_path)
    model = Counting()
    encoder = SemanticEncoder("counting", tmp_path / "cache.sqlite3", batch_size=2, loaded=model)
    report = evaluate_beir(market.analyzer, encoder, 10, tmp_path)
    assert report["queries"] == 2
    # three documents in batches of two, then both queries in one batch (not one call each)
    assert model.batches == [2, 1, 2]
    evaluate_beir(market.analyzer, encoder, 10, tmp_path)
    assert model.batches == [2, 1, 2]  # a second run: every vector from the cache


def test_not_a_beir_directory(tmp_path: Path, market: Components) -> None:
    with pytest.raises(FileNotFoundError, match=r"corpus\.jsonl"):
        evaluate_beir(market.analyzer, market.encoder, 10, tmp_path)
