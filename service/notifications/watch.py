"""Bringing the inboxes up to date: a broker's move on a pair is told to the owners of both
listings when it is made (``told_stage``, called by the desk); a background sweep (the app's
lifespan task, ``techmatch sweep``) brings each account up to date at most every few minutes
with new strong matches of its listings (the calibrated tier ``strong`` only), its saved
searches and any move not yet told, and (for the whole market, at most hourly) withdraws
listings whose term ended and reminds owners of terms and deadlines. Nothing of it runs inside
a request."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from service.accounts import Accounts, User
from service.catalog import Catalog
from service.catalog.models import utcnow
from service.desk.stages import Stage
from service.desk.store import Desk
from service.desk.views import DeskMatch
from service.listings.schemas import Kind
from service.matching.calibration import tier_words
from service.matching.matcher import Matcher
from service.notifications.inbox import Inbox
from service.notifications.models import SweepRow
from service.notifications.saved import SavedSearches
from service.notifications.terms import Terms

SWEEP_MINUTES = 5
TERMS_SECONDS = 3600
LISTINGS_MATCHED = 5  # an account's newest published listings checked for strong matches
TOLD_STAGES = {  # what a broker's move reads like to the owners of the pair
    Stage.recommended: "经纪人推荐了对接",
    Stage.contacted: "经纪人已联系双方，对方的联系方式现在可见",
    Stage.negotiating: "双方进入洽谈",
    Stage.signed: "双方已签约",
    Stage.registered: "技术合同已登记",
    Stage.lost: "对接未成",
}
DESK_SCANNED = 5000


def stage_title(pair: DeskMatch, need: Any, achievement: Any) -> str:
    """「need」×「achievement」：what the broker did (ids where a listing is gone)."""
    return (
        f"「{need.title if need else pair.need_id}」×"
        f"「{achievement.title if achievement else pair.achievement_id}」："
        f"{TOLD_STAGES[pair.stage]}"
    )


class Watcher:
    def __init__(
        self, engine: Engine, catalog: Catalog, accounts: Accounts, desk: Desk,
        matcher: Matcher, inbox: Inbox, saved: SavedSearches, terms: Terms,
    ) -> None:  # fmt: skip
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.catalog, self.accounts, self.desk, self.matcher = catalog, accounts, desk, matcher
        self.inbox, self.saved, self.terms = inbox, saved, terms
        self._terms_run = 0.0
        self._lock = threading.Lock()

    def told_stage(self, pair: DeskMatch) -> None:
        """Tell the owners of both listings of a pair's new stage (once per pair and stage)."""
        if pair.stage not in TOLD_STAGES:
            return
        need = self.catalog.get_many(Kind.need, [pair.need_id]).get(pair.need_id)
        achievement = self.catalog.get_many(Kind.achievement, [pair.achievement_id])
        title = stage_title(pair, need, achievement.get(pair.achievement_id))
        sides = ((Kind.need, pair.need_id), (Kind.achievement, pair.achievement_id))
        for kind, listing_id in sides:
            owner = self.accounts.owner_of(kind, listing_id)
            if owner is not None:
                self.inbox.notify(owner, f"desk:{pair.id}:{pair.stage.value}", title,
                                  kind.path(listing_id))  # fmt: skip

    def sweep_all(self, *, force: bool = False, terms: bool = True) -> int:
        """One background round: the market's terms when due (with ``terms``), then every
        account not swept in the last few minutes (every account with ``force``). Returns the
        accounts swept."""
        if terms:
            self.run_terms(force=force)
        swept = 0
        for user in self.accounts.active_users():
            if force or self._due(user):
                self.sweep(user, terms=False)
                swept += 1
        return swept

    def run_terms(self, *, force: bool = False) -> list[str]:
        """Withdraw expired listings and send reminders, at most hourly in this process."""
        with self._lock:
            due = self._terms_run == 0.0 or time.monotonic() - self._terms_run > TERMS_SECONDS
            if not (due or force):
                return []
            self._terms_run = time.monotonic()
        return self.terms.run()

    def sweep_if_due(self, user: User) -> None:
        """Sweep this account unless it was swept in the last few minutes."""
        if self._due(user):
            self.sweep(user)

    def _due(self, user: User) -> bool:
        """Whether the account is due, marking it swept now if so (one process takes it)."""
        now = utcnow()
        with self._sessions.begin() as session:
            row = session.get(SweepRow, user.id)
            if row is not None and now - row.swept_at < dt.timedelta(minutes=SWEEP_MINUTES):
                return False
            if row is None:
                session.add(SweepRow(user_id=user.id, swept_at=now))
            else:
                row.swept_at = now
        return True

    def sweep(self, user: User, *, terms: bool = True) -> None:
        if terms:
            self.run_terms()
        kind = user.role.posts
        if kind is not None:
            ids = self.accounts.owned_ids(user.id, kind)
            self._desk_moves(user.id, kind, set(ids))
            self._strong_matches(user.id, kind, ids)
        self.saved.check(user.id)

    def _desk_moves(self, user_id: int, kind: Kind, mine: set[str]) -> None:
        side = "need_id" if kind is Kind.need else "achievement_id"
        pairs = [
            p
            for p in self.desk.matches(list(TOLD_STAGES), limit=DESK_SCANNED)
            if getattr(p, side) in mine
        ]
        needs = self.catalog.get_many(Kind.need, [p.need_id for p in pairs])
        achievements = self.catalog.get_many(Kind.achievement, [p.achievement_id for p in pairs])
        for pair in pairs:
            need, achievement = needs.get(pair.need_id), achievements.get(pair.achievement_id)
            title = stage_title(pair, need, achievement)
            listing_id = getattr(pair, side)
            self.inbox.notify(user_id, f"desk:{pair.id}:{pair.stage.value}", title,
                              kind.path(listing_id))  # fmt: skip

    def _strong_matches(self, user_id: int, kind: Kind, ids: list[str]) -> None:
        listings = self.catalog.get_many(kind, ids)
        published = [listings[i] for i in ids if i in listings and listings[i].is_published]
        for listing in published[:LISTINGS_MATCHED]:
            result = self.matcher.match(kind, listing.id)  # the kept list, when there is one
            for match in result.matches[:3]:
                if match.tier == "strong":
                    words = tier_words(match.tier, match.probability)
                    self.inbox.notify(
                        user_id, f"match:{kind.value}:{listing.id}:{match.id}",
                        f"「{listing.title}」有新的高度匹配：{match.title}（{words}）",
                        kind.path(listing.id),
                    )  # fmt: skip
