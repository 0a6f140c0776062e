"""``techmatch user …``: accounts from the command line, for set-up and scripts."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from service.accounts import AuthError, Role
from service.accounts.models import UserRow
from service.cli.common import accounts_market, console, fail

users = typer.Typer(help="Create and list accounts.", no_args_is_help=True)


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
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    organisation = org or "川东北技术交易市场"
    with accounts_market() as parts:
        try:
            user = parts.accounts.create_user(name, password, role, organisation, display_name)
        except AuthError as exc:
            fail(f"{exc.field}: {exc.message}")
            return
        token = parts.accounts.create_token(user.id, "cli")
    console.print(f"created {user.role.value} [bold]{user.username}[/bold] ({user.organisation})")
    if generated:
        console.print(f"password: {password}")
    console.print(f"API token: {token}")
    console.print('use it as: curl -H "Authorization: Bearer <token>" …', style="dim")


@users.command("token")
def token(name: Annotated[str, typer.Argument(help="login name")]) -> None:
    """Print a new API token for an existing account."""
    with accounts_market() as parts:
        user = parts.accounts.by_username(name)
        if user is None:
            fail(f"no account named {name!r}")
            return
        value = parts.accounts.create_token(user.id, "cli")
    console.print(f"API token for {name}: {value}")


@users.command("list")
def list_users() -> None:
    """Every account with its role and organisation."""
    table = Table("id", "username", "role", "organisation", "created")
    with accounts_market() as parts, parts.catalog.engine.connect() as conn:
        for row in conn.execute(select(UserRow).order_by(UserRow.id)):
            table.add_row(
                str(row.id), row.username, row.role, row.organisation, f"{row.created_at:%Y-%m-%d}"
            )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(users, name="user")
