"""Sentence alignment, stated effects and lexicon bridges as ranking features, measured on the
development set; and the deeper pool of dense rankers graded for issue #23.

Each dev need's title and sentences are embedded on their own (e5 ``query:`` role) and compared
with every passage of every achievement (its title and each sentence, ``passage:`` role, the
index's passages). Per (need, achievement) pair:

``al_max``   the best cosine between any need sentence and any achievement passage
``al_mean``  the mean over the need's sentences of each one's best match in the achievement
``al_top2``  the mean of the two best-matched need sentences
``ef_max``   ``al_max`` over the achievement's effect sentences only (解决/提升/降低/延长 …)

Rows: the shipped learned ranking (pairwise logistic, 5-fold held-out, as ``techmatch report``)
with each feature added raw, scaled, or standardised per need; the lexicon's bridges raw, as a
flag and weighed where BM25 does not already match. ``--unjudged FILE`` writes the pairs that the
dense rankers (whole listing, whole + best passage, sentence alignment) and the learned variants
put in their top ranks and that the pool never judged: the list graded for issue #23
(``seed_data/devset/pool-deep.tsv``).

    .venv/bin/python bench/alignment_ablation.py --home /tmp/align-home
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from indexer.documents import full_text, passages
from seed_data import SEED_DIR
from service.composition import open_components, scratch_market
from service.config import Settings
from service.listings.schemas import Kind
from service.matching.weights import Weights
from service.quality import ascent, pairwise
from service.quality.dev_report import LEXICON
from service.quality.devset import DevSet, load_devset
from service.quality.evaluation import score_run
from service.quality.tuning import collect_pool

EFFECT = re.compile(
    r"解决|提升|提高|降低|减少|缩短|延长|避免|防止|抑制|消除|替代|实现|达到|控制|改善|克服|去除|节约|节省|增加|稳定|保证|确保|防"
)
SUBSETS = ("all", "problem", "technical")
Features = dict[str, dict[str, np.ndarray]]  # need -> feature -> one value per achievement


def alignment_features(
    need_vectors: dict[str, np.ndarray], passage_vectors: np.ndarray, owner: np.ndarray,
    effect: np.ndarray, n_docs: int,
) -> Features:  # fmt: skip
    """Per need: each feature over every achievement (``owner``: the passage's achievement)."""

    def best_per_doc(sims: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        out = np.full((sims.shape[0], n_docs), -1.0)
        for row in range(sims.shape[0]):
            values = sims[row] if mask is None else np.where(mask, sims[row], -1.0)
            np.maximum.at(out[row], owner, values)
        return out

    feats: Features = {}
    for need, vectors in need_vectors.items():
        sims = vectors @ passage_vectors.T
        best, best_effect = best_per_doc(sims, None), best_per_doc(sims, effect)
        ordered = np.sort(best, 0)[::-1]
        feats[need] = {
            "al_max": best.max(0),
            "al_mean": best.mean(0),
            "al_top2": ordered[:2].mean(0),
            "ef_max": best_effect.max(0),
        }
    return feats


def with_feature(
    pool: ascent.Pool, name: str, value: Callable[[str, str, dict[str, float]], float],
    standardise: bool = False,
) -> ascent.Pool:  # fmt: skip
    out: ascent.Pool = {}
    for need, items in pool.items():
        values = np.array([value(need, a, v) for a, v in items])
        if standardise:
            values = (values - values.mean()) / (values.std() or 1.0)
        out[need] = [(a, {**v, name: float(x)}) for (a, v), x in zip(items, values, strict=True)]
    return out


def scores(dev: DevSet, run: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    out = {"all": score_run(run, dev.qrels)}
    for name, ids in dev.subsets().items():
        out[name] = score_run(run, {q: j for q, j in dev.qrels.items() if q in ids})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--unjudged", type=Path, help="write the unjudged top pairs here")
    args = parser.parse_args()
    started = time.perf_counter()
    dev = load_devset(SEED_DIR)
    judged = sorted(n for n, j in dev.qrels.items() if any(g > 0 for g in j.values()))
    settings = Settings(home=args.home, seed_dir=SEED_DIR)
    with open_components(settings) as parent, scratch_market(parent) as market:
        encoder = market.encoder
        ach = {a.id: a for a in market.catalog.iter_all(Kind.achievement, published_only=True)}
        ids = sorted(ach)
        pool, present, _ = collect_pool(market, judged, None, LEXICON, dict(dev.needs))
        texts = {a: passages(ach[a]) for a in ids}
        flat = [t for a in ids for t in texts[a]]
        owner = np.array([i for i, a in enumerate(ids) for _ in texts[a]])
        passage_vectors = encoder.encode(flat)
        whole = encoder.encode([full_text(ach[a]) for a in ids])
        queries = encoder.encode([full_text(dev.needs[n]) for n in judged], query=True)
        need_vectors = {n: encoder.encode(passages(dev.needs[n]), query=True) for n in judged}
    assert passage_vectors is not None and whole is not None and queries is not None
    effect = np.array([bool(EFFECT.search(t)) for t in flat])
    feats = alignment_features(need_vectors, passage_vectors, owner, effect, len(ids))  # type: ignore[arg-type]
    position = {a: i for i, a in enumerate(ids)}
    base = (*present, *(f for f in ascent.FEATURES if f != "lexicon"))
    start = ascent.coefficients(Weights(), present)
    rows: dict[str, tuple[dict[str, dict[str, float]], dict[str, float]]] = {}
    runs: dict[str, dict[str, list[str]]] = {}

    def measure(label: str, p: ascent.Pool, comps: tuple[str, ...]) -> None:
        st = {**start, **{c: 0.0 for c in comps if c not in start}}
        cv = ascent.cross_validate(p, dev.qrels, st, args.folds, comps, None, pairwise.fit)
        coef = pairwise.fit(p, dev.qrels, st, comps)
        rows[label] = (scores(dev, cv.after_runs), {c: coef.get(c, 0.0) for c in comps})
        runs[label] = cv.after_runs
        print(label, "done", f"{time.perf_counter() - started:.0f} s", flush=True)

    measure("shipped components (the report's learned row)", pool, base)
    measure("+ lexicon bridges (0, 0.5, 1)", pool, (*base, "lexicon"))
    flag = with_feature(pool, "lexflag", lambda n, a, v: float(v.get("lexicon", 0.0) > 0))
    measure("+ lexicon bridge present (0/1)", flag, (*base, "lexflag"))
    where = with_feature(
        pool, "lexwhere", lambda n, a, v: v.get("lexicon", 0.0) * (1 - v.get("bm25", 0.0))
    )
    measure("+ lexicon bridges where BM25 does not match", where, (*base, "lexwhere"))
    for name in ("al_max", "al_mean", "al_top2", "ef_max"):

        def value(n: str, a: str, v: dict[str, float], _f: str = name) -> float:
            return float(feats[n][_f][position[a]])

        def times20(n: str, a: str, v: dict[str, float], _f: str = name) -> float:
            return 20 * float(feats[n][_f][position[a]])

        measure(f"+ {name}", with_feature(pool, name, value), (*base, name))
        scaled = with_feature(pool, name, times20)
        measure(f"+ {name} × 20", scaled, (*base, name))
        z = with_feature(pool, name, value, standardise=True)
        measure(f"+ {name} standardised per need", z, (*base, name))
    print("\n| configuration | " + " | ".join(SUBSETS) + " | weight of the new feature |")
    print("| --- | --- | --- | --- | --- |")
    for label, (figures, coef) in rows.items():
        cells = " | ".join(
            f"{figures[s]['ndcg@10']:.3f} / {figures[s]['mrr@10']:.3f}" for s in SUBSETS
        )
        extra = [c for c in coef if c not in base]
        weight = f"{coef[extra[0]]:.3f}" if extra else "–"
        print(f"| {label} | {cells} | {weight} |")
    print(f"\n{time.perf_counter() - started:.0f} s")
    if args.unjudged:
        write_unjudged(args.unjudged, dev, judged, ids, runs, feats, whole, queries,
                       passage_vectors, owner)  # fmt: skip


def write_unjudged(
    path: Path, dev: DevSet, judged: list[str], ids: list[str],
    runs: dict[str, dict[str, list[str]]], feats: Features, whole: np.ndarray,
    queries: np.ndarray, passage_vectors: np.ndarray, owner: np.ndarray,
) -> None:  # fmt: skip
    """The pairs the pool never judged among: the learned variants' top 10, the whole-listing
    cosine's top 15, whole + best passage's top 10 and sentence alignment's top 5."""
    found: dict[tuple[str, str], dict[str, int]] = {}

    def add(name: str, ranking: dict[str, list[str]], depth: int) -> None:
        for need, ranked in ranking.items():
            for rank, a in enumerate(ranked[:depth], 1):
                if a not in dev.qrels.get(need, {}):
                    found.setdefault((need, a), {})[name] = rank

    names = {
        "shipped components (the report's learned row)": "learned",
        "+ lexicon bridges (0, 0.5, 1)": "learned+lexicon",
        "+ al_max standardised per need": "learned+al_max",
        "+ al_mean standardised per need": "learned+al_mean",
        "+ al_top2 standardised per need": "learned+al_top2",
    }
    for label, short in names.items():
        add(short, runs[label], 10)
    order = np.array(ids)
    dense: dict[str, list[str]] = {}
    passage: dict[str, list[str]] = {}
    align: dict[str, list[str]] = {}
    for i, need in enumerate(judged):
        cos = whole @ queries[i]
        best = np.full(len(ids), -1.0)
        np.maximum.at(best, owner, passage_vectors @ queries[i])
        for out, s in ((dense, cos), (passage, (cos + best) / 2), (align, feats[need]["al_top2"])):
            out[need] = [str(order[j]) for j in np.lexsort((order, -s))[:20]]
    add("dense", dense, 15)
    add("passage", passage, 10)
    add("align", align, 5)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("need_id\tachievement_id\tsources\n")
        for (need, a), src in sorted(found.items()):
            handle.write(
                f"{need}\t{a}\t" + ",".join(f"{k}:{v}" for k, v in sorted(src.items())) + "\n"
            )
    print(f"{len(found)} unjudged pairs written to {path}")


if __name__ == "__main__":
    main()
