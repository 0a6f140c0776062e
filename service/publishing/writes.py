"""The one write path for listings, shared by the API, the pages and the CLI.

Every create, edit, withdrawal, publication and import goes through ``ListingWriter``:

- enterprises and universities always post under their own organisation's name, whatever the
  request says (brokers and admins post for anyone);
- the catalog write is one transaction; it lands whole or not at all;
- then the index is updated for exactly the listings written. If that fails, the write stands:
  the failure is logged and shown on ``/api/health`` (``IndexSync.last_failure``), and the next
  ``techmatch index`` (or the next start) repairs the index;
- and the audit trail records who wrote which listing (``AuditLog``), in the catalog write's
  own transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from indexer.sync import IndexSync
from service.accounts import User
from service.audit import AuditAction, AuditLog
from service.catalog import Catalog
from service.catalog.repository import Upserted
from service.listings.schemas import Kind, Listing, Status
from service.publishing.loader import ImportReport, import_file, seed


class ListingWriter:
    def __init__(self, catalog: Catalog, indexing: IndexSync, audit: AuditLog) -> None:
        self.catalog = catalog
        self.indexing = indexing
        self.audit = audit

    def create(self, kind: Kind, data: BaseModel, user: User | None) -> Listing:
        """A new listing owned by ``user`` (none for brokers, admins and the CLI)."""
        organisation = _own_organisation(user)
        if organisation is not None:
            data = data.model_copy(update={kind.organisation_field: organisation})
        owner = None if user is None or user.sees_everything else user.id

        def audited(session: Session, listing: Listing) -> None:
            note = None if listing.is_published else "保存为草稿"
            self.audit.add(session, user, AuditAction.created, kind, [listing.id], note)

        listing: Listing = self.catalog.create(kind, data, owner_id=owner, then=audited)
        self.indexing.apply_after_commit(kind.value, [listing])
        return listing

    def update(
        self, kind: Kind, listing_id: str, changes: dict[str, Any], user: User | None
    ) -> Listing:
        """Apply a partial update (the whole listing is validated again before it is written)."""
        organisation = _own_organisation(user)
        if organisation is not None and kind.organisation_field in changes:
            changes = {**changes, kind.organisation_field: organisation}

        def audited(session: Session, before: Listing, after: Listing) -> None:
            self._record_change(session, user, before, after)

        listing: Listing = self.catalog.patch(kind, listing_id, changes, then=audited)
        self.indexing.apply_after_commit(kind.value, [listing])
        return listing

    def set_status(
        self, kind: Kind, listing_id: str, status: Status, user: User | None = None
    ) -> Listing:
        """Publish, withdraw or turn back into a draft."""
        return self.update(kind, listing_id, {"status": status.value}, user)

    def _record_change(
        self, session: Session, user: User | None, before: Listing, after: Listing
    ) -> None:
        fields = [f for f in type(after).model_fields if f not in ("updated_at", "status")]
        changed = [f for f in fields if getattr(before, f) != getattr(after, f)]
        detail = "、".join(changed) or None
        if before.status != after.status:
            action = STATUS_ACTIONS[after.status]
            detail = f"修改：{detail}" if detail else None
        elif changed:
            action = AuditAction.updated
        else:
            return  # nothing changed, nothing to record
        self.audit.add(session, user, action, after.kind, [after.id], detail)

    def import_file(
        self, kind: Kind, path: Path, user: User | None, name: str | None = None
    ) -> ImportReport:
        """Import a JSONL, CSV or Excel file (``name``: as the uploader called it); index
        exactly the rows written.

        Blocking work: the web runs it in a worker thread, never on the event loop.
        """
        owner = None if user is None or user.sees_everything else user.id
        report = import_file(
            self.catalog, kind, path, owner_id=owner, organisation=_own_organisation(user),
            then=self._imported(user, kind, name or path.name),
        )  # fmt: skip
        if report.written:
            written = self.catalog.get_many(kind, report.written)
            self.indexing.apply_many_after_commit(kind.value, list(written.values()))
        return report

    def _imported(self, user: User | None, kind: Kind, detail: str) -> Upserted:
        def audited(session: Session, ids: list[str]) -> None:
            self.audit.add(session, user, AuditAction.imported, kind, ids, detail)

        return audited

    def seed(self, seed_dir: Path) -> list[ImportReport]:
        """Load every seed file (idempotent: upsert by id); ``techmatch index`` follows."""
        return seed(
            self.catalog,
            seed_dir,
            lambda kind, path: self._imported(None, kind, f"种子数据 {path.name}"),
        )


STATUS_ACTIONS = {
    Status.published: AuditAction.published,
    Status.withdrawn: AuditAction.withdrawn,
    Status.draft: AuditAction.drafted,
}


def _own_organisation(user: User | None) -> str | None:
    """The name an enterprise or university must post under; None for brokers and admins."""
    if user is None or user.sees_everything:
        return None
    return user.organisation
