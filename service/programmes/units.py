"""The city's programmes as units, registered with the app in one place.

Each unit is a sub-package of ``service/programmes/`` holding its service, tables, views and
``api.py``: its JSON routes (``routers``) and the typed dependencies its routes and pages use.
Its pages live in ``web/programmes/<unit>.py`` (the web layer sits above the service); its
templates in ``web/templates/``. A new programme adds its sub-package, one line here, one line in
``web/programmes/__init__.py`` and its parts in ``service/composition.py``.
"""

from __future__ import annotations

from types import ModuleType

from fastapi import FastAPI

from service.programmes.challenges import api as challenges
from service.programmes.common_needs import api as common_needs
from service.programmes.events import api as events
from service.programmes.experts import api as experts
from service.programmes.offers import api as offers
from service.programmes.wdk import api as wdk

UNITS: tuple[ModuleType, ...] = (common_needs, challenges, events, experts, wdk, offers)


def register(app: FastAPI) -> None:
    """Mount every unit's JSON routes."""
    for unit in UNITS:
        for router in unit.routers:
            app.include_router(router)
