"""揭榜挂帅: challenges published by admins, applications by universities and enterprises,
recommended solvers, review, selection (挂帅) and the stages after it.

Stages move forward only: 发布 → 报名中 → 评审中 → 已立项 → 验收; selection is what enters
已立项. Applicants see their own applications; everyone sees the result once selected.
"""

from __future__ import annotations

import builtins

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from service import clock
from service.accounts import Accounts, Role, User
from service.accounts.organisations import organisation_key
from service.catalog import Catalog
from service.catalog.models import utcnow
from service.listings.schemas import Kind, Status
from service.notifications.inbox import Inbox
from service.programmes.challenges.models import (
    ApplicationRow,
    ChallengeRow,
    ChallengeStageRow,
    InvitationRow,
)
from service.programmes.challenges.solvers import rank_solvers
from service.programmes.challenges.views import (
    STAGES,
    Application,
    ApplicationIn,
    Challenge,
    ChallengeIn,
    ChallengeStage,
    Result,
    SolverCandidate,
    StageEntry,
)
from service.programmes.common_needs.service import CommonNeeds
from service.programmes.errors import (
    ProgrammeConflictError,
    ProgrammeInputError,
    ProgrammeNotFoundError,
    ProgrammePermissionError,
)

POOL = 40  # achievements ranked for a challenge before grouping them by institution


class Challenges:
    def __init__(
        self,
        engine: Engine,
        catalog: Catalog,
        common_needs: CommonNeeds,
        accounts: Accounts,
        inbox: Inbox | None = None,
    ) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.catalog = catalog
        self.common_needs = common_needs
        self.accounts = accounts
        self.inbox = inbox

    # ---- challenges --------------------------------------------------------------------
    def create(self, body: ChallengeIn, user: User) -> Challenge:
        need_ids = list(dict.fromkeys(body.need_ids))
        if body.common_need_id is not None:
            try:
                group = self.common_needs.get(body.common_need_id, achievements=0)
            except ProgrammeNotFoundError as exc:
                raise ProgrammeInputError("common_need_id", str(exc)) from exc
            need_ids = need_ids or group.needs
        found = self.catalog.get_many(Kind.need, need_ids)
        missing = [n for n in need_ids if n not in found or found[n].status != Status.published]
        if missing:
            raise ProgrammeInputError("need_ids", "未找到已发布的需求：" + "、".join(missing))
        if body.deadline < clock.today():
            raise ProgrammeInputError("deadline", "报名截止日期不能早于今天")
        with self._sessions.begin() as session:
            row = ChallengeRow(
                **body.model_dump(exclude={"need_ids"}), need_ids=need_ids, created_by=user.id
            )
            session.add(row)
            session.flush()
            session.add(ChallengeStageRow(challenge_id=row.id, stage="published", user_id=user.id))
            challenge_id = row.id
        return self.get(challenge_id)

    def list(self) -> builtins.list[Challenge]:
        with self._sessions() as session:
            ids = session.scalars(select(ChallengeRow.id).order_by(ChallengeRow.id.desc()))
            return [self._view(session, i) for i in ids]

    def get(self, challenge_id: int) -> Challenge:
        with self._sessions() as session:
            return self._view(session, challenge_id)

    def _row(self, session: Session, challenge_id: int) -> ChallengeRow:
        row = session.get(ChallengeRow, challenge_id)
        if row is None:
            raise ProgrammeNotFoundError(f"榜单 {challenge_id} 不存在")
        return row

    def _view(self, session: Session, challenge_id: int) -> Challenge:
        row = self._row(session, challenge_id)
        count = session.scalar(
            select(func.count()).where(ApplicationRow.challenge_id == challenge_id)
        )
        history = session.scalars(
            select(ChallengeStageRow)
            .where(ChallengeStageRow.challenge_id == challenge_id)
            .order_by(ChallengeStageRow.id)
        )
        result = None
        if row.selected_application_id is not None:
            chosen = session.get(ApplicationRow, row.selected_application_id)
            if chosen is not None:
                result = Result(
                    application_id=chosen.id,
                    organisation=chosen.organisation,
                    team=chosen.team,
                    reason=row.selection_reason,
                )
        stage = ChallengeStage(row.stage)
        return Challenge(
            id=row.id,
            title=row.title,
            description=row.description,
            indicators=list(row.indicators),
            reward_wan=row.reward_wan,
            deadline=row.deadline,
            delivery_months=row.delivery_months,
            eligibility=row.eligibility,
            need_ids=list(row.need_ids),
            common_need_id=row.common_need_id,
            stage=stage,
            stage_label=stage.label,
            applications=count or 0,
            history=[
                StageEntry(
                    stage=ChallengeStage(h.stage),
                    stage_label=ChallengeStage(h.stage).label,
                    note=h.note,
                    at=h.at,
                )
                for h in history
            ],
            result=result,
            reviewers=[
                u.display_name for u in self.accounts.get_many(row.reviewer_ids or []).values()
            ],
            created_at=row.created_at,
        )

    def advance(
        self, challenge_id: int, stage: ChallengeStage, note: str | None, user: User
    ) -> Challenge:
        """Move to a later stage (已立项 only through ``select``)."""
        with self._sessions.begin() as session:
            row = self._row(session, challenge_id)
            now = STAGES.index(ChallengeStage(row.stage))
            if STAGES.index(stage) <= now:
                raise ProgrammeConflictError(
                    f"榜单已处于“{ChallengeStage(row.stage).label}”，只能向后推进"
                )
            if stage is ChallengeStage.selected or (
                stage is ChallengeStage.accepted and row.selected_application_id is None
            ):
                raise ProgrammeConflictError("须先选定揭榜方（挂帅）才能立项或验收")
            row.stage, row.updated_at = stage.value, utcnow()
            session.add(
                ChallengeStageRow(
                    challenge_id=row.id, stage=stage.value, note=note, user_id=user.id
                )
            )
        return self.get(challenge_id)

    # ---- applications ------------------------------------------------------------------
    def apply(self, challenge_id: int, body: ApplicationIn, user: User) -> Application:
        mine = self.accounts.organisation_of(user)
        if mine is None or not mine.recognised:
            raise ProgrammePermissionError(
                f"本账号与「{user.organisation}」的关系尚待经纪人或管理员核实，核实后才能以该单位名义揭榜"
            )
        ids = list(dict.fromkeys(body.achievement_ids))
        self._check_citable(ids, mine.organisation_id, mine.name)
        with self._sessions.begin() as session:
            row = self._row(session, challenge_id)
            if not ChallengeStage(row.stage).takes_applications:
                raise ProgrammeConflictError(
                    f"榜单处于“{ChallengeStage(row.stage).label}”，不再接受揭榜"
                )
            if row.deadline < clock.today():
                raise ProgrammeConflictError("报名已截止")
            taken = session.scalar(
                select(ApplicationRow.id).where(
                    ApplicationRow.challenge_id == challenge_id, ApplicationRow.user_id == user.id
                )
            )
            if taken is not None:
                raise ProgrammeConflictError("本账号已揭榜此榜单")
            app = ApplicationRow(
                challenge_id=challenge_id,
                user_id=user.id,
                organisation=mine.name,
                **body.model_dump(exclude={"achievement_ids"}),
                achievement_ids=ids,
            )
            session.add(app)
            session.flush()
            return _application(app, row)

    def _check_citable(self, ids: builtins.list[str], organisation_id: int, name: str) -> None:
        """An application cites only its own organisation's published achievements: posted by
        an account that may act for it, or (seeded, no account) published under its name."""
        found = self.catalog.get_many(Kind.achievement, ids)
        members = self.accounts.organisations.recognised_members(organisation_id)
        key = organisation_key(name)
        refused = []
        for achievement_id in ids:
            listing = found.get(achievement_id)
            owner = self.accounts.owner_of(Kind.achievement, achievement_id)
            own = (
                owner in members
                if owner is not None
                else (listing is not None and organisation_key(listing.institution) == key)
            )
            if listing is None or listing.status != Status.published or not own:
                refused.append(achievement_id)
        if refused:
            raise ProgrammeInputError(
                "achievement_ids", "只能引用本单位已发布的科技成果，以下不符：" + "、".join(refused)
            )

    def applications(self, challenge_id: int, user: User | None) -> builtins.list[Application]:
        """Every application for admins and brokers; an applicant's own for others."""
        with self._sessions() as session:
            row = self._row(session, challenge_id)
            if user is None:
                return []
            query = select(ApplicationRow).where(ApplicationRow.challenge_id == challenge_id)
            if not user.sees_everything:
                query = query.where(ApplicationRow.user_id == user.id)
            return [
                _application(a, row) for a in session.scalars(query.order_by(ApplicationRow.id))
            ]

    def score(self, application_id: int, score: float, note: str | None, user: User) -> Application:
        with self._sessions.begin() as session:
            app = session.get(ApplicationRow, application_id)
            if app is None:
                raise ProgrammeNotFoundError(f"揭榜申请 {application_id} 不存在")
            if not self.may_score(self._row(session, app.challenge_id), user):
                raise ProgrammePermissionError("只有管理员和受指定评审此榜单的经纪人可以评分")
            app.score, app.score_note, app.scored_by = score, note, user.id
            return _application(app, self._row(session, app.challenge_id))

    @staticmethod
    def may_score(row: ChallengeRow, user: User | None) -> bool:
        if user is None:
            return False
        return user.role is Role.admin or user.id in (row.reviewer_ids or [])

    def may_review(self, challenge_id: int, user: User | None) -> bool:
        with self._sessions() as session:
            return self.may_score(self._row(session, challenge_id), user)

    def appoint(self, challenge_id: int, username: str, user: User) -> Challenge:
        """Appoint a broker to score this challenge's applications."""
        broker = self.accounts.by_username(username.strip())
        if broker is None or broker.role is not Role.broker:
            raise ProgrammeInputError("username", f"没有用户名为“{username}”的技术经纪人账号")
        with self._sessions.begin() as session:
            row = self._row(session, challenge_id)
            if broker.id not in (row.reviewer_ids or []):
                row.reviewer_ids = [*(row.reviewer_ids or []), broker.id]
        return self.get(challenge_id)

    def select(self, challenge_id: int, application_id: int, reason: str, user: User) -> Challenge:
        with self._sessions.begin() as session:
            row = self._row(session, challenge_id)
            if row.selected_application_id is not None:
                raise ProgrammeConflictError("此榜单已选定揭榜方")
            app = session.get(ApplicationRow, application_id)
            if app is None or app.challenge_id != challenge_id:
                raise ProgrammeInputError("application_id", "不是此榜单的揭榜申请")
            row.selected_application_id, row.selection_reason = app.id, reason.strip()
            row.stage, row.updated_at = ChallengeStage.selected.value, utcnow()
            note = f"选定{app.organisation}：{reason.strip()}"
            session.add(
                ChallengeStageRow(challenge_id=row.id, stage="selected", note=note, user_id=user.id)
            )
        return self.get(challenge_id)

    # ---- recommended solvers -----------------------------------------------------------
    def candidates(self, challenge_id: int, limit: int = 10) -> builtins.list[SolverCandidate]:
        with self._sessions() as session:
            row = self._row(session, challenge_id)
            need_ids = builtins.list(row.need_ids)
            invited = set(
                session.scalars(
                    select(InvitationRow.institution).where(
                        InvitationRow.challenge_id == challenge_id
                    )
                )
            )
        ranked = self.common_needs.achievements(need_ids, POOL)
        return rank_solvers(ranked, invited, limit)

    def invite(self, challenge_id: int, institution: str, user: User) -> None:
        """Invite an institution to apply, and tell its accounts in their inbox."""
        with self._sessions.begin() as session:
            row = self._row(session, challenge_id)
            title, deadline = row.title, row.deadline
            exists = session.scalar(
                select(InvitationRow.id).where(
                    InvitationRow.challenge_id == challenge_id,
                    InvitationRow.institution == institution,
                )
            )
            if exists is None:
                session.add(
                    InvitationRow(
                        challenge_id=challenge_id, institution=institution, invited_by=user.id
                    )
                )
        if self.inbox is not None:
            message = f"揭榜挂帅「{title}」邀请{institution}揭榜，请于 {deadline} 前提交申请"
            for account in self.accounts.of_organisation(institution):
                self.inbox.notify(
                    account, f"challenge-invite:{challenge_id}", message,
                    f"/challenges/{challenge_id}",
                )  # fmt: skip


def _application(app: ApplicationRow, challenge: ChallengeRow) -> Application:
    return Application(
        id=app.id,
        challenge_id=app.challenge_id,
        organisation=app.organisation,
        team=app.team,
        plan=app.plan,
        promised_indicators=list(app.promised_indicators),
        budget_wan=app.budget_wan,
        months=app.months,
        achievement_ids=list(app.achievement_ids),
        score=app.score,
        score_note=app.score_note,
        selected=challenge.selected_application_id == app.id,
        created_at=app.created_at,
    )
