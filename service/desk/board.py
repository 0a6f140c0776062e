"""The desk as pages and API answers show it: cards with titles, the board, one pair's file."""

from __future__ import annotations

from collections.abc import Sequence

from service.catalog import Catalog
from service.desk import rules
from service.desk.queue import BrokerQueue
from service.desk.stages import PIPELINE, Stage
from service.desk.store import Desk
from service.desk.views import Card, DeskMatch, MatchDetail
from service.listings.schemas import Kind
from service.listings.taxonomy import Taxonomy
from service.matching.matcher import brief

BOARD_STAGES = (Stage.shortlisted, *PIPELINE, Stage.lost)
PER_STAGE = 100


class Board:
    """Reads of the desk joined with the catalog's listings and the matcher's explanation."""

    def __init__(
        self, desk: Desk, catalog: Catalog, queue: BrokerQueue, taxonomy: Taxonomy
    ) -> None:
        self.desk = desk
        self.catalog = catalog
        self.queue = queue
        self.taxonomy = taxonomy

    def cards(self, matches: Sequence[DeskMatch]) -> list[Card]:
        """The pairs with a brief of both listings (None for a listing gone from the catalog)."""
        needs = self.catalog.get_many(Kind.need, [m.need_id for m in matches])
        achievements = self.catalog.get_many(Kind.achievement, [m.achievement_id for m in matches])
        out = []
        for m in matches:
            need, achievement = needs.get(m.need_id), achievements.get(m.achievement_id)
            out.append(
                Card(
                    match=m,
                    need=brief(need, self.taxonomy) if need else None,
                    achievement=brief(achievement, self.taxonomy) if achievement else None,
                )
            )
        return out

    def board(self) -> dict[Stage, list[Card]]:
        """The shortlist, each pipeline stage and the lost deals, newest change first."""
        matches = self.desk.matches(BOARD_STAGES, limit=PER_STAGE * len(BOARD_STAGES))
        by_stage: dict[Stage, list[DeskMatch]] = {stage: [] for stage in BOARD_STAGES}
        for m in matches:
            if len(by_stage[m.stage]) < PER_STAGE:
                by_stage[m.stage].append(m)
        return {stage: self.cards(items) for stage, items in by_stage.items()}

    def detail(self, match_id: int) -> MatchDetail:
        match = self.desk.get(match_id)
        card = self.cards([match])[0]
        return MatchDetail(
            **dict(card),
            next_stages=list(rules.next_stages(match.stage)),
            history=self.desk.history(match_id),
            notes=self.desk.notes(match_id),
            contract=self.desk.contract(match_id),
            fit=self.queue.find_fit(match.need_id, match.achievement_id),
        )
