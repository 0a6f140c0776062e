"""``techmatch seed``, ``import``, ``search`` and ``match``: listings in, results out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from indexer.base import Filters
from indexer.vector_queue import QueueStatus, VectorQueue
from service.cli.common import (
    check_index,
    console,
    err,
    fail,
    find_kind,
    market,
    progress_bar,
)
from service.listings.schemas import Kind
from service.matching.calibration import tier_words
from service.matching.matcher import NotPublishedError


def register(app: typer.Typer) -> None:
    app.command()(seed)
    app.command("import")(import_)
    app.command()(search)
    app.command()(match)


def seed() -> None:
    """Load seed_data/ into the catalog (idempotent: upsert by id)."""
    with market() as parts:
        reports = parts.listings.seed(parts.seed_dir)
        experts = parts.experts.seed(parts.seed_dir)  # the expert pool (专家库)
    rejected = 0
    if experts is not None:
        console.print(
            f"{'experts.jsonl':<28} 专家: {experts.created} new, {experts.updated} updated, "
            f"{len(experts.rejected)} rejected"
        )
        for bad in experts.rejected:
            err.print(f"  line {bad['line']} ({bad['id'] or '-'}): " + "; ".join(bad["errors"]))
        rejected += len(experts.rejected)
    for report in reports:
        console.print(
            f"{Path(report.source).name:<28} {report.kind.label}: {report.created} new, "
            f"{report.updated} updated, {len(report.rejected)} rejected"
        )
        for row in report.rejected:
            err.print(f"  line {row.line} ({row.id or '-'}): " + "; ".join(row.errors))
        rejected += len(report.rejected)
    if rejected:
        raise typer.Exit(1)


def _wait_for_vectors(queue: VectorQueue, *, quiet: bool) -> None:
    """The rows are searchable already; their vectors follow, with a progress bar (an
    interrupted run leaves them to the next `techmatch index`)."""
    status = queue.status()
    if not status.busy:
        return
    if not quiet:
        err.print(
            f"rows searchable now by their words; semantic vectors for {status.total} rows "
            "follow (Ctrl-C leaves the rest to the next `techmatch index`)"
        )
    if quiet:
        queue.wait()
        return
    with progress_bar(status.total) as advance:
        seen = [0]

        def show(now: QueueStatus) -> None:
            advance("语义向量", now.done - seen[0])
            seen[0] = now.done

        queue.wait(show)


def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL, CSV or XLSX")],
    kind: Annotated[Kind, typer.Option(help="what the file holds")],
    json_out: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Bulk import listings (upsert by id); rejected rows are reported with their reasons."""
    with market() as parts:
        try:
            report = parts.listings.import_file(kind, file, None)
        except ValueError as exc:
            fail(str(exc))
            return
        indexed = parts.indexing.problem() is None
        _wait_for_vectors(parts.indexing.vectors, quiet=json_out)
    if json_out:
        payload = {
            "created": report.created,
            "updated": report.updated,
            "rejected": [r.__dict__ for r in report.rejected],
            "columns": report.columns,
            "unused_columns": report.unused,
        }
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    console.print(
        f"{report.created} new, {report.updated} updated, {len(report.rejected)} rejected"
    )
    for row in report.rejected:
        console.print(f"  line {row.line} ({row.id or '-'}): " + "; ".join(row.errors))
    if report.unused:
        console.print("columns not imported (no such field): " + "、".join(report.unused))
    if report.accepted and not indexed:
        console.print("run `techmatch index` to make them searchable")


def search(
    query: Annotated[str, typer.Argument(help="free text")],
    kind: Annotated[Kind | None, typer.Option(help="achievement or need")] = None,
    field: Annotated[str | None, typer.Option(help="taxonomy code")] = None,
    region: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Free-text search over the listings."""
    with market() as parts:
        check_index(parts)
        try:
            page = parts.searcher.search(
                query, kind=kind, filters=Filters(field=field, region=region), page_size=limit
            )
        except ValueError as exc:
            fail(str(exc))
            return
    if json_out:
        typer.echo(page.model_dump_json(indent=2))
        return
    table = Table(title=f"{page.total} results for {query!r}")
    # The title gets the room: wrapped, never cut; the rest share what is left.
    table.add_column("id", no_wrap=True)
    table.add_column("title", ratio=4, min_width=20, overflow="fold")
    table.add_column("organisation", ratio=2, min_width=8, overflow="fold")
    table.add_column("field · region", ratio=2, min_width=8, overflow="fold")
    for item in page.items:
        where = f"{item.field_label} · {item.region}" if item.region else item.field_label
        table.add_row(f"{item.id}\n{item.kind.label}", item.title, item.organisation, where)
    console.print(table)


def match(
    listing_id: Annotated[str, typer.Argument(metavar="ID", help="a need or achievement id")],
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ranked counterparts of a need or an achievement, with explanations."""
    with market() as parts:
        check_index(parts)
        kind = find_kind(parts, listing_id)
        try:
            result = parts.matcher.match(kind, listing_id, limit)
        except NotPublishedError as exc:
            fail(str(exc))
            return
    if json_out:
        typer.echo(result.model_dump_json(indent=2))
        return
    console.print(f"[bold]{result.source.title}[/bold] ({result.source.organisation})")
    for notice in (result.notice, result.calibration):
        if notice:
            console.print(f"[yellow]{notice}[/yellow]")
    for m in result.matches:
        console.print(
            f"{m.rank:>2}. {tier_words(m.tier, m.probability):<10} {m.id}  {m.title}  "
            f"[dim]{m.organisation} · 得分 {m.score:.3f}[/dim]"
        )
        weighed = [c for c in m.components if c.weight > 0]
        parts_line = "  ".join(f"{c.label} {c.contribution:.2f}" for c in weighed)
        console.print(f"      {parts_line}")
        if m.bridges:
            console.print("      问题与技术对应: " + "；".join(m.bridges))
        if m.shared_terms:
            console.print("      共同关键词: " + "、".join(m.shared_terms))
        for note in m.mismatches:
            console.print(f"      [red]不符:[/red] {note}")
