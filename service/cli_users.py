"""``techmatch user …``: accounts from the command line, for set-up and scripts."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from service.accounts import AuthError, Role
from service.accounts.models import UserRow
from service.config import get_settings
from service.engine import Engine

users = typer.Typer(help="Create and list accounts.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


def _engine() -> Engine:
    engine = Engine(get_settings())
    engine.catalog.create_schema()
    return engine


@users.command("create")
def create(
    name: Annotated[str, typer.Argument(help="login name (3–40 letters, digits, _ . -)")],
    role: Annotated[Role, typer.Option(help="enterprise, university, broker or admin")],
    org: Annotated[str | None, typer.Option(help="organisation; default: the market")] = None,
    display_name: Annotated[str | None, typer.Option(help="name shown on pages")] = None,
    password: Annotated[
        str | None,
        typer.Option(help="default: a random one, printed once", envvar="TECHMATCH_NEW_PASSWORD"),
    ] = None,
) -> None:
    """Create an account and print an API token for it (shown once)."""
    engine = _engine()
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    organisation = org or "川东北技术交易市场"
    try:
        user = engine.accounts.create_user(name, password, role, organisation, display_name)
    except AuthError as exc:
        err.print(f"[red]error:[/red] {exc.field}: {exc.message}")
        raise typer.Exit(1) from exc
    token = engine.accounts.create_token(user.id, "cli")
    engine.close()
    console.print(f"created {user.role.value} [bold]{user.username}[/bold] ({user.organisation})")
    if generated:
        console.print(f"password: {password}")
    console.print(f"API token: {token}")
    console.print('use it as: curl -H "Authorization: Bearer <token>" …', style="dim")


@users.command("token")
def token(name: Annotated[str, typer.Argument(help="login name")]) -> None:
    """Print a new API token for an existing account."""
    engine = _engine()
    user = engine.accounts.by_username(name)
    if user is None:
        err.print(f"[red]error:[/red] no account named {name!r}")
        raise typer.Exit(1)
    value = engine.accounts.create_token(user.id, "cli")
    engine.close()
    console.print(f"API token for {name}: {value}")


@users.command("list")
def list_users() -> None:
    """Every account with its role and organisation."""
    engine = _engine()
    table = Table("id", "username", "role", "organisation", "created")
    with engine.catalog.engine.connect() as conn:
        for row in conn.execute(select(UserRow).order_by(UserRow.id)):
            table.add_row(
                str(row.id), row.username, row.role, row.organisation, f"{row.created_at:%Y-%m-%d}"
            )
    engine.close()
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(users, name="user")
