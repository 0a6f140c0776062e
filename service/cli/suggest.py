"""``techmatch suggest-eval``: field and keyword suggestion quality on csl-dev papers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from service.cli.common import console, fail, market, progress_bar

DEFAULT_PAPERS = Path("../shared/benchmarks/csl-dev/papers.jsonl")


def suggest_eval(
    papers: Annotated[
        Path,
        typer.Argument(help="papers JSONL (title, abstract, keywords, category)"),
    ] = DEFAULT_PAPERS,
    json_out: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Field suggestion accuracy and keyword precision/recall/F1 (papers and catalog)."""
    from service.suggest.evaluation import evaluate_suggestions, read_papers

    with market() as parts:
        try:
            total = len(read_papers(papers))
            with progress_bar(total) as advance:
                report = evaluate_suggestions(
                    papers, parts.catalog, parts.analyzer, parts.taxonomy, advance
                )
        except (FileNotFoundError, ValueError) as exc:
            fail(str(exc))
            return
    if json_out:
        typer.echo(report.model_dump_json(indent=2))
        return
    fields = Table(title="field suggestion (stratified k-fold)")
    for column in ("set", "level", "docs", "classes", "folds", "accuracy", "top-3", "majority"):
        fields.add_column(column, justify="left" if column in ("set", "level") else "right")
    for f in report.fields:
        fields.add_row(
            f.dataset,
            f.level,
            str(f.documents),
            str(f.classes),
            str(f.folds),
            f"{f.accuracy:.3f}",
            f"{f.top3:.3f}",
            f"{f.majority:.3f}",
        )
    console.print(fields)
    keywords = Table(title="keyword suggestion vs. authors' keywords")
    for column in ("set", "at", "matching", "precision", "recall", "F1"):
        keywords.add_column(
            column, justify="right" if column in ("precision", "recall", "F1") else "left"
        )
    for k in report.keywords:
        keywords.add_row(
            k.dataset, k.at, k.matching, f"{k.precision:.3f}", f"{k.recall:.3f}", f"{k.f1:.3f}"
        )
    console.print(keywords)
    console.print(f"{report.seconds:.1f} s")


def register(app: typer.Typer) -> None:
    """Add the suggestion commands to the ``techmatch`` app."""
    app.command("suggest-eval")(suggest_eval)
