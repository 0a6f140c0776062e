"""GET /api/stats: the figures of the market statistics page, as JSON."""

from __future__ import annotations

from fastapi import APIRouter

from service.http.deps import StatsDep
from service.programmes.events.api import ProgrammeStatsDep
from service.programmes.programme_stats import ProgrammeStats
from service.stats.models import MarketStats

router = APIRouter(prefix="/api", tags=["stats"])


@router.get("/stats", response_model=MarketStats)
def stats(statistics: StatsDep) -> MarketStats:
    """Published listings by field, region and tier; the desk funnel; contract amounts."""
    return statistics.market()


@router.get("/stats/programmes", response_model=ProgrammeStats)
def programme_stats(statistics: ProgrammeStatsDep) -> ProgrammeStats:
    """Events held and attended, intents and the deals traced to events, expert services by
    county and month, evaluations done."""
    return statistics.programmes()
