"""``techmatch common-needs``: the proposed and reviewed common technical needs, or (with
``--evaluate``) how the grouping agrees with the reference grouping of the seed needs."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from service.cli.common import console, market


def common_needs(
    json_out: Annotated[bool, typer.Option("--json", help="print the groups as JSON")] = False,
    evaluate: Annotated[
        bool,
        typer.Option("--evaluate", help="pairwise P/R/F1 and ARI against seed_data/gold, sweep"),
    ] = False,
    achievements: Annotated[int, typer.Option(help="best achievements per group")] = 3,
) -> None:
    """共性技术需求: groups of needs from different enterprises that share a technical core."""
    from service.programmes.common_needs.grouping_eval import evaluate as run_evaluation

    with market() as parts:
        if evaluate:
            report = run_evaluation(parts.common_needs.grouper, parts.seed_dir)
            if json_out:
                typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
                return
            table = Table(title=f"grouping vs. reference ({report.reference_groups} groups, "
                          f"{report.reference_pairs} pairs, {report.needs} needs)")  # fmt: skip
            for column in ("threshold", "groups", "needs", "pairs", "P", "R", "F1", "ARI"):
                table.add_column(column, justify="right")
            for s in report.sweep:
                mark = " *" if s.threshold == report.chosen.threshold else ""
                table.add_row(
                    f"{s.threshold:.2f}{mark}", str(s.groups), str(s.grouped_needs),
                    str(s.pairs), f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}",
                    f"{s.ari:.3f}",
                )  # fmt: skip
            console.print(table)
            console.print("semantic: " + ("on" if report.semantic else "off (lexical only)"))
            if report.held_out is not None:
                console.print(f"held out: {report.held_out.described()}")
            return
        found = parts.common_needs.list(achievements=achievements)
    if json_out:
        typer.echo(found.model_dump_json(indent=2))
        return
    table = Table(title=f"共性技术需求 ({len(found.groups)})")
    for column in ("id", "名称", "状态", "需求", "企业", "最佳成果"):
        table.add_column(column)
    for g in found.groups:
        best = g.achievements[0].title if g.achievements else "—"
        table.add_row(str(g.id), g.title, g.status_label, " ".join(g.needs),
                      str(len(g.enterprises)), best)  # fmt: skip
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("common-needs")(common_needs)
