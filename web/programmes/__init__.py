"""Pages of the city's programmes, one module per unit (see ``service/programmes/units.py``)."""

from __future__ import annotations

from fastapi import FastAPI

from web.programmes import challenges, common_needs, events, experts, offers, wdk

PAGES = (common_needs, challenges, events, experts, wdk, offers)


def register(app: FastAPI) -> None:
    """Mount every programme's pages."""
    for unit in PAGES:
        app.include_router(unit.router)
