"""Two learned dense signals measured as ranking features on the development set (issue #23,
"rank the solution above the neighbour"), both held out with the weights' own folds:

``adapted``    the cosine after a low-rank linear map of the need's e5 vector (query role),
               q' = q + q·U·Vᵀ, trained in each fold on the training needs' judged candidates
               (and, with ``--gold``, the seed gold) with a listwise softmax loss, then added
               to the pairwise weights as one more component. The cheap cousin of fine-tuning
               the encoder: it needs no model weights beyond the vectors the index holds.
``precedent``  for an achievement that solved seed needs (gold grade ≥ ``--grade``), the best
               cosine between the dev need and those needs: "needs like yours were solved by
               this". No training; the seed gold is the market's own record of solutions.

Each row: nDCG@10 / MRR@10 on all, problem-worded and technical dev needs with a relevant
answer. Needs torch (installed with the dev setup) for ``adapted``.

    .venv/bin/python bench/learned_similarity.py --home /tmp/lead
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from indexer.documents import full_text
from seed_data import SEED_DIR
from service.composition import open_components, scratch_market
from service.config import Settings
from service.listings.schemas import Kind
from service.matching.weights import Weights
from service.quality import ascent, pairwise
from service.quality.devset import load_devset
from service.quality.evaluation import Qrels, score_run
from service.quality.gold import load_gold
from service.quality.tuning import DEFAULT_CONFIG, collect_pool

SUBSETS = ("all", "problem", "technical")
SCALE = 20.0  # raw cosines differ by hundredths: scaled beside components spread over [0, 1]
FLOOR = 0.8  # e5 cosines between needs start about here: a precedent counts above it
Vectors = dict[str, np.ndarray]


def train_adapter(
    examples: list[tuple[np.ndarray, np.ndarray, np.ndarray]], rank: int, epochs: int
) -> tuple[np.ndarray, np.ndarray]:
    """U, V of the map q → q + q·U·Vᵀ from (query, candidate vectors, grades) examples."""
    import torch  # heavy: only this bench trains

    torch.manual_seed(0)
    u = torch.zeros(384, rank, requires_grad=True)
    v = (torch.randn(384, rank) * 0.01).requires_grad_()
    optimiser = torch.optim.Adam([u, v], lr=1e-2)
    data = [(torch.tensor(q), torch.tensor(d), torch.tensor(g)) for q, d, g in examples]
    for _ in range(epochs):
        optimiser.zero_grad()
        loss = torch.zeros(())
        for q, docs, grades in data:
            moved = q + (q @ u) @ v.T
            logits = docs @ (moved / moved.norm()) / 0.05
            loss = loss - (grades / grades.sum() * torch.log_softmax(logits, 0)).sum()
        loss = loss / len(data) + 1e-3 * (u.pow(2).sum() + v.pow(2).sum())
        loss.backward()
        optimiser.step()
    return u.detach().numpy(), v.detach().numpy()


def adapted(pool: ascent.Pool, q: Vectors, a: Vectors, u: np.ndarray, v: np.ndarray) -> ascent.Pool:
    out: ascent.Pool = {}
    for need, items in pool.items():
        moved = q[need] + (q[need] @ u) @ v.T
        moved = moved / np.linalg.norm(moved)
        out[need] = [(x, {**vals, "adapted": SCALE * float(a[x] @ moved)}) for x, vals in items]
    return out


def examples(
    pool: ascent.Pool, qrels: Qrels, needs: list[str], q: Vectors, a: Vectors
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    out = []
    for need in needs:
        grades = np.array([float(qrels.get(need, {}).get(x, 0)) for x, _ in pool[need]])
        if grades.sum() > 0:
            out.append((q[need], np.stack([a[x] for x, _ in pool[need]]), grades))
    return out


def scores(run: dict[str, list[str]], qrels: Qrels, wording: dict[str, str]) -> str:
    cells = []
    for subset in SUBSETS:
        ids = {n for n in run if subset == "all" or wording[n] == subset}
        m = score_run({n: run[n] for n in ids}, {n: qrels[n] for n in ids if n in qrels})
        cells.append(f"{m['ndcg@10']:.3f} / {m['mrr@10']:.3f}")
    return " | ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="a seeded, indexed home")
    parser.add_argument("--rank", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--grade", type=int, default=2, help="gold grade of a precedent")
    args = parser.parse_args()
    started = time.perf_counter()
    dev, (gold, _) = load_devset(SEED_DIR), load_gold(SEED_DIR)
    settings = Settings(home=args.home, seed_dir=SEED_DIR)
    with open_components(settings) as parent, scratch_market(parent) as market:
        pool, present, _ = collect_pool(
            market, list(dev.needs), None, DEFAULT_CONFIG, dict(dev.needs)
        )
        golden, _, _ = collect_pool(market, list(gold), None, DEFAULT_CONFIG)
        needs = {**dev.needs, **market.catalog.get_many(Kind.need, list(golden))}
        wanted = sorted({x for p in (pool, golden) for i in p.values() for x, _ in i})
        ach = market.catalog.get_many(Kind.achievement, wanted)
        encode = market.matcher.encoder.encode
        q_rows = encode([full_text(n) for n in needs.values()], query=True)
        a_rows = encode([full_text(x) for x in ach.values()])
    assert q_rows is not None and a_rows is not None, "the dense model is needed"
    q, a = dict(zip(needs, q_rows, strict=True)), dict(zip(ach, a_rows, strict=True))
    judged = [n for n in pool if any(g > 0 for g in dev.qrels.get(n, {}).values())]
    base = (*present, *(f for f in ascent.FEATURES if f != "lexicon"))
    start = ascent.coefficients(Weights(), present)
    runs: dict[str, dict[str, list[str]]] = {"shipped components": {}, "+ adapted": {},
                                             "+ adapted (with seed gold)": {}}  # fmt: skip
    for fold in ascent.folds_of(judged, 5):
        held = set(fold)
        train = [n for n in pool if n not in held]
        fitted = pairwise.fit({n: pool[n] for n in train}, dev.qrels, start, base)
        runs["shipped components"].update(ascent.rank({n: pool[n] for n in fold}, fitted))
        for label, extra in (("+ adapted", []), ("+ adapted (with seed gold)", list(golden))):
            ex = examples(pool, dev.qrels, train, q, a) + examples(golden, gold, extra, q, a)
            more = adapted(pool, q, a, *train_adapter(ex, args.rank, args.epochs))
            comps, st = (*base, "adapted"), {**start, "adapted": 0.0}
            coef = pairwise.fit({n: more[n] for n in train}, dev.qrels, st, comps)
            runs[label].update(ascent.rank({n: more[n] for n in fold}, coef))
    solvers: dict[str, list[str]] = {}
    for need, judged_pairs in gold.items():
        for x, grade in judged_pairs.items():
            if grade >= args.grade:
                solvers.setdefault(x, []).append(need)

    def precedent(need: str, x: str) -> float:
        best = max((float(q[s] @ q[need]) for s in solvers.get(x, [])), default=FLOOR)
        return SCALE * max(best - FLOOR, 0.0)

    with_precedent = {
        n: [(x, {**v, "precedent": precedent(n, x)}) for x, v in items] for n, items in pool.items()
    }
    comps, st = (*base, "precedent"), {**start, "precedent": 0.0}
    cv = ascent.cross_validate(with_precedent, dev.qrels, st, 5, comps, None, pairwise.fit)
    runs["+ precedent (seed needs the achievement solved)"] = cv.after_runs
    print(f"| configuration (5-fold, held-out) | {' | '.join(SUBSETS)} |")
    print("| --- |" + " --- |" * len(SUBSETS))
    for label, run in runs.items():
        print(f"| {label} | {scores(run, dev.qrels, dev.wording)} |")
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
