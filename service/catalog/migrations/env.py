"""Alembic's environment for the catalog: run by ``service.catalog.schema`` with the catalog's
own connection (``config.attributes["connection"]``); never reads alembic.ini or the process
environment."""

from __future__ import annotations

from alembic import context

from service.catalog.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata(),
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
