"""Online backups of a SQLite catalog (listings, owners, accounts, broker desk: one file).

Both directions use SQLite's backup API (``sqlite3.Connection.backup``), which copies the
database through SQLite's own locking: a backup taken while the service writes is one
consistent snapshot, and a restore is seen whole by every open connection (copying or
replacing the file under a live WAL database could corrupt it). PostgreSQL catalogs are backed
up with ``pg_dump`` (``postgres_instructions`` says how).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import make_url

from service.catalog.schema import known_revisions

REQUIRED_TABLES = {"achievements", "needs", "listing_owners", "users"}
COUNTED = ("achievements", "needs", "users", "desk_matches", "desk_stage_changes")


class NotACatalogError(ValueError):
    """The file is not a TechMatch catalog (or not a SQLite database at all)."""


@dataclass
class CatalogFile:
    """What a catalog file holds: its schema revision and row counts of the main tables."""

    path: Path
    revision: str | None
    counts: dict[str, int] = field(default_factory=dict)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases (and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def inspect_file(path: Path) -> CatalogFile:
    """Check that ``path`` is a sound SQLite database holding a TechMatch catalog."""
    if not path.is_file():
        raise NotACatalogError(f"{path}: 文件不存在")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            missing = REQUIRED_TABLES - tables
            if check != "ok":
                raise NotACatalogError(f"{path}: SQLite 完整性检查未通过（{check}）")
            if missing:
                raise NotACatalogError(
                    f"{path}: 不是 TechMatch 目录数据库（缺少表：{'、'.join(sorted(missing))}）"
                )
            revision = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
            counts = {
                t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                for t in COUNTED
                if t in tables
            }
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise NotACatalogError(f"{path}: 不是 SQLite 数据库（{exc}）") from exc
    return CatalogFile(path, revision, counts)


def backup(source: Path, target: Path) -> CatalogFile:
    """Copy the live catalog at ``source`` into a new file ``target``, consistently."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(partial)
    try:
        with dst:
            src.backup(dst)  # one step: a single consistent snapshot of the source
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()
    partial.replace(target)
    return inspect_file(target)


def restore(backup_file: Path, live: Path) -> CatalogFile:
    """Replace the live catalog's content by the backup's (checked first), through SQLite so
    that connections held by a running service see either the old or the new content."""
    found = inspect_file(backup_file)
    known = known_revisions()
    if found.revision is not None and found.revision not in known:
        raise NotACatalogError(
            f"{backup_file}: 由更新版本的 TechMatch 备份（数据库版本 {found.revision}），"
            "请用该版本恢复"
        )
    live.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    dst = sqlite3.connect(live, timeout=60)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return found


def postgres_instructions(url: str, file: str, restoring: bool) -> str:
    """How to back up or restore a PostgreSQL catalog with its own tools."""
    parsed = make_url(url).set(drivername="postgresql")
    target = parsed.render_as_string(hide_password=True)
    if not restoring:
        return (
            "目录使用 PostgreSQL：请用 PostgreSQL 自带的工具备份（一致的在线快照），例如\n"
            f"  PGPASSWORD=… pg_dump --format=custom --file {file} '{target}'\n"
            "恢复见 `techmatch restore --help`。"
        )
    return (
        "目录使用 PostgreSQL：请先停止服务，用 PostgreSQL 自带的工具恢复，例如\n"
        f"  PGPASSWORD=… pg_restore --clean --if-exists --no-owner --dbname '{target}' {file}\n"
        "然后运行 `techmatch migrate`（旧版本的备份需要升级）和 `techmatch index --rebuild`"
        "（从恢复的目录重建检索索引），再启动服务。"
    )
