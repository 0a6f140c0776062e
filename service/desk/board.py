"""The desk as pages and API answers show it: cards with titles, the board, one pair's file."""

from __future__ import annotations

from collections.abc import Sequence

from service.desk import rules
from service.desk.queue import find_fit
from service.desk.stages import PIPELINE, Stage
from service.desk.views import Card, DeskMatch, MatchDetail
from service.engine import Engine
from service.matching.matcher import brief
from service.schemas import Kind

BOARD_STAGES = (Stage.shortlisted, *PIPELINE, Stage.lost)
PER_STAGE = 100


def cards(engine: Engine, matches: Sequence[DeskMatch]) -> list[Card]:
    """The pairs with a brief of both listings (None for a listing no longer in the catalog)."""
    needs = engine.catalog.get_many(Kind.need, [m.need_id for m in matches])
    achievements = engine.catalog.get_many(Kind.achievement, [m.achievement_id for m in matches])
    out = []
    for m in matches:
        need, achievement = needs.get(m.need_id), achievements.get(m.achievement_id)
        out.append(
            Card(
                match=m,
                need=brief(Kind.need, need) if need else None,
                achievement=brief(Kind.achievement, achievement) if achievement else None,
            )
        )
    return out


def board(engine: Engine) -> dict[Stage, list[Card]]:
    """The shortlist, each pipeline stage and the lost deals, newest change first."""
    matches = engine.desk.matches(BOARD_STAGES, limit=PER_STAGE * len(BOARD_STAGES))
    by_stage: dict[Stage, list[DeskMatch]] = {stage: [] for stage in BOARD_STAGES}
    for m in matches:
        if len(by_stage[m.stage]) < PER_STAGE:
            by_stage[m.stage].append(m)
    return {stage: cards(engine, items) for stage, items in by_stage.items()}


def detail(engine: Engine, match_id: int) -> MatchDetail:
    desk = engine.desk
    match = desk.get(match_id)
    card = cards(engine, [match])[0]
    return MatchDetail(
        **dict(card),
        next_stages=list(rules.next_stages(match.stage)),
        history=desk.history(match_id),
        notes=desk.notes(match_id),
        contract=desk.contract(match_id),
        fit=find_fit(desk, engine, match.need_id, match.achievement_id),
    )
