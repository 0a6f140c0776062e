"""GET /api/stats: the figures of the market statistics page, as JSON."""

from __future__ import annotations

from fastapi import APIRouter

from service.api.deps import StatsDep
from service.stats.models import MarketStats

router = APIRouter(prefix="/api", tags=["stats"])


@router.get("/stats", response_model=MarketStats)
def stats(statistics: StatsDep) -> MarketStats:
    """Published listings by field, region and tier; the desk funnel; contract amounts."""
    return statistics.market()
