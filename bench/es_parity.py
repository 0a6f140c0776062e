"""Does the Elasticsearch lexical query rank like the embedded FTS5 BM25?  Measured offline.

    .venv/bin/python bench/es_parity.py [--limit 10] [--json]

No Elasticsearch server runs here, so the Elasticsearch side is an in-process model of what
Lucene computes for the query ``es_filters.lexical_query`` builds, over the analysis
``es_filters.index_settings`` defines (nothing here talks to a server):

- the analyzer: the indexer's jieba tokens, split on every character that is not a Unicode
  letter, number, private-use character or one of SQLite's word diacritics, as the
  ``pattern`` tokenizer of the ``techmatch`` analyzer does (FTS5's ``unicode61`` characters);
- ``combined_fields`` over ``title^2`` and ``body`` (Lucene's ``CombinedFieldQuery``, BM25F):
  term frequency ``2·tf_title + tf_body``; document length ``2·|title| + |body|`` from the
  one-byte norms (``SmallFloat.intToByte4``, exact below 24 tokens, 4 significant bits above);
  average length ``(2·Σ|title| + Σ|body|) / N``; document frequency the larger of the two
  fields'; BM25 with k1 = 1.2, b = 0.75 and Lucene's idf ``ln(1 + (N − df + 0.5)/(df + 0.5))``;
- one ``combined_fields`` clause per distinct token, boosted by its count in the query (FTS5
  scores a repeated phrase once per repetition: the same factor).

The embedded side is the real ``EmbeddedIndex`` (SQLite FTS5 ``bm25(title 2.0, body 1.0)``),
built from the seed catalogue by the ordinary composition root. Rows:

- ``fts5 model``: a Python model of FTS5's bm25 (one BM25 over the row, unweighted row length,
  idf ``ln((N − n + 0.5)/(n + 0.5))`` floored at 1e-6) against the real FTS5: checks that
  modelling an engine in Python reproduces it;
- ``es before``: the query the backend sent before (#17): two ``match`` clauses per token,
  each field its own BM25 (own length, own idf), over ``whitespace`` tokens;
- ``es combined_fields``: the query sent now.

For each seed need the lexical query is the matcher's (``understood``: weighted key terms; and
``plain``: every distinct token once); the achievements are ranked; we report the share of
needs with the same top-1 and the mean overlap of the two top-10 sets.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

K1, B = 1.2, 0.75
TITLE_WEIGHT = 2.0


# ---- the analysis both sides apply ------------------------------------------------------------
# the combining diacritics SQLite's unicode61 keeps inside a word (es_filters.DIACRITICS)
_DIACRITICS = frozenset(
    (
        *range(0x300, 0x305),
        *range(0x306, 0x30D),
        0x30F,
        0x311,
        0x31B,
        *range(0x323, 0x329),
        0x32D,
        0x32E,
        0x330,
        0x331,
    )
)


def _token_char(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] in "LN" or category == "Co" or ord(ch) in _DIACRITICS


def split_unicode61(token: str) -> list[str]:
    """The pieces of one jieba token under ``unicode61`` / the ``techmatch`` pattern tokenizer."""
    pieces, current = [], []
    for ch in token:
        if _token_char(ch):
            current.append(ch)
        elif current:
            pieces.append("".join(current))
            current = []
    if current:
        pieces.append("".join(current))
    return pieces


def analyse(tokens: Sequence[str], split: bool) -> list[str]:
    return [p for t in tokens for p in split_unicode61(t)] if split else list(tokens)


# ---- Lucene's one-byte length norm ----------------------------------------------------------
def _long_to_int4(i: int) -> int:
    bits = i.bit_length()
    if bits < 4:
        return i
    shift = bits - 4
    return ((i >> shift) & 0x07) | ((shift + 1) << 3)


def _int4_to_long(i: int) -> int:
    bits, shift = i & 0x07, (i >> 3) - 1
    return bits if shift == -1 else (bits | 0x08) << shift


_FREE = 255 - _long_to_int4(2**31 - 1)  # 24: lengths below are stored exactly


def quantise(length: int) -> int:
    """``byte4ToInt(intToByte4(length))``: the length Lucene's BM25 sees."""
    if length < _FREE:
        return length
    return _FREE + _int4_to_long(_long_to_int4(length - _FREE))


# ---- the models -------------------------------------------------------------------------------
@dataclass
class Doc:
    id: str
    title: Counter[str]
    body: Counter[str]
    title_len: int
    body_len: int


def docs_from(indexed: Sequence[object], split: bool) -> list[Doc]:
    out = []
    for d in indexed:
        title = analyse(d.title_tokens, split)  # type: ignore[attr-defined]
        body = analyse(d.body_tokens, split)  # type: ignore[attr-defined]
        out.append(Doc(d.id, Counter(title), Counter(body), len(title), len(body)))  # type: ignore[attr-defined]
    return out


Scorer = Callable[[list[str]], list[tuple[str, float]]]


def fts5_model(docs: list[Doc]) -> Scorer:
    """SQLite FTS5 ``bm25(fts, 2.0, 1.0)`` with each query token an OR-ed phrase."""
    n = len(docs)
    avgdl = sum(d.title_len + d.body_len for d in docs) / n
    hits: Counter[str] = Counter()
    for d in docs:
        hits.update(set(d.title) | set(d.body))

    def score(query: list[str]) -> list[tuple[str, float]]:
        out = []
        for d in docs:
            s, matched = 0.0, False
            for phrase in query:
                pieces = split_unicode61(phrase)
                if len(pieces) != 1:
                    continue  # multi-piece phrases (e.g. "3.5") are rare; not modelled
                t = pieces[0]
                freq = TITLE_WEIGHT * d.title[t] + d.body[t]
                idf = max(1e-6, math.log((n - hits[t] + 0.5) / (hits[t] + 0.5)))
                if freq:
                    matched = True
                dl = d.title_len + d.body_len
                s += idf * freq * (K1 + 1) / (freq + K1 * (1 - B + B * dl / avgdl))
            if matched:
                out.append((d.id, s))
        return out

    return score


def es_separate_fields(docs: list[Doc]) -> Scorer:
    """The former query: ``match`` on title (boost 2·count) and on body (boost count)."""
    n = len(docs)
    stats = {}
    for name in ("title", "body"):
        lengths = [getattr(d, f"{name}_len") for d in docs]
        count = sum(1 for x in lengths if x)
        df: Counter[str] = Counter()
        for d in docs:
            df.update(set(getattr(d, name)))
        stats[name] = (count or n, sum(lengths) / max(count, 1), df)

    def score(query: list[str]) -> list[tuple[str, float]]:
        out = []
        for d in docs:
            s, matched = 0.0, False
            for t, c in Counter(query).items():
                for name, boost in (("title", TITLE_WEIGHT), ("body", 1.0)):
                    tf = getattr(d, name)[t]
                    if not tf:
                        continue
                    count, avgdl, df = stats[name]
                    idf = math.log(1 + (count - df[t] + 0.5) / (df[t] + 0.5))
                    dl = quantise(getattr(d, f"{name}_len"))
                    s += boost * c * idf * tf / (tf + K1 * (1 - B + B * dl / avgdl))
                    matched = True
            if matched:
                out.append((d.id, s))
        return out

    return score


def es_combined_fields(docs: list[Doc]) -> Scorer:
    """What Lucene computes for the body ``es_filters.lexical_query`` sends (read, not assumed:
    each ``combined_fields`` clause's fields and weights, operator and boost are interpreted)."""
    from indexer.backends.es_filters import lexical_query
    from indexer.base import Filters

    df = {"title": Counter[str](), "body": Counter[str]()}
    for d in docs:
        df["title"].update(set(d.title))
        df["body"].update(set(d.body))
    count = {
        "title": sum(1 for d in docs if d.title_len),
        "body": sum(1 for d in docs if d.body_len),
    }
    total = {"title": sum(d.title_len for d in docs), "body": sum(d.body_len for d in docs)}

    def clause_scores(spec: dict[str, Any]) -> dict[str, float]:
        weights = {}
        for entry in spec["fields"]:
            name, _, weight = entry.partition("^")
            weights[name] = float(weight or 1)
        doc_count = max(count[f] for f in weights)
        avgdl = sum(w * total[f] for f, w in weights.items()) / doc_count
        terms = split_unicode61(spec["query"])  # the analyzer; one CombinedFieldQuery per term
        found: dict[str, float] = {}
        matched: dict[str, int] = Counter()
        for term in terms:
            term_df = max(df[f][term] for f in weights)
            if not term_df:
                continue
            idf = math.log(1 + (doc_count - term_df + 0.5) / (term_df + 0.5))
            for d in docs:
                freq = sum(w * getattr(d, f)[term] for f, w in weights.items())
                if not freq:
                    continue
                length = quantise(
                    round(sum(w * quantise(getattr(d, f"{f}_len")) for f, w in weights.items()))
                )
                norm = K1 * (1 - B + B * length / avgdl)
                found[d.id] = found.get(d.id, 0.0) + idf * freq / (freq + norm)
                matched[d.id] += 1
        if spec.get("operator") == "and":
            found = {i: v for i, v in found.items() if matched[i] == len(terms)}
        boost = float(spec.get("boost", 1))
        return {i: boost * v for i, v in found.items()}

    def score(query: list[str]) -> list[tuple[str, float]]:
        body = lexical_query(query, Filters())["bool"]
        total_scores: dict[str, float] = {}
        for clause in body["should"]:
            for doc_id, value in clause_scores(clause["combined_fields"]).items():
                total_scores[doc_id] = total_scores.get(doc_id, 0.0) + value
        return list(total_scores.items())

    return score


def top(scored: list[tuple[str, float]], k: int) -> list[str]:
    return [i for i, _ in sorted(scored, key=lambda x: (-x[1], x[0]))[:k]]


# ---- the measurement --------------------------------------------------------------------------
def measure(limit: int) -> list[dict[str, object]]:
    from indexer.base import Filters
    from service.composition import open_components
    from service.config import Settings
    from service.listings.schemas import Kind
    from service.matching.query import key_terms, plain_terms

    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="es-parity-") as home:
        settings = Settings(home=Path(home), embedding_model="", search_backend="embedded")
        with open_components(settings) as parts:
            parts.listings.seed(parts.seed_dir)
            parts.indexing.rebuild()
            achievements = list(parts.catalog.iter_published("achievement"))
            indexed = parts.indexing.documents("achievement", achievements, with_vectors=False)
            needs = list(parts.catalog.iter_published("need"))
            models = {
                "fts5 model (check)": fts5_model(docs_from(indexed, split=True)),
                "es before (#17)": es_separate_fields(docs_from(indexed, split=False)),
                "es combined_fields": es_combined_fields(docs_from(indexed, split=True)),
            }
            for mode in ("understood", "plain"):
                queries = []
                for need in needs:
                    if mode == "plain":
                        plan = plain_terms(parts.analyzer, need)
                    else:
                        plan = key_terms(parts.analyzer, parts.index, need, Kind.achievement)
                    queries.append(plan.terms)
                embedded = [
                    [h.id for h in parts.index.lexical("achievement", q, Filters(), limit)]
                    for q in queries
                ]
                for name, model in models.items():
                    top1 = overlap = 0.0
                    exact = 0
                    for q, ref in zip(queries, embedded, strict=True):
                        got = top(model(q), limit)
                        top1 += bool(ref) and bool(got) and ref[0] == got[0]
                        overlap += len(set(ref) & set(got)) / max(len(ref), 1)
                        exact += got == ref
                    rows.append(
                        {
                            "query": mode,
                            "model": name,
                            "needs": len(queries),
                            "top1_agreement": round(top1 / len(queries), 3),
                            f"top{limit}_overlap": round(overlap / len(queries), 3),
                            f"same_top{limit}_order": exact,
                        }
                    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = measure(args.limit)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    k = args.limit
    print(
        "| query | Elasticsearch side | needs | top-1 agreement |"
        f" top-{k} overlap | same top-{k} order |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['query']} | {r['model']} | {r['needs']} | {r['top1_agreement']:.3f} |"
            f" {r[f'top{k}_overlap']:.3f} | {r[f'same_top{k}_order']} |"
        )


if __name__ == "__main__":
    main()
