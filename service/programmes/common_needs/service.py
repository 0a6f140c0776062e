"""共性需求凝练: proposed groups of needs, the admin's review, and the 重大科技需求目录.

The grouping (``grouping.py``) proposes; proposals are stored so an admin can rename, merge,
split, remove a member, dismiss, or publish a group into the catalogue. A group an admin has
touched is never replaced by a later run; untouched proposals are recomputed whenever the
published needs change, and a new need that fits a reviewed group is proposed for it
(``suggested``) rather than regrouped. Reads are cheap: the needs are regrouped only when
their fingerprint differs from the stored one, and answered lists are kept per process
(``group_reads.py``).
"""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from service.catalog import Catalog
from service.catalog.db import CatalogBusyError, retry_when_locked
from service.catalog.models import utcnow
from service.listings.schemas import Kind
from service.programmes.common_needs.group_matching import GroupMatcher
from service.programmes.common_needs.group_reads import (
    MAX_ACHIEVEMENTS,
    Lru,
    groups_stamp,
    lock_mark,
    needs_mark,
    store_mark,
    stored_mark,
)
from service.programmes.common_needs.grouping import NeedGrouper
from service.programmes.common_needs.models import CommonNeedMemberRow, CommonNeedRow
from service.programmes.common_needs.views import (
    CommonNeed,
    CommonNeedList,
    GroupMatch,
    GroupStatus,
    Member,
)
from service.programmes.errors import (
    ProgrammeConflictError,
    ProgrammeInputError,
    ProgrammeNotFoundError,
)

KEPT = (GroupStatus.reviewed, GroupStatus.published, GroupStatus.dismissed)
TITLE_MAX = 100


log = logging.getLogger(__name__)
REVIEWED = CommonNeedRow.status.in_(["reviewed", "published"])


def _kept(session: Session) -> set[str]:
    """Needs in groups an admin has touched (every status but proposed): not regrouped."""
    query = (
        select(CommonNeedMemberRow.need_id)
        .join(CommonNeedRow, CommonNeedRow.id == CommonNeedMemberRow.group_id)
        .where(CommonNeedRow.status != "proposed")
    )
    return set(session.scalars(query))


class CommonNeeds:
    def __init__(
        self, engine: Engine, catalog: Catalog, grouper: NeedGrouper, ranker: GroupMatcher
    ) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.catalog = catalog
        self.grouper = grouper
        self.ranker = ranker
        self._refreshing = threading.Lock()  # one regrouping at a time in this process
        self._checked: tuple[Any, ...] | None = None  # catalog version the needs were checked at
        self._lists: Lru[CommonNeedList] = Lru()
        self._listing = threading.Lock()  # one answer made at a time in this process

    # ---- proposals ---------------------------------------------------------------------
    def _needs(self) -> builtins.list[Any]:
        return list(self.catalog.iter_all(Kind.need, published_only=True))

    def refresh(self, *, force: bool = False) -> bool:
        """Recompute the untouched proposals if the published needs changed; True if it ran.

        Cheap when nothing changed: one look at the catalog's version while it stays the same
        in this process, else one scan of the needs against the stored fingerprint. While
        another thread of this process regroups (the background upkeep, after a change), a
        read does not wait for it: it serves the stored groups (stale by that change)."""
        seen = (self.catalog.version(), self.grouper.semantic)
        if not force and seen == self._checked:
            return False
        if not self._refreshing.acquire(blocking=force):
            return False
        try:
            try:
                ran = self._refresh(force)
            except IntegrityError:  # another process grouped the same needs at the same time
                ran = False
            except CatalogBusyError:  # writers kept the lock: serve the stored groups
                log.warning("common needs: regrouping postponed, the catalog stayed locked")
                return False
            self._checked = seen
            return ran
        finally:
            self._refreshing.release()

    def _refresh(self, force: bool) -> bool:
        """Group with no lock held (the clustering takes seconds), then write the proposals
        in one short transaction, so other writers never wait for the clustering."""
        needs = self._needs()
        mark = needs_mark(needs, self.grouper.semantic)
        with self._sessions() as session:
            if not force and stored_mark(session) == mark:
                return False
            kept = _kept(session)
            reviewed = session.scalar(select(CommonNeedRow.id).where(REVIEWED)) is not None
        proposals = self.grouper.group([n for n in needs if n.id not in kept])
        sim = self.grouper.similarity(needs)[0] if reviewed else None
        return self._store(needs, mark, force, proposals, sim)

    @retry_when_locked
    def _store(
        self, needs: Sequence[Any], mark: str, force: bool, proposals: Sequence[Any], sim: Any
    ) -> bool:
        with self._sessions.begin() as session:
            lock_mark(session)  # then look again: a worker that waited finds the needs grouped
            if not force and stored_mark(session) == mark:
                return False
            proposed = list(
                session.scalars(select(CommonNeedRow).where(CommonNeedRow.status == "proposed"))
            )
            ids = [r.id for r in proposed]
            session.execute(
                delete(CommonNeedMemberRow).where(CommonNeedMemberRow.group_id.in_(ids))
            )
            session.execute(delete(CommonNeedRow).where(CommonNeedRow.id.in_(ids)))
            taken = _kept(session)  # a review since the grouping may have taken a need
            for proposal in proposals:
                members = [nid for nid in proposal.need_ids if nid not in taken]
                if len(members) < 2:
                    continue
                row = CommonNeedRow(
                    title=proposal.title,
                    status="proposed",
                    key_terms=proposal.key_terms,
                    fingerprint=mark,
                )
                session.add(row)
                session.flush()
                for nid in members:
                    session.add(
                        CommonNeedMemberRow(
                            group_id=row.id, need_id=nid, similarity=proposal.similarities.get(nid)
                        )
                    )
            if sim is not None:
                self._suggest(session, needs, sim)
            store_mark(session, mark)
        return True

    def _suggest(self, session: Session, needs: Sequence[Any], sim: Any) -> None:
        """Propose still-free needs for reviewed and published groups they fit."""
        taken = set(session.scalars(select(CommonNeedMemberRow.need_id)))
        free = [n for n in needs if n.id not in taken]
        groups = list(session.scalars(select(CommonNeedRow).where(REVIEWED)))
        if not free or not groups:
            return
        where = {n.id: i for i, n in enumerate(needs)}
        bar = 1.0 - self.grouper.threshold
        for group in groups:
            rows = self._rows(session, group.id)
            members = [where[m.need_id] for m in rows if not m.removed and m.need_id in where]
            if not members:
                continue
            for need in list(free):
                fit = float(sim[where[need.id], members].mean())
                if fit >= bar:
                    session.add(
                        CommonNeedMemberRow(
                            group_id=group.id,
                            need_id=need.id,
                            suggested=True,
                            similarity=round(fit, 4),
                        )
                    )
                    free.remove(need)

    @staticmethod
    def _rows(session: Session, group_id: int) -> builtins.list[CommonNeedMemberRow]:
        query = select(CommonNeedMemberRow).where(CommonNeedMemberRow.group_id == group_id)
        return list(session.scalars(query.order_by(CommonNeedMemberRow.id)))

    # ---- reads -------------------------------------------------------------------------
    def list(
        self,
        statuses: Sequence[GroupStatus] = (
            GroupStatus.proposed,
            GroupStatus.reviewed,
            GroupStatus.published,
        ),
        *,
        achievements: int = 0,
    ) -> CommonNeedList:
        self.refresh()
        if not 0 <= achievements <= MAX_ACHIEVEMENTS:
            raise ValueError(f"achievements must be 0–{MAX_ACHIEVEMENTS}, not {achievements}")
        ranked = MAX_ACHIEVEMENTS if achievements else 0  # none asked for: no ranking at all
        key = (tuple(statuses), ranked, self.ranker.version(), self._stamp())
        found = self._lists.get(key)
        if found is None:
            with self._listing:  # a request during the warm-up waits for its answer
                found = self._lists.get(key)
                if found is None:
                    found = self._list(statuses, ranked)
                    self._lists.put(key, found)
        groups = [g.model_copy(update={"achievements": g.achievements[:achievements]})
                  for g in found.groups]  # fmt: skip
        return found.model_copy(update={"groups": groups})  # shares what nobody changes

    def _stamp(self) -> tuple[Any, ...]:
        with self._sessions() as session:
            return groups_stamp(session)

    def _list(self, statuses: Sequence[GroupStatus], achievements: int) -> CommonNeedList:
        with self._sessions() as session:
            rows = list(
                session.scalars(
                    select(CommonNeedRow)
                    .where(CommonNeedRow.status.in_([s.value for s in statuses]))
                    .order_by(CommonNeedRow.id)
                )
            )
            members = {r.id: self._rows(session, r.id) for r in rows}
        needs = self.catalog.get_many(Kind.need, [m.need_id for ms in members.values() for m in ms])
        groups = [self._view(r, members[r.id], needs, achievements) for r in rows]
        groups = [g for g in groups if len(g.needs) >= 2 or g.status is not GroupStatus.proposed]
        groups.sort(key=lambda g: (g.status is not GroupStatus.published, -len(g.needs), g.id))
        return CommonNeedList(
            semantic=self.grouper.semantic, threshold=self.grouper.threshold, groups=groups
        )

    def get(self, group_id: int, *, achievements: int = 10) -> CommonNeed:
        self.refresh()
        with self._sessions() as session:
            row = session.get(CommonNeedRow, group_id)
            if row is None:
                raise ProgrammeNotFoundError(f"共性需求 {group_id} 不存在")
            members = self._rows(session, group_id)
        needs = self.catalog.get_many(Kind.need, [m.need_id for m in members])
        return self._view(row, members, needs, achievements)

    def achievements(self, need_ids: Sequence[str], limit: int = 10) -> builtins.list[GroupMatch]:
        return self.ranker.rank(need_ids, limit)

    def _view(
        self,
        row: CommonNeedRow,
        members: Sequence[CommonNeedMemberRow],
        needs: dict[str, Any],
        achievements: int,
    ) -> CommonNeed:
        accepted: builtins.list[Member] = []
        suggested: builtins.list[Member] = []
        for m in members:
            need = needs.get(m.need_id)
            if m.removed or need is None or need.status.value != "published":
                continue
            item = Member(
                id=need.id,
                title=need.title,
                enterprise=need.enterprise,
                region=need.region,
                field=need.field,
                budget_wan=need.budget_wan,
                suggested=m.suggested,
                similarity=m.similarity,
            )
            (suggested if m.suggested else accepted).append(item)
        status = GroupStatus(row.status)
        return CommonNeed(
            id=row.id,
            title=row.title,
            status=status,
            status_label=status.label,
            needs=[m.id for m in accepted],
            members=accepted,
            suggested=suggested,
            enterprises=sorted({m.enterprise for m in accepted}),
            counties=sorted({m.region for m in accepted if m.region}),
            budget_wan=round(sum(m.budget_wan or 0 for m in accepted), 2),
            budget_open=sum(1 for m in accepted if m.budget_wan is None),
            key_terms=list(row.key_terms or []),
            note=row.note,
            published_at=row.published_at,
            achievements=self.ranker.rank([m.id for m in accepted], achievements)
            if achievements
            else [],
        )

    # ---- review (admins) -----------------------------------------------------------------
    def _touch(self, session: Session, group_id: int, user_id: int) -> CommonNeedRow:
        row = session.get(CommonNeedRow, group_id)
        if row is None:
            raise ProgrammeNotFoundError(f"共性需求 {group_id} 不存在")
        if row.status == GroupStatus.proposed:
            row.status = GroupStatus.reviewed.value
        row.reviewed_by, row.updated_at = user_id, utcnow()
        return row

    def rename(self, group_id: int, title: str, user_id: int) -> None:
        title = title.strip()
        if not title or len(title) > TITLE_MAX:
            raise ProgrammeInputError("title", f"名称须为1–{TITLE_MAX}个字")
        with self._sessions.begin() as session:
            self._touch(session, group_id, user_id).title = title

    def merge(self, group_id: int, other_id: int, user_id: int) -> None:
        if group_id == other_id:
            raise ProgrammeInputError("other_id", "不能与自身合并")
        with self._sessions.begin() as session:
            self._touch(session, group_id, user_id)
            other = session.get(CommonNeedRow, other_id)
            if other is None:
                raise ProgrammeInputError("other_id", f"共性需求 {other_id} 不存在")
            for m in self._rows(session, other_id):
                m.group_id = group_id
            session.flush()
            session.delete(other)

    def split(self, group_id: int, need_ids: Sequence[str], user_id: int) -> int:
        """Move ``need_ids`` out into a new reviewed group; returns its id."""
        with self._sessions.begin() as session:
            row = self._touch(session, group_id, user_id)
            rows = {m.need_id: m for m in self._rows(session, group_id) if not m.removed}
            moving = [rows[n] for n in dict.fromkeys(need_ids) if n in rows]
            if len(moving) != len(set(need_ids)) or not moving:
                raise ProgrammeInputError("need_ids", "只能拆出本组现有的需求")
            if len(moving) == len(rows):
                raise ProgrammeInputError("need_ids", "拆分须在原组留下至少一项需求")
            new = CommonNeedRow(
                title=f"{row.title}（拆分）"[:TITLE_MAX],
                status="reviewed",
                key_terms=row.key_terms,
                reviewed_by=user_id,
            )
            session.add(new)
            session.flush()
            for m in moving:
                m.group_id = new.id
            return new.id

    def remove_member(self, group_id: int, need_id: str, user_id: int) -> None:
        with self._sessions.begin() as session:
            self._touch(session, group_id, user_id)
            found = [
                m for m in self._rows(session, group_id) if m.need_id == need_id and not m.removed
            ]
            if not found:
                raise ProgrammeInputError("need_id", f"需求 {need_id} 不在本组")
            found[0].removed = True

    def accept_member(self, group_id: int, need_id: str, user_id: int) -> None:
        with self._sessions.begin() as session:
            self._touch(session, group_id, user_id)
            found = [
                m
                for m in self._rows(session, group_id)
                if m.need_id == need_id and m.suggested and not m.removed
            ]
            if not found:
                raise ProgrammeInputError("need_id", f"需求 {need_id} 不是本组的待确认需求")
            found[0].suggested = False

    def set_status(
        self, group_id: int, status: GroupStatus, user_id: int, note: str | None = None
    ) -> None:
        """Publish into the 重大科技需求目录, withdraw back to reviewed, or dismiss."""
        with self._sessions.begin() as session:
            row = self._touch(session, group_id, user_id)
            if status is GroupStatus.published:
                accepted = [
                    m for m in self._rows(session, group_id) if not m.removed and not m.suggested
                ]
                if len(accepted) < 2:
                    raise ProgrammeConflictError("入目录的共性需求至少要有两项需求")
                row.published_at = utcnow()
            row.status = status.value
            if note is not None:
                row.note = note.strip() or None
