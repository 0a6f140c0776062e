"""Build a tiny, real sentence-transformers model offline, for tests and timing benchmarks.

A one-layer BERT over a character vocabulary with seeded random weights: its vectors mostly
reflect shared characters. It exercises the real loading, encoding and dense-search code without
any download; it is not a model of meaning.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_tiny_model(texts: Iterable[str], out: Path, hidden: int = 32, seed: int = 7) -> Path:
    """Write the model to ``out`` (a directory) and return it; ``texts`` give the vocabulary."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertModel, BertTokenizerFast  # type: ignore[attr-defined]

    try:
        from sentence_transformers.sentence_transformer import modules
    except ImportError:  # sentence-transformers < 5.7
        from sentence_transformers import models as modules  # type: ignore[no-redef,attr-defined]

    chars = sorted({c for text in texts for c in text.lower() if c.strip()})
    vocab = [*SPECIAL, *chars]
    work = out / "bert"
    work.mkdir(parents=True, exist_ok=True)
    (work / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(work / "vocab.txt"), do_lower_case=True)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=hidden,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=2 * hidden,
        max_position_embeddings=512,
    )
    BertModel(config).save_pretrained(work)
    tokenizer.save_pretrained(work)
    word = modules.Transformer(str(work), max_seq_length=256)
    pooling = modules.Pooling(hidden, "mean")
    model = SentenceTransformer(modules=[word, pooling, modules.Normalize()], device="cpu")
    model.save(str(out / "st"))
    return out / "st"
