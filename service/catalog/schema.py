"""The catalog's schema, managed by Alembic migrations (``service/catalog/migrations``).

One schema for the whole service (listings, accounts, broker desk) on SQLite and PostgreSQL:

- a fresh, empty database is created at the newest revision (``ensure``), so a first
  ``techmatch up`` needs nothing else;
- an existing database at an older revision is only upgraded on purpose (``techmatch
  migrate``, ``upgrade``); until then the service refuses to start and says so
  (``SchemaOutdatedError``);
- a database made before migrations existed (release 0.1.0 created its tables with
  ``create_all``) has the tables of the first revision and no ``alembic_version``: ``upgrade``
  records it at that revision, then applies the newer ones.
"""

from __future__ import annotations

import functools
import importlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, MetaData, create_engine, inspect, text

from service.catalog.models import Base

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
TABLE_MODULES = (
    "service.accounts.models",
    "service.desk.models",
    "service.programmes.events.models",
    "service.programmes.experts.models",
    "service.audit.models",
    "service.programmes.common_needs.models",
    "service.programmes.challenges.models",
    "service.programmes.wdk.models",
    "service.notifications.models",
    "service.matching.models",
    "service.programmes.offers.models",
)
INITIAL = "0001"  # the schema of release 0.1.0, made by create_all before migrations
VERSION_TABLE = "alembic_version"
LEGACY_MARKER = "achievements"  # a table every TechMatch catalog has had since 0.1.0


class SchemaOutdatedError(RuntimeError):
    """The database's schema is older than this code's; ``techmatch migrate`` upgrades it."""


def metadata() -> MetaData:
    """Every table of the service (importing a module registers its tables on ``Base``)."""
    for module in TABLE_MODULES:
        importlib.import_module(module)
    return Base.metadata


def alembic_config() -> Config:
    from alembic.config import Config  # alembic is imported only when the schema is touched

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


HEAD = "0009_kept_matches"
"""The newest revision in ``migrations/versions/``, written here so that opening an up-to-date
catalog imports no Alembic (a quick CLI command starts faster); a new revision moves it, and
``tests/test_migrations.py`` fails until it matches Alembic's own head."""


def head() -> str:
    """The newest revision this code knows."""
    return HEAD


def alembic_head() -> str:
    """The newest revision as Alembic reads it from the migration scripts."""
    from alembic.script import ScriptDirectory

    found = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert found is not None, "no migration revision found"
    return found


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every revision this code knows (a database at any other was made by a newer release)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    return frozenset(r.revision for r in script.walk_revisions())


def revision(engine: Engine) -> str | None:
    """The database's revision; None when it has no ``alembic_version`` (fresh or legacy)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def is_legacy(engine: Engine) -> bool:
    """Tables made before migrations existed (no revision recorded)."""
    return revision(engine) is None and inspect(engine).has_table(LEGACY_MARKER)


def is_empty(engine: Engine) -> bool:
    return revision(engine) is None and not inspect(engine).get_table_names()


def upgrade(engine: Engine, target: str = "head") -> tuple[str | None, str]:
    """Apply the migrations up to ``target``; returns (revision before, revision after)."""
    from alembic import command

    before = revision(engine)
    if before == head() and target == "head":
        return before, before
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        if before is None and inspect(conn).has_table(LEGACY_MARKER):
            command.stamp(config, INITIAL)  # release 0.1.0's tables are revision 0001
        command.upgrade(config, target)
    return before, revision(engine) or ""


def ensure(engine: Engine) -> None:
    """Create a fresh database at the newest revision; refuse an older one."""
    current = revision(engine)
    if current == head():
        return
    if is_empty(engine):
        upgrade(engine)
        return
    if current is not None and current not in known_revisions():
        raise SchemaOutdatedError(
            f"目录数据库由更新版本的 TechMatch 创建（数据库版本 {current}），本程序无法使用它；"
            "请升级 TechMatch。"
        )
    found = current or "创建于数据库迁移之前（0.1.0）"
    raise SchemaOutdatedError(
        f"目录数据库的结构不是最新的（当前版本：{found}，本程序需要：{head()}）。"
        "请先备份（techmatch backup FILE），再运行 `techmatch migrate` 升级，然后重新启动。"
    )


def make_revision(message: str, rev_id: str) -> None:
    """For developers: autogenerate the next revision from the models (review it before use)
    against a scratch SQLite database at the current head."""
    from alembic import command

    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'head.sqlite3'}")
        upgrade(engine)
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
        engine.dispose()
