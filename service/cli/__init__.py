"""The ``techmatch`` command line: one module per command group, registered here.

| module | commands |
| --- | --- |
| ``listings`` | ``seed``, ``import``, ``search``, ``match`` |
| ``serving`` | ``index``, ``serve``, ``up`` |
| ``quality`` | ``eval``, ``report``, ``tune`` |
| ``suggest`` | ``suggest-eval`` |
| ``users`` | ``user create``, ``user token``, ``user list`` |
| ``admin`` | ``migrate``, ``backup``, ``restore`` |
| ``programmes`` | ``common-needs`` |
| ``terms`` | ``terms`` |

``common`` holds what they share (the market opened from the settings, progress bars, errors).
"""

from __future__ import annotations

import typer

from service.cli import admin, listings, programmes, quality, serving, suggest, terms, users


def build() -> typer.Typer:
    app = typer.Typer(
        help="TechMatch: 川东北技术交易市场 matchmaking engine.", no_args_is_help=True
    )
    for group in (listings, serving, quality, suggest, terms, users, admin, programmes):
        group.register(app)
    return app


app = build()
