"""Upgrades lose nothing: the schema is managed by Alembic migrations on SQLite and PostgreSQL.

A database of release 0.1.0 (tables made by ``create_all``, no migration record), holding the
frozen rows of ``tests/data/catalog-0.1.0.json`` (listings, owners, accounts, tokens, desk
history, notes, a contract), is refused by the service until ``techmatch migrate`` upgrades
it, and every row is still there afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Date, DateTime, Engine, MetaData, inspect, text
from typer.testing import CliRunner

from service.app import prepare
from service.catalog import Catalog, SchemaOutdatedError, schema
from service.cli import app as cli
from service.composition import build_components
from service.config import get_settings
from service.listings.schemas import Kind
from tests.conftest import make_settings

RELEASE_0_1_0 = Path(__file__).parent / "data" / "catalog-0.1.0.json"
POSTGRES_URL = os.environ.get("TECHMATCH_TEST_POSTGRES_URL")


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                not POSTGRES_URL,
                reason="TECHMATCH_TEST_POSTGRES_URL is not set: no PostgreSQL here "
                "(.ci/postgres starts one)",
            ),
        ),
    ]
)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind."""
    found = f"sqlite:///{tmp_path / 'catalog.sqlite3'}" if request.param == "sqlite" else None
    found = found or POSTGRES_URL
    assert found
    catalog = Catalog(found)
    catalog.drop_schema()
    catalog.close()
    yield found


def _value(column_type: Any, value: Any) -> Any:
    if value is not None and isinstance(column_type, DateTime):
        return dt.datetime.fromisoformat(value)
    if value is not None and isinstance(column_type, Date):
        return dt.date.fromisoformat(value)
    return value


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value


def _make_release_0_1_0(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """0.1.0's tables (revision 0001 is what its create_all made) with no migration record,
    filled with the frozen rows through reflected tables (independent of today's models)."""
    schema.upgrade(engine, schema.INITIAL)
    rows: dict[str, list[dict[str, Any]]] = json.loads(RELEASE_0_1_0.read_text(encoding="utf-8"))
    reflected = MetaData()
    reflected.reflect(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        for name in ("users", "desk_matches", *sorted(rows)):  # parents before children
            table = reflected.tables[name]
            if rows.get(name) and not conn.execute(table.select().limit(1)).first():
                values = [
                    {k: _value(table.c[k].type, v) for k, v in row.items()} for row in rows[name]
                ]
                conn.execute(table.insert(), values)
        if engine.dialect.name == "postgresql":  # ids were given: move the sequences on
            for name in ("users", "api_tokens", "desk_matches", "desk_stage_changes", "desk_notes"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                        f" (SELECT max(id) FROM {name}))"
                    )
                )
    return rows


def _all_rows(engine: Engine, name: str, columns: list[str]) -> list[dict[str, Any]]:
    reflected = MetaData()
    reflected.reflect(engine, only=[name])
    table = reflected.tables[name]
    order = [table.c[c] for c in inspect(engine).get_pk_constraint(name)["constrained_columns"]]
    with engine.connect() as conn:
        result = conn.execute(table.select().order_by(*order)).mappings()
        return [{c: _plain(row[c]) for c in columns} for row in result]


def test_the_migrations_build_exactly_the_models(url: str) -> None:
    catalog = Catalog(url)
    catalog.create_schema()
    with catalog.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), schema.metadata())
    catalog.close()
    assert differences == [], "a model changed without a migration: add a revision"


def test_a_fresh_database_is_created_at_the_newest_revision(url: str) -> None:
    catalog = Catalog(url)
    catalog.ensure_schema()
    assert schema.revision(catalog.engine) == schema.head()
    catalog.close()


def test_a_release_0_1_0_database_is_refused_then_upgraded_with_every_row(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = Catalog(url)
    before = _make_release_0_1_0(catalog.engine)
    assert schema.is_legacy(catalog.engine)
    catalog.close()

    market = build_components(make_settings(tmp_path / "home", database_url=url))
    with pytest.raises(SchemaOutdatedError, match="techmatch migrate"):
        prepare(market)  # the service refuses to start
    market.close()

    monkeypatch.setenv("TECHMATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TECHMATCH_DATABASE_URL", url)
    monkeypatch.setenv("TECHMATCH_EMBEDDING_MODEL", "")
    get_settings.cache_clear()
    try:
        for command in (["serve"], ["seed"]):  # `up` is seed, index, serve
            refused = CliRunner().invoke(cli, command)
            said = " ".join(refused.output.split())  # the console wraps long lines
            assert refused.exit_code == 1 and "techmatch migrate" in said
        migrated = CliRunner().invoke(cli, ["migrate"])
        assert migrated.exit_code == 0, migrated.output
        assert f"→ {schema.head()}" in " ".join(migrated.output.split())
        again = CliRunner().invoke(cli, ["migrate"])
        assert again.exit_code == 0 and "无需迁移" in again.output
    finally:
        get_settings.cache_clear()

    catalog = Catalog(url)
    assert schema.revision(catalog.engine) == schema.head()
    for name, rows in before.items():
        columns = list(rows[0])
        assert _all_rows(catalog.engine, name, columns) == rows, f"{name} changed"
    need = before["needs"][0]
    assert catalog.get(Kind.need, need["id"]).title == need["title"]
    catalog.close()


def test_the_head_written_in_the_code_is_alembics() -> None:
    assert schema.alembic_head() == schema.HEAD, (
        "a new migration revision: set HEAD in service/catalog/schema.py to its id"
    )
