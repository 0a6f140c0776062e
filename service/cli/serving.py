"""``techmatch index``, ``serve`` and ``up``: keep the index current and serve the market."""

from __future__ import annotations

import os
import time
from typing import Annotated

import typer
from sqlalchemy import func, select

from indexer.backends.factory import BACKENDS
from indexer.base import IndexError_
from service.accounts.models import UserRow
from service.cli.common import console, err, fail, market, progress_bar, settings_for

WORKER_HEALTHCHECK_SECONDS = 60
"""How long uvicorn's supervisor waits for a worker process to answer its health ping. A new
worker is started by *spawning* a fresh interpreter, which first re-imports the ``techmatch``
script's module (the whole command line and the parts it opens: 2–4 s on a busy 2-core machine)
before the thread that answers the ping runs; uvicorn's default of 5 s then took a healthy
worker that was still importing for a dead one, killed it and logged "Child process [...]
died" before starting another."""


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
"""One BLAS thread per worker process: the workers already use every core, and OpenBLAS's own
threads then only contend (a 3,800 × 384 product took 2.1 ms with two threads against 0.3 ms
with one on the busy 2-core machine). Set any of them to override."""


def register(app: typer.Typer) -> None:
    app.command()(index)
    app.command()(serve)
    app.command()(up)


def index(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="rebuild from scratch")] = False,
    backend: Annotated[
        str | None,
        typer.Option(help="embedded | elasticsearch; default TECHMATCH_SEARCH_BACKEND"),
    ] = None,
    keep: Annotated[
        bool,
        typer.Option(
            "--keep/--no-keep",
            help="then compute and keep every published listing's matches and the common "
            "needs, so that the first page views read them",
        ),
    ] = True,
) -> None:
    """Bring the search index up to date with the catalog (and the kept matches with it)."""
    if backend not in (None, *BACKENDS):
        fail(f"--backend: unknown backend {backend!r} (known: {', '.join(BACKENDS)})")
    with market(backend) as parts:
        parts.encoder.status  # loads the model, or logs why it cannot  # noqa: B018
        try:
            first = not rebuild and not parts.index.exists()
            total = parts.indexing.total_published()
            with progress_bar(total, label=f"成果与需求共 {total} 条") as advance:
                report = parts.indexing.sync(advance, force=rebuild)
        except IndexError_ as exc:
            fail(str(exc))
            return
        if keep:
            with progress_bar(total, label="预先计算匹配结果") as advance:
                warm = parts.upkeep.warmer.run(progress=advance)
    if first:
        report.reason = "first build: there was no index yet"
    console.print(
        f"{report.mode}: {report.added} added, {report.updated} updated, {report.removed} "
        f"removed, {report.unchanged} unchanged; {report.embedded} texts embedded; "
        f"vectors {'on' if report.vectors else 'off'}; {report.seconds:.1f} s"
    )
    if report.reason:
        console.print(f"  (why a rebuild: {report.reason})")
    if keep:
        console.print(
            f"matches kept: {warm.computed} computed, {warm.skipped} already kept, "
            f"with the common needs; {warm.seconds:.1f} s"
        )


def serve(
    host: Annotated[str | None, typer.Option(help="default: TECHMATCH_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: TECHMATCH_PORT")] = None,
    workers: Annotated[int | None, typer.Option(help="default: TECHMATCH_WORKERS")] = None,
) -> None:
    """Serve the web marketplace and the JSON API with several worker processes.

    The start-up work (index built, checked and reconciled) runs once here; each worker then
    builds its own parts from the same settings, sharing the catalog and the index files.
    """
    import uvicorn

    from service.app import CHECKED_BY_SERVE, prepare

    for name in BLAS_THREADS:  # read by numpy in each spawned worker when it starts
        os.environ.setdefault(name, "1")
    settings = settings_for()
    started = time.monotonic()
    with market() as parts:  # refuse to start on an index built for other settings
        try:
            prepare(parts)
        except IndexError_ as exc:
            fail(str(exc))
    count = workers or settings.workers
    err.print(
        f"start-up checks done in {time.monotonic() - started:.1f} s (catalog schema, model, "
        f"index); starting {count} worker process{'es' if count > 1 else ''}: each answers "
        "as soon as it has opened the market, then loads the model and keeps match lists "
        "current in the background"
    )
    os.environ[CHECKED_BY_SERVE] = "1"  # the workers skip what was just done here
    try:
        uvicorn.run(
            "service.app:create_app",
            factory=True,
            workers=count,
            host=host or settings.host,
            port=port or settings.port,
            log_level=settings.log_level.lower(),
            proxy_headers=False,  # X-Forwarded-For is read from TECHMATCH_TRUSTED_PROXIES only
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )
    finally:
        os.environ.pop(CHECKED_BY_SERVE, None)  # an in-process caller (a test) is not a worker


def up() -> None:
    """Seed, index and serve: the whole marketplace in one command."""
    from service.cli.listings import seed

    seed()
    index(rebuild=False, backend=None)
    _hint_first_accounts()
    serve(None, None, None)


def _hint_first_accounts() -> None:
    """On a market with no broker yet, say how to make one (brokers cannot sign up)."""
    with market() as parts, parts.catalog.engine.connect() as conn:
        brokers = conn.scalar(select(func.count()).where(UserRow.role.in_(("broker", "admin"))))
    if not brokers:
        err.print(
            "no broker account yet: `techmatch user create NAME --role broker` makes one "
            "(enterprises and universities sign up at /signup)"
        )
