"""What every command shares: the consoles, the market opened from the settings, a progress
bar, and one way to fail with a clear message (never a traceback)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from indexer.base import Progress as ProgressCallback
from service.accounts import Accounts
from service.catalog import Catalog, NotFoundError, SchemaOutdatedError
from service.config import Settings, get_settings
from service.listings.schemas import Kind

if TYPE_CHECKING:
    from service.composition import Components

console = Console()
err = Console(stderr=True)


class _WarnOnce(logging.Filter):
    """Each warning once per process: `techmatch up` opens the market for every step, and the
    model's "semantic matching is off" would otherwise print again at each."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[tuple[str, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, record.getMessage())
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


_warn_once = _WarnOnce()


def settings_for(backend: str | None = None, model: str | None = None) -> Settings:
    """The process settings, with a command's overrides, and logging set up from them."""
    settings = get_settings()
    updates = {k: v for k, v in (("search_backend", backend), ("embedding_model", model)) if v}
    if updates:
        settings = settings.model_copy(update=updates)
    root = logging.getLogger()
    if not root.handlers:  # the command's own console handler (not a host's, e.g. pytest's)
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler.addFilter(_warn_once)  # each warning once per process
        root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return settings


@contextmanager
def market(backend: str | None = None, model: str | None = None) -> Iterator[Components]:
    """The market described by the settings, closed afterwards. A fresh catalog is created; an
    out-of-date schema stops the command with the instruction to run ``techmatch migrate``."""
    from service.composition import open_components  # the whole market: only when opened

    with open_components(settings_for(backend, model)) as parts:
        try:
            parts.catalog.ensure_schema()
        except SchemaOutdatedError as exc:
            fail(str(exc))
        yield parts


def open_market(settings: Settings) -> AbstractContextManager[Components]:
    """``open_components``, imported when a command opens the market (not at start-up)."""
    from service.composition import open_components

    return open_components(settings)


def scratch_of(
    parent: Components, progress: ProgressCallback | None
) -> AbstractContextManager[Components]:
    """``scratch_market``, imported when a command needs one."""
    from service.composition import scratch_market

    return scratch_market(parent, progress)


@dataclass(frozen=True)
class AccountsOnly:
    """The catalog and the accounts, without the rest of the market (no model, no index, no
    jieba): what the account commands use, so they answer in a second while a server runs."""

    catalog: Catalog
    accounts: Accounts


@contextmanager
def accounts_market() -> Iterator[AccountsOnly]:
    """``market`` for the account commands: the catalog and the accounts only."""
    catalog = Catalog(settings_for().catalog_url)
    try:
        try:
            catalog.ensure_schema()
        except SchemaOutdatedError as exc:
            fail(str(exc))
        yield AccountsOnly(catalog, Accounts(catalog.engine))
    finally:
        catalog.close()


@contextmanager
def progress_bar(total: int | None = None, label: str = "") -> Iterator[ProgressCallback]:
    """A rich progress bar fed by (description, items done) callbacks; with ``label`` the bar
    is named by it and the callback's description says what is being done now."""
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
            shown = f"{label}（当前：{description}）" if label else description
            bar.update(task, description=shown, advance=done)

        yield advance


def fail(message: str, code: int = 1) -> None:
    """Print ``error: message`` and leave with ``code``."""
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def check_index(parts: Components) -> None:
    problem = parts.indexing.problem()
    if problem:  # missing, stale, or (Elasticsearch) unreachable
        fail(problem)


def find_kind(parts: Components, listing_id: str) -> Kind:
    for kind in Kind:
        try:
            parts.catalog.get(kind, listing_id)
            return kind
        except NotFoundError:
            continue
    fail(f"no achievement or need with id {listing_id!r}")
    raise AssertionError  # unreachable
