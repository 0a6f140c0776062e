"""Compute on write: after the market changes, the match lists of every published listing are
recomputed and kept (``KeptMatches``), then what derives from them: the common-need rankings
and the broker's queue. Requests read what is kept; a list not kept yet is computed by the
request that asks for it and kept for the others (a read-through).

A round starts only when the market has been quiet for ``QUIET_SECONDS`` (an import of a
hundred rows is one round, not a hundred), goes needs first (their matches are what most pages
show), and stops as soon as the market changes again: the next round starts over at the new
stamp. Lists another process keeps at the current stamp are skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from service.catalog import Catalog, NotFoundError
from service.listings.schemas import Kind
from service.matching.cache import market_stamp
from service.matching.matcher import KEPT_SIZE, Matcher, NotPublishedError
from service.programmes.common_needs.group_reads import MAX_ACHIEVEMENTS
from service.programmes.common_needs.service import CommonNeeds

log = logging.getLogger(__name__)

QUIET_SECONDS = 1.0  # no change for this long before a round starts


@dataclass
class WarmReport:
    computed: int = 0
    skipped: int = 0  # kept already (by another process, or a request)
    complete: bool = False  # False when the market changed during the round
    seconds: float = 0.0


class MatchWarmer:
    def __init__(self, catalog: Catalog, matcher: Matcher, common_needs: CommonNeeds,
                 derived: tuple[Callable[[], object], ...] = ()) -> None:  # fmt: skip
        self.catalog = catalog
        self.matcher = matcher
        self.common_needs = common_needs
        self.derived = derived  # further reads to warm (the broker's queue …)
        self.yield_to_requests: Callable[[], None] = lambda: None  # set by the runner
        self._done: tuple[Hashable, ...] | None = None  # the stamp of the last complete round
        self._seen: tuple[tuple[Hashable, ...], float] | None = None

    def stamp(self) -> tuple[Hashable, ...]:
        return market_stamp(self.catalog, self.matcher.index)

    def due(self) -> bool:
        """A round is due when the market changed since the last complete one and has been
        quiet for a moment."""
        stamp = self.stamp()
        if stamp == self._done:
            return False
        now = time.monotonic()
        if self._seen is None or self._seen[0] != stamp:
            self._seen = (stamp, now)
        return now - self._seen[1] >= QUIET_SECONDS or self._done is None

    def run(
        self,
        *,
        should_stop: Callable[[], bool] = lambda: False,
        reverse: bool = False,
        progress: Callable[[str, int], None] | None = None,
    ) -> WarmReport:
        """One round, dearest first answers first: the common needs (grouping and their
        rankings), the broker's queue, then the needs' and the achievements' lists, each kept
        at the current stamp (in id order, or the reverse). Stops early (``complete`` False)
        when the market changes. ``progress`` hears (what, listings done)."""
        tell = progress or (lambda what, done: None)
        started, report = time.monotonic(), WarmReport()
        stamp = self.stamp()
        tell("共性需求", 0)
        self.common_needs.list(achievements=MAX_ACHIEVEMENTS)
        tell("经纪人待办", 0)
        for read in self.derived:
            read()
        for kind in (Kind.need, Kind.achievement):
            if not self._lists(kind, stamp, reverse, should_stop, report, tell):
                report.seconds = time.monotonic() - started
                return report
        report.complete = self.stamp() == stamp
        if report.complete:
            self._done = stamp
        report.seconds = time.monotonic() - started
        return report

    def _lists(
        self,
        kind: Kind,
        stamp: tuple[Hashable, ...],
        reverse: bool,
        should_stop: Callable[[], bool],
        report: WarmReport,
        tell: Callable[[str, int], None],
    ) -> bool:
        """Keep the lists of one kind (those already kept at their listing's current stamp are
        left alone: a new need leaves the needs' lists as they are); False when stopped or the
        market changed meanwhile. Lists of withdrawn listings and older stamps are dropped."""
        kept = self.matcher.kept
        if kept is not None:
            kept.flush()  # lists just computed (the broker's queue …) count as kept
        times = self.catalog.updated_times(kind)  # the published listings
        current = self.matcher.kept_texts(kind, times)
        stored = kept.stamps(kind, KEPT_SIZE) if kept is not None else {}
        for listing_id in sorted(times, reverse=reverse):
            if should_stop() or self.stamp() != stamp:
                return False
            if stored.get(listing_id) == current[listing_id]:
                report.skipped += 1
                tell(kind.label, 1)
                continue
            self.yield_to_requests()
            try:
                self.matcher.match(kind, listing_id, KEPT_SIZE)
            except (NotFoundError, NotPublishedError):
                continue  # withdrawn a moment ago: the next round sees it
            report.computed += 1
            tell(kind.label, 1)
        if kept is not None:
            kept.flush()
            kept.prune(kind, current)
        return True
