"""The broker desk over the catalog's SQL engine: pairs, stage moves, notes, contracts.

Every change of stage, the first one included, writes a StageChangeRow in the same
transaction as the change, so the history always explains the current stage.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from service.accounts import User
from service.catalog import NotFoundError
from service.catalog.models import utcnow
from service.desk import records, rules
from service.desk.deals import DeskDeals
from service.desk.errors import (
    DeskConflictError,
    DeskInputError,
    DeskNotFoundError,
    DeskPermissionError,
)
from service.desk.models import ContractRow, DeskMatchRow, DeskNoteRow, StageChangeRow
from service.desk.opening import AUCTION_CLOSE
from service.desk.records import columns, to_match
from service.desk.stages import LostReason, Stage
from service.desk.views import DeskMatch, Note, StageChange
from service.listings.schemas import Kind, Status

NOTE_MAX = 2000


class Desk(DeskDeals):
    """The desk's storage and rules; callers check roles, the desk checks them again."""

    # ---- reading pairs --------------------------------------------------------------------
    def get(self, match_id: int) -> DeskMatch:
        with self._sessions() as session:
            return to_match(self._row(session, match_id))

    def find(self, need_id: str, achievement_id: str) -> DeskMatch | None:
        with self._sessions() as session:
            row = self._pair(session, need_id, achievement_id)
            return to_match(row) if row else None

    def matches(
        self, stages: Sequence[Stage] | None = None, limit: int = 500, oldest_first: bool = False
    ) -> list[DeskMatch]:
        """Pairs in these stages (all when None), the most recently changed first."""
        query = select(DeskMatchRow)
        if stages is not None:
            query = query.where(DeskMatchRow.stage.in_([s.value for s in stages]))
        if oldest_first:
            query = query.order_by(DeskMatchRow.created_at, DeskMatchRow.id)
        else:
            query = query.order_by(DeskMatchRow.updated_at.desc(), DeskMatchRow.id.desc())
        with self._sessions() as session:
            return [to_match(r) for r in session.scalars(query.limit(limit))]

    def counts(self) -> dict[Stage, int]:
        with self._sessions() as session:
            rows = session.execute(
                select(DeskMatchRow.stage, func.count()).group_by(DeskMatchRow.stage)
            )
            return {Stage(stage): n for stage, n in rows}

    def pairs_of_needs(self, need_ids: Sequence[str]) -> set[tuple[str, str]]:
        """The (need, achievement) pairs already on the desk, in any stage, for these needs."""
        if not need_ids:
            return set()
        with self._sessions() as session:
            rows = session.execute(
                select(DeskMatchRow.need_id, DeskMatchRow.achievement_id).where(
                    DeskMatchRow.need_id.in_(list(need_ids))
                )
            )
            return {(n, a) for n, a in rows}

    # ---- putting pairs on the desk ------------------------------------------------------
    def request_introduction(
        self, need_id: str, achievement_id: str, user: User, score: float | None = None
    ) -> tuple[DeskMatch, bool]:
        """(the pair, created): a new pair in ``requested``, or the pair already on the desk.

        The requester must own the need or the achievement, or be a broker or admin.
        """
        self._check_published(need_id, achievement_id)
        if not user.sees_everything and user.id not in (
            self.accounts.owner_of(Kind.need, need_id),
            self.accounts.owner_of(Kind.achievement, achievement_id),
        ):
            raise DeskPermissionError("只能为本账号发布的需求或成果申请对接")
        existing = self.find(need_id, achievement_id)
        if existing is None:
            try:
                return self._create(need_id, achievement_id, Stage.requested, user, score), True
            except DeskConflictError:
                existing = self.find(need_id, achievement_id)
                if existing is None:
                    raise
        return existing, False

    def place(
        self,
        need_id: str,
        achievement_id: str,
        stage: Stage,
        user: User,
        score: float | None = None,
    ) -> DeskMatch:
        """A broker's decision on a pair: put it in ``stage``, creating it when new."""
        self._require_broker(user)
        if stage not in (Stage.shortlisted, Stage.recommended, Stage.dismissed):
            raise DeskInputError("stage", "只能加入备选、推荐或不予推荐")
        existing = self.find(need_id, achievement_id)
        if existing is not None:
            return self.move(existing.id, stage, user)
        self._check_published(need_id, achievement_id)
        return self._create(need_id, achievement_id, stage, user, score)

    def shortlist(
        self, need_id: str, achievement_id: str, user: User, score: float | None = None
    ) -> DeskMatch:
        return self.place(need_id, achievement_id, Stage.shortlisted, user, score)

    def recommend(
        self, need_id: str, achievement_id: str, user: User, score: float | None = None
    ) -> DeskMatch:
        return self.place(need_id, achievement_id, Stage.recommended, user, score)

    def dismiss(
        self, need_id: str, achievement_id: str, user: User, score: float | None = None
    ) -> DeskMatch:
        return self.place(need_id, achievement_id, Stage.dismissed, user, score)

    # ---- moving along the pipeline ------------------------------------------------------
    def move(
        self, match_id: int, to_stage: Stage, user: User, reason: LostReason | None = None
    ) -> DeskMatch:
        """Move a pair to ``to_stage`` (see service.desk.rules for what may follow what)."""
        self._require_broker(user)
        with self._sessions.begin() as session:
            row = self._row(session, match_id, lock=True)
            current = Stage(row.stage)
            rules.check_move(current, to_stage, reason)
            if to_stage is Stage.registered:
                contract = session.get(ContractRow, match_id)
                if contract is None or not contract.registration_no:
                    raise DeskConflictError("改为「合同登记」前，请先在合同信息中填写登记号")
            now = utcnow()
            row.stage = to_stage.value
            row.lost_reason = reason.value if reason else None
            row.updated_at = now
            if row.broker_id is None:
                row.broker_id = user.id
            if to_stage.introduced and row.introduced_at is None:
                row.introduced_at = now
            session.add(
                StageChangeRow(
                    match_id=row.id,
                    from_stage=current.value,
                    to_stage=to_stage.value,
                    reason=reason.value if reason else None,
                    user_id=user.id,
                    at=now,
                )
            )
            session.flush()
            moved = to_match(row)
        return self._told(moved)

    def history(self, match_id: int) -> list[StageChange]:
        with self._sessions() as session:
            self._row(session, match_id)
            rows = list(
                session.scalars(
                    select(StageChangeRow)
                    .where(StageChangeRow.match_id == match_id)
                    .order_by(StageChangeRow.at, StageChangeRow.id)
                )
            )
        names = self._names(r.user_id for r in rows if r.user_id is not None)
        return [
            StageChange.model_validate(
                {**columns(r), "user_name": names.get(r.user_id) if r.user_id else AUCTION_CLOSE}
            )
            for r in rows
        ]

    # ---- notes ----------------------------------------------------------------------------
    def add_note(self, match_id: int, user: User, body: str) -> Note:
        self._require_broker(user)
        body = body.strip()
        if not 1 <= len(body) <= NOTE_MAX:
            raise DeskInputError("body", f"备注需 1–{NOTE_MAX} 字")
        with self._sessions.begin() as session:
            self._row(session, match_id)
            row = DeskNoteRow(match_id=match_id, author_id=user.id, body=body, created_at=utcnow())
            session.add(row)
            session.flush()
            return Note.model_validate({**columns(row), "author_name": user.display_name})

    def notes(self, match_id: int) -> list[Note]:
        """The pair's notes, oldest first, each with its author's display name."""
        with self._sessions() as session:
            self._row(session, match_id)
            rows = list(
                session.scalars(
                    select(DeskNoteRow)
                    .where(DeskNoteRow.match_id == match_id)
                    .order_by(DeskNoteRow.created_at, DeskNoteRow.id)
                )
            )
        names = self._names(r.author_id for r in rows)
        return [
            Note.model_validate({**columns(r), "author_name": names.get(r.author_id)}) for r in rows
        ]

    # ---- who sees contact details -------------------------------------------------------
    def can_see_contact(self, user: User | None, kind: Kind, listing_id: str) -> bool:
        """Brokers, admins and the owner always; the other side once introduced."""
        if user is None:
            return False
        if user.sees_everything or self.accounts.owner_of(kind, listing_id) == user.id:
            return True
        query = records.introduced_pair(user.id, kind, listing_id)
        with self._sessions() as session:
            return session.scalar(query) is not None

    # ---- the queue ------------------------------------------------------------------------

    # ---- helpers ----------------------------------------------------------------------------
    def _create(
        self, need_id: str, achievement_id: str, stage: Stage, user: User, score: float | None
    ) -> DeskMatch:
        now = utcnow()
        row = DeskMatchRow(
            need_id=need_id,
            achievement_id=achievement_id,
            stage=stage.value,
            score=None if score is None else min(max(float(score), 0.0), 1.0),
            requested_by=user.id if stage is Stage.requested else None,
            broker_id=user.id if user.sees_everything else None,
            created_at=now,
            updated_at=now,
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
                session.flush()
                session.add(
                    StageChangeRow(match_id=row.id, to_stage=stage.value, user_id=user.id, at=now)
                )
                created = to_match(row)
        except IntegrityError as exc:  # someone put the same pair on the desk a moment ago
            raise DeskConflictError("这对需求与成果刚刚已上工作台，请刷新后再试") from exc
        return self._told(created)

    def _check_published(self, need_id: str, achievement_id: str) -> None:
        for kind, listing_id in ((Kind.need, need_id), (Kind.achievement, achievement_id)):
            try:
                listing = self.catalog.get(kind, listing_id)
            except NotFoundError:
                listing = None
            if listing is None or listing.status != Status.published:
                raise DeskNotFoundError(f"{kind.label} {listing_id} 不存在或未发布")
