"""Passage-level vectors against whole-listing vectors, measured on the development set.

Each seed achievement gets one vector per passage (its title, each sentence of its summary, its
keywords, each patent title), scored against the need's query vector by the maximum (and other
mixes) of the passages' cosines; the index keeps one vector per listing (title, keywords and
summary). Rows: dense alone over the whole catalogue, and the learned ranking (pairwise
logistic, the report's 5-fold cross-validation) with the passage score as one more component.

    .venv/bin/python bench/passage_ablation.py --home /tmp/passage-home

``--home`` keeps the embedding cache between runs (about 3,000 short passages to embed once).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from indexer.base import Hit
from indexer.documents import full_text
from seed_data import SEED_DIR
from service.composition import open_components, scratch_market
from service.config import Settings
from service.listings.schemas import Kind
from service.matching.weights import Weights
from service.quality import ascent, pairwise
from service.quality.dev_report import PLAIN
from service.quality.devset import DevSet, load_devset
from service.quality.evaluation import score_run
from service.quality.tuning import collect_pool

WHOLE = replace(PLAIN, passages=False)  # the index's own passage scoring off: rows add theirs
SENTENCE = re.compile(r"(?<=[。；！？!?;])")
PATENT_NUMBER = re.compile(r"^\s*(ZL)?[0-9A-Z.]{8,}\s*")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.split(text) if len(s.strip()) >= 4]


def passages(achievement: object, variant: str) -> list[str]:
    title: str = achievement.title  # type: ignore[attr-defined]
    body = sentences(achievement.summary)  # type: ignore[attr-defined]
    if variant == "title+sentences":
        return [title, *body]
    if variant == "titled sentences":
        return [title, *(f"{title}：{s}" for s in body)]
    keywords = "、".join(achievement.keywords)  # type: ignore[attr-defined]
    patents = [PATENT_NUMBER.sub("", p) for p in achievement.patents]  # type: ignore[attr-defined]
    return [title, *body, *([keywords] if keywords else []), *[p for p in patents if p]]


def subsets_scores(dev: DevSet, run: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    out = {"all": score_run(run, dev.qrels)}
    for name, ids in dev.subsets().items():
        out[name] = score_run(run, {q: j for q, j in dev.qrels.items() if q in ids})
    return out


def cell(f: dict[str, dict[str, float]]) -> str:
    return " | ".join(f"{f[s]['ndcg@10']:.3f} / {f[s]['mrr@10']:.3f}" for s in SUBSETS)


SUBSETS = ("all", "problem", "technical")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--variants", default="title+sentences,titled sentences,all fields")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--retriever-only", action="store_true", help="only the retriever rows")
    args = parser.parse_args()
    started = time.perf_counter()
    dev = load_devset(SEED_DIR)
    settings = Settings(home=args.home, seed_dir=SEED_DIR)
    results: dict[str, dict[str, dict[str, float]]] = {}
    with open_components(settings) as parent, scratch_market(parent) as market:
        encoder = market.encoder
        ach = {a.id: a for a in market.catalog.iter_all(Kind.achievement, published_only=True)}
        ids = sorted(ach)
        need_ids = sorted(dev.needs)
        q = encoder.encode([full_text(dev.needs[n]) for n in need_ids], query=True)
        assert q is not None
        qv = dict(zip(need_ids, q, strict=True))
        whole = encoder.encode([full_text(ach[a]) for a in ids])
        assert whole is not None
        whole_scores = {n: whole @ qv[n] for n in need_ids}

        def ranked(scores: dict[str, np.ndarray]) -> dict[str, list[str]]:
            run = {}
            for n in need_ids:
                s = scores[n]
                order = np.lexsort((np.array(ids), -s))[:100]
                run[n] = [ids[i] for i in order]
            return run

        results["dense: whole listing (shipped)"] = subsets_scores(dev, ranked(whole_scores))
        passage_max: dict[str, dict[str, np.ndarray]] = {}
        for variant in args.variants.split(","):
            texts = {a: passages(ach[a], variant) for a in ids}
            flat = [t for a in ids for t in texts[a]]
            owner = np.array([i for i, a in enumerate(ids) for _ in texts[a]])
            t0 = time.perf_counter()
            pv = encoder.encode(flat)
            assert pv is not None
            print(f"{variant}: {len(flat)} passages embedded in {time.perf_counter() - t0:.0f} s")
            pmax: dict[str, np.ndarray] = {}
            pmean: dict[str, np.ndarray] = {}
            counts = np.bincount(owner, minlength=len(ids))
            for n in need_ids:
                cos = pv @ qv[n]
                m = np.full(len(ids), -1.0)
                np.maximum.at(m, owner, cos)
                pmax[n] = m
                pmean[n] = np.bincount(owner, weights=cos, minlength=len(ids)) / counts
            passage_max[variant] = pmax
            results[f"dense: passage max ({variant})"] = subsets_scores(dev, ranked(pmax))
            results[f"dense: passage max + mean ({variant})"] = subsets_scores(
                dev, ranked({n: pmax[n] + pmean[n] for n in need_ids})
            )
            results[f"dense: whole + passage max ({variant})"] = subsets_scores(
                dev, ranked({n: whole_scores[n] + pmax[n] for n in need_ids})
            )
        # the learned ranking: the shipped pipeline's components, plus a passage component
        judged = [n for n, j in dev.qrels.items() if any(g > 0 for g in j.values())]
        if args.retriever_only:
            passage_max_rows: dict[str, dict[str, np.ndarray]] = {}
        else:
            passage_max_rows = passage_max
        pool, present, _ = collect_pool(market, judged, None, WHOLE, dict(dev.needs))
        start = ascent.coefficients(Weights(), present)
        base = (*present, *ascent.FEATURES)
        position = {a: i for i, a in enumerate(ids)}
        cv = ascent.cross_validate(pool, dev.qrels, start, args.folds, base, None, pairwise.fit)
        results["learned (pairwise, 5-fold): shipped components"] = subsets_scores(
            dev, cv.after_runs
        )
        for variant, pmax in passage_max_rows.items():
            for name, with_cos in (("passage", True), ("passage instead of cosine", False)):
                extended = {
                    n: [
                        (a, {**v, "passage": max(float(pmax[n][position[a]]), 0.0)})
                        for a, v in items
                    ]
                    for n, items in pool.items()
                }
                comps = (
                    (*base, "passage")
                    if with_cos
                    else (*(c for c in base if c != "cosine"), "passage")
                )
                cvp = ascent.cross_validate(
                    extended,
                    dev.qrels,
                    {**start, "passage": 0.0},
                    args.folds,
                    comps,
                    None,
                    pairwise.fit,
                )
                coef = pairwise.fit(extended, dev.qrels, {**start, "passage": 0.0}, comps)
                label = f"learned (pairwise, 5-fold): + {name} max ({variant})"
                results[label] = subsets_scores(dev, cvp.after_runs)
                print(label, {c: round(coef.get(c, 0.0), 3) for c in comps})
        # the dense retriever (candidate list, fused rank and cosine evidence) scoring by the
        # passage maximum alone, or by the mean of the whole-listing cosine and that maximum
        mixes = {f"passage max ({v})": p for v, p in passage_max.items()} | {
            f"whole + passage max, halved ({v})": {
                n: (p[n] + whole_scores[n]) / 2 for n in need_ids
            }
            for v, p in passage_max.items()
        }
        for variant, pmax in mixes.items():
            original = market.index.vector
            vectors = dict(zip(need_ids, q, strict=True))

            def by_passage(  # type: ignore[no-untyped-def]
                kind, vector, filters, limit, passages=True, _p=pmax, _o=original, _v=vectors
            ):
                if kind != "achievement":
                    return _o(kind, vector, filters, limit)
                need = next(n for n, v in _v.items() if np.array_equal(v, vector))
                s = _p[need]
                order = np.lexsort((np.array(ids), -s))[:limit]
                return [Hit(ids[i], float(s[i])) for i in order]

            market.index.vector = by_passage  # type: ignore[method-assign]
            try:
                pool2, present2, _ = collect_pool(market, judged, None, WHOLE, dict(dev.needs))
            finally:
                market.index.vector = original  # type: ignore[method-assign]
            comps2 = (*present2, *ascent.FEATURES)
            start2 = ascent.coefficients(Weights(), present2)
            cv2 = ascent.cross_validate(
                pool2, dev.qrels, start2, args.folds, comps2, None, pairwise.fit
            )
            label = f"learned (pairwise, 5-fold): dense retriever by {variant}"
            results[label] = subsets_scores(dev, cv2.after_runs)
    print()
    print("| configuration | all | problem | technical |")
    print("| --- | --- | --- | --- |")
    for label, figures in results.items():
        print(f"| {label} | {cell(figures)} |")
    print(f"\n{time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
