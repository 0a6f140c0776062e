"""The ``techmatch`` command line."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from indexer.base import Filters, IndexError_
from indexer.factory import BACKENDS
from seed_data import SEED_DIR
from service.catalog import NotFoundError
from service.config import Settings, get_settings
from service.engine import Engine
from service.schemas import Kind

app = typer.Typer(help="TechMatch: 川东北技术交易市场 matchmaking engine.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


def _engine(backend: str | None = None) -> Engine:
    settings = get_settings()
    if backend:
        settings = settings.model_copy(update={"search_backend": backend})
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
    engine = Engine(settings)
    engine.catalog.create_schema()
    return engine


@contextmanager
def _progress(total: int | None = None) -> Iterator[Callable[[str, int], None]]:
    """A rich progress bar fed by (description, items done) callbacks."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as bar:
        task = bar.add_task("starting", total=total)

        def advance(description: str, done: int) -> None:
            bar.update(task, description=description, advance=done)

        yield advance


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


@app.command()
def seed() -> None:
    """Load seed_data/ into the catalog (idempotent: upsert by id)."""
    from service.loader import seed as load_seed

    engine = _engine()
    reports = load_seed(engine.catalog, engine.settings.seed_dir or SEED_DIR)
    rejected = 0
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


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL, CSV or XLSX")],
    kind: Annotated[Kind, typer.Option(help="what the file holds")],
    json_out: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Bulk import listings (upsert by id); rejected rows are reported with their reasons."""
    from service.loader import import_file

    engine = _engine()
    try:
        report = import_file(engine.catalog, kind, file)
    except ValueError as exc:
        _fail(str(exc))
        return
    if json_out:
        payload = {
            "created": report.created,
            "updated": report.updated,
            "rejected": [r.__dict__ for r in report.rejected],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False))
    else:
        console.print(
            f"{report.created} new, {report.updated} updated, {len(report.rejected)} rejected"
        )
        for row in report.rejected:
            console.print(f"  line {row.line} ({row.id or '-'}): " + "; ".join(row.errors))
    if report.accepted and not json_out:
        console.print("run `techmatch index` to make them searchable")


@app.command()
def index(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="rebuild from scratch")] = False,
    backend: Annotated[
        str | None,
        typer.Option(help="embedded | elasticsearch; default TECHMATCH_SEARCH_BACKEND"),
    ] = None,
) -> None:
    """Bring the search index up to date with the catalog."""
    from service import index_sync

    if backend not in (None, *BACKENDS):
        _fail(f"--backend: unknown backend {backend!r} (known: {', '.join(BACKENDS)})")
    engine = _engine(backend)
    engine.semantic  # loads the model, or logs why it cannot  # noqa: B018
    try:
        with _progress(index_sync.total_published(engine)) as advance:
            report = index_sync.sync(engine, advance, force=rebuild)
    except IndexError_ as exc:
        _fail(str(exc))
        return
    console.print(
        f"{report.mode}: {report.added} added, {report.updated} updated, {report.removed} "
        f"removed, {report.unchanged} unchanged; {report.embedded} texts embedded; "
        f"vectors {'on' if report.vectors else 'off'}; {report.seconds:.1f} s"
    )
    if report.reason:
        console.print(f"  (why a rebuild: {report.reason})")


def _check_index(engine: Engine) -> None:
    problem = engine.index_problem()
    if problem:  # missing, stale, or (Elasticsearch) unreachable
        _fail(problem)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="free text")],
    kind: Annotated[Kind | None, typer.Option(help="achievement or need")] = None,
    field: Annotated[str | None, typer.Option(help="taxonomy code")] = None,
    region: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Free-text search over the listings."""
    from service.search import search as run_search

    engine = _engine()
    _check_index(engine)
    try:
        page = run_search(
            engine, query, kind=kind, filters=Filters(field=field, region=region), page_size=limit
        )
    except ValueError as exc:
        _fail(str(exc))
        return
    if json_out:
        typer.echo(page.model_dump_json(indent=2))
        return
    table = Table(title=f"{page.total} results for {query!r}")
    for column in ("id", "kind", "title", "organisation", "field", "region"):
        table.add_column(column)
    for item in page.items:
        table.add_row(
            item.id,
            item.kind.label,
            item.title,
            item.organisation,
            item.field_label,
            item.region or "",
        )
    console.print(table)


@app.command()
def match(
    listing_id: Annotated[str, typer.Argument(metavar="ID", help="a need or achievement id")],
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ranked counterparts of a need or an achievement, with explanations."""
    from service.matching.matcher import Matcher, NotPublishedError

    engine = _engine()
    _check_index(engine)
    kind = _find_kind(engine, listing_id)
    try:
        result = Matcher(engine).match(kind, listing_id, limit)
    except NotPublishedError as exc:
        _fail(str(exc))
        return
    if json_out:
        typer.echo(result.model_dump_json(indent=2))
        return
    console.print(f"[bold]{result.source.title}[/bold] ({result.source.organisation})")
    if result.notice:
        console.print(f"[yellow]{result.notice}[/yellow]")
    for m in result.matches:
        console.print(f"{m.rank:>2}. {m.score:.3f}  {m.id}  {m.title}  [dim]{m.organisation}[/dim]")
        parts = "  ".join(f"{c.label} {c.contribution:.2f}" for c in m.components)
        console.print(f"      {parts}")
        if m.shared_terms:
            console.print("      共同关键词: " + "、".join(m.shared_terms))
        for note in m.mismatches:
            console.print(f"      [red]不符:[/red] {note}")


def _find_kind(engine: Engine, listing_id: str) -> Kind:
    for kind in Kind:
        try:
            engine.catalog.get(kind, listing_id)
            return kind
        except NotFoundError:
            continue
    _fail(f"no achievement or need with id {listing_id!r}")
    raise AssertionError  # unreachable


@app.command("eval")
def evaluate(
    beir_dir: Annotated[
        Path | None, typer.Argument(help="BEIR directory; none = seed gold")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """nDCG@10, MRR@10, Recall@10 and Recall@100 on a BEIR set or the seed gold judgments."""
    from service.evaluation import METRICS, evaluate_beir
    from service.gold import evaluate_gold

    engine = _engine()
    engine.semantic  # loads the model, or logs why it cannot  # noqa: B018
    report: dict[str, Any]
    with _progress() as advance:
        try:
            if beir_dir is None:
                report = evaluate_gold(engine, advance)
            else:
                report = evaluate_beir(engine, beir_dir, advance)
        except (FileNotFoundError, ValueError) as exc:
            _fail(str(exc))
            return
    if json_out:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    rows: dict[str, Any] = report if beir_dir is None else {beir_dir.name: report}
    table = Table(title="retrieval quality")
    table.add_column("set")
    for metric in (*METRICS, "queries"):
        table.add_column(metric, justify="right")
    for name, metrics in rows.items():
        table.add_row(name, *(f"{metrics[m]:g}" for m in (*METRICS, "queries")))
    console.print(table)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: TECHMATCH_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: TECHMATCH_PORT")] = None,
) -> None:
    """Serve the web marketplace and the JSON API."""
    import uvicorn

    from service.app import create_app

    settings: Settings = get_settings()
    try:
        application = create_app(settings)
    except IndexError_ as exc:
        _fail(str(exc))
        return
    uvicorn.run(
        application,
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
    )


@app.command()
def up() -> None:
    """Seed, index and serve: the whole marketplace in one command."""
    seed()
    index(rebuild=False, backend=None)
    _hint_first_accounts()
    serve(None, None)


def _hint_first_accounts() -> None:
    """On a market with no broker yet, say how to make one (brokers cannot sign up)."""
    from sqlalchemy import func, select

    from service.accounts.models import UserRow

    engine = _engine()
    with engine.catalog.engine.connect() as conn:
        brokers = conn.scalar(select(func.count()).where(UserRow.role.in_(("broker", "admin"))))
    engine.close()
    if not brokers:
        err.print(
            "no broker account yet: `techmatch user create NAME --role broker` makes one "
            "(enterprises and universities sign up at /signup)"
        )


def _register_subcommands() -> None:
    from service import cli_suggest, cli_users

    cli_users.register(app)
    cli_suggest.register(app)


_register_subcommands()


def _register_quality() -> None:
    from service import cli_quality

    cli_quality.register(app)


_register_quality()
