"""Shared fixtures: a scratch TECHMATCH_HOME, a seeded engine, and a tiny real model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from seed_data import SEED_DIR
from service import index_sync
from service.config import Settings
from service.engine import Engine
from service.loader import seed


def make_settings(home: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"home": home, "embedding_model": "", **overrides}
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture()
def engine(home: Path) -> Iterator[Engine]:
    """An engine on an empty catalog, lexical only (no model)."""
    eng = Engine(make_settings(home))
    eng.catalog.create_schema()
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def seeded_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the seed data loaded and indexed (lexical only); copy before writing."""
    path = tmp_path_factory.mktemp("seeded") / "home"
    eng = Engine(make_settings(path))
    seed(eng.catalog, SEED_DIR)
    index_sync.rebuild(eng)
    eng.close()
    return path


@pytest.fixture()
def seeded_engine(seeded_home: Path, tmp_path: Path) -> Iterator[Engine]:
    import shutil

    copy = tmp_path / "seeded"
    shutil.copytree(seeded_home, copy)
    eng = Engine(make_settings(copy))
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real sentence-transformers model built here: a 1-layer BERT over characters.

    Its weights are random (seeded), so its vectors mostly reflect shared characters; it is
    for exercising the real loading, encoding and dense-search code, not for quality.
    """
    import torch
    from sentence_transformers import SentenceTransformer

    try:
        from sentence_transformers.sentence_transformer import modules as models
    except ImportError:  # sentence-transformers < 5.7
        from sentence_transformers import models  # type: ignore[no-redef]
    from transformers import BertConfig, BertModel, BertTokenizerFast

    root = tmp_path_factory.mktemp("tiny-model")
    chars: set[str] = set()
    for path in sorted((SEED_DIR / "achievements").glob("*.jsonl"))[:2]:
        for line in path.read_text(encoding="utf-8").splitlines()[:60]:
            record = json.loads(line)
            chars.update(record["title"] + record["summary"])
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(c for c in chars if c.strip())]
    (root / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(root / "vocab.txt"), do_lower_case=True)
    torch.manual_seed(7)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=256,
    )
    transformer_dir = root / "bert"
    BertModel(config).save_pretrained(transformer_dir)
    tokenizer.save_pretrained(transformer_dir)
    word = models.Transformer(str(transformer_dir), max_seq_length=128)
    pooling = models.Pooling(32, "mean")
    model = SentenceTransformer(modules=[word, pooling, models.Normalize()], device="cpu")
    out = root / "st"
    model.save(str(out))
    return out
