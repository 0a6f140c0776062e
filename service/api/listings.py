"""CRUD routes for achievements and needs; one router factory serves both kinds."""

import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel

from service.api.auth import SignedIn, require_editor, require_poster
from service.api.deps import EngineDep
from service.catalog import NotFoundError
from service.matching.matcher import Matcher
from service.matching.results import MatchList
from service.schemas import (
    Achievement,
    AchievementIn,
    AchievementPatch,
    Kind,
    Need,
    NeedIn,
    NeedPatch,
    Status,
)

log = logging.getLogger(__name__)


class Page(BaseModel):
    page: int
    page_size: int
    total: int
    items: list[Any]


def _index_after_write(engine: Any, kind: Kind, listing: Any) -> None:
    """The catalog write has landed; a failure here only delays searchability."""
    try:
        engine.listing_changed(kind, listing)
    except Exception:
        log.exception("could not index %s %s; run `techmatch index`", kind.value, listing.id)


def listing_router(
    kind: Kind, in_model: type[BaseModel], patch_model: type[BaseModel], out_model: type[BaseModel]
) -> APIRouter:
    plural = "achievements" if kind is Kind.achievement else "needs"
    router = APIRouter(prefix=f"/api/{plural}", tags=[plural])

    def _published(engine: Any, listing_id: str) -> Any:
        listing = engine.catalog.get(kind, listing_id)
        if listing.status != Status.published:
            raise NotFoundError(kind, listing_id)
        return listing

    @router.post("", status_code=status.HTTP_201_CREATED, response_model=out_model)
    def create(body: in_model, engine: EngineDep, user: SignedIn) -> Any:  # type: ignore[valid-type]
        require_poster(user, kind)
        owner = None if user.sees_everything else user.id
        listing = engine.catalog.create(kind, body, owner_id=owner)
        _index_after_write(engine, kind, listing)
        return listing

    @router.get("", response_model=Page)
    def list_listings(
        engine: EngineDep,
        field: Annotated[str | None, Query(max_length=64)] = None,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> Page:
        items, total = engine.catalog.list(
            kind, field=field, offset=(page - 1) * page_size, limit=page_size
        )
        return Page(page=page, page_size=page_size, total=total, items=items)

    @router.get("/{listing_id}", response_model=out_model)
    def get_listing(listing_id: str, engine: EngineDep) -> Any:
        return _published(engine, listing_id)

    @router.patch("/{listing_id}", response_model=out_model)
    def patch_listing(
        listing_id: str,
        body: patch_model,  # type: ignore[valid-type]
        engine: EngineDep,
        user: SignedIn,
    ) -> Any:
        engine.catalog.get(kind, listing_id)  # 404 before 403 for an unknown id
        require_editor(engine, user, kind, listing_id)
        changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        if not changes:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "no field to change")
        listing = engine.catalog.patch(kind, listing_id, changes)
        _index_after_write(engine, kind, listing)
        return listing

    @router.get("/{listing_id}/matches", response_model=MatchList)
    def matches(
        listing_id: str,
        engine: EngineDep,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> MatchList:
        _published(engine, listing_id)
        return Matcher(engine).match(kind, listing_id, limit)

    return router


achievements = listing_router(Kind.achievement, AchievementIn, AchievementPatch, Achievement)
needs = listing_router(Kind.need, NeedIn, NeedPatch, Need)
