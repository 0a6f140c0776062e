"""``techmatch migrate``, ``backup``, ``restore`` and ``sweep``: the operator's care of the
catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.catalog import schema
from service.catalog.backup import (
    CatalogFile,
    NotACatalogError,
    inspect_file,
    postgres_instructions,
    sqlite_path,
)
from service.catalog.backup import (
    backup as backup_file,
)
from service.catalog.backup import (
    restore as restore_file,
)
from service.cli.common import console, err, fail, open_market, progress_bar, settings_for

COUNT_LABELS = {
    "achievements": "科技成果",
    "needs": "技术需求",
    "users": "账号",
    "desk_matches": "对接记录",
    "desk_stage_changes": "阶段变更",
}


def register(app: typer.Typer) -> None:
    app.command()(migrate)
    app.command()(backup)
    app.command()(restore)
    app.command()(sweep)


def sweep() -> None:
    """Run the background sweep now: withdraw listings whose term ended, remind owners of
    terms and deadlines, and bring every account's inbox up to date (a serving process does
    this by itself every TECHMATCH_UPKEEP_SECONDS)."""
    with open_market(settings_for()) as parts:
        parts.catalog.ensure_schema()
        withdrawn = parts.watcher.run_terms(force=True)
        swept = parts.watcher.sweep_all(force=True, terms=False)
    console.print(f"已检查 {swept} 个账号的消息；到期下架 {len(withdrawn)} 条信息。")
    for listing_id in withdrawn:
        console.print(f"  已下架：{listing_id}")


def _summary(found: CatalogFile) -> str:
    counts = "，".join(f"{COUNT_LABELS[k]} {v}" for k, v in found.counts.items())
    return f"{counts}（数据库版本 {found.revision or '0.1.0 之前的无版本记录'}）"


def migrate() -> None:
    """Upgrade the catalog's schema to this release (back it up first)."""
    settings = settings_for()
    with open_market(settings) as parts:
        engine = parts.catalog.engine
        if (schema.revision(engine) or "") not in {"", *schema.known_revisions()}:
            fail(f"数据库版本 {schema.revision(engine)} 来自更新的 TechMatch，无法降级")
        before, after = schema.upgrade(engine)
    if before == after:
        console.print(f"目录数据库已是最新结构（版本 {after}），无需迁移。")
    else:
        console.print(f"目录数据库已升级：{before or '无版本记录（新建或 0.1.0）'} → {after}")


def backup(
    file: Annotated[Path, typer.Argument(help="the backup file to write (SQLite)")],
    force: Annotated[bool, typer.Option("--force", help="overwrite FILE if it exists")] = False,
) -> None:
    """Copy the catalog and the accounts into FILE, consistently, while the service runs."""
    settings = settings_for()
    live = sqlite_path(settings.catalog_url)
    if live is None:
        err.print(
            postgres_instructions(settings.catalog_url, str(file), restoring=False),
            soft_wrap=True,
            markup=False,
        )
        raise typer.Exit(2)
    if not live.exists():
        fail(f"{live}: 还没有目录数据库，没有可备份的内容")
    if file.exists() and not force:
        fail(f"{file} 已存在；换一个文件名，或加 --force 覆盖")
    if file.resolve() == live.resolve():
        fail("备份文件不能是正在使用的目录数据库本身")
    found = backup_file(live, file)
    console.print(f"已备份到 {file}：{_summary(found)}")


def restore(
    file: Annotated[Path, typer.Argument(help="a file written by `techmatch backup`")],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Replace the catalog and the accounts by FILE's, then rebuild the search index from it."""
    settings = settings_for()
    live = sqlite_path(settings.catalog_url)
    if live is None:
        err.print(
            postgres_instructions(settings.catalog_url, str(file), restoring=True),
            soft_wrap=True,
            markup=False,
        )
        raise typer.Exit(2)
    try:
        found = inspect_file(file)
    except NotACatalogError as exc:
        fail(str(exc))
        return
    if live.exists() and file.resolve() == live.resolve():
        fail("备份文件就是正在使用的目录数据库本身")
    console.print(f"{file}：{_summary(found)}")
    if not yes and not typer.confirm(f"用它替换 {live} 中的全部目录和账号？", default=False):
        fail("未恢复，目录没有改动")
    try:
        restore_file(file, live)
    except NotACatalogError as exc:
        fail(str(exc))
    with open_market(settings) as parts:
        before, after = schema.upgrade(parts.catalog.engine)
        if before != after:
            console.print(f"备份来自旧版本，已升级数据库结构：{before or '0.1.0'} → {after}")
        parts.encoder.status  # loads the model, or logs why it cannot  # noqa: B018
        with progress_bar(parts.indexing.total_published()) as advance:
            report = parts.indexing.rebuild(advance, reason="restored from a backup")
    indexed = report.counts
    console.print(
        f"已从 {file} 恢复目录，并重建检索索引（科技成果 {indexed.get('achievement', 0)}，"
        f"技术需求 {indexed.get('need', 0)}）。正在运行的服务请重新启动。"
    )
