"""CRUD routes for achievements and needs; one router factory serves both kinds."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel

from service.api.auth import SignedIn, require_editor, require_poster
from service.api.deps import AccountsDep, CatalogDep, ListingsDep, MatcherDep
from service.catalog import Catalog, NotFoundError
from service.listings.schemas import (
    Achievement,
    AchievementIn,
    AchievementPatch,
    Kind,
    Need,
    NeedIn,
    NeedPatch,
    Status,
)
from service.matching.results import MatchList


class Page(BaseModel):
    page: int
    page_size: int
    total: int
    items: list[Any]


def listing_router(
    kind: Kind, in_model: type[BaseModel], patch_model: type[BaseModel], out_model: type[BaseModel]
) -> APIRouter:
    plural = kind.plural
    router = APIRouter(prefix=f"/api/{plural}", tags=[plural])

    def _published(catalog: Catalog, listing_id: str) -> Any:
        listing = catalog.get(kind, listing_id)
        if listing.status != Status.published:
            raise NotFoundError(kind, listing_id)
        return listing

    @router.post("", status_code=status.HTTP_201_CREATED, response_model=out_model)
    def create(body: in_model, listings: ListingsDep, user: SignedIn) -> Any:  # type: ignore[valid-type]
        require_poster(user, kind)
        return listings.create(kind, body, user)

    @router.get("", response_model=Page)
    def list_listings(
        catalog: CatalogDep,
        field: Annotated[str | None, Query(max_length=64)] = None,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> Page:
        items, total = catalog.list(
            kind, field=field, offset=(page - 1) * page_size, limit=page_size
        )
        return Page(page=page, page_size=page_size, total=total, items=items)

    @router.get("/{listing_id}", response_model=out_model)
    def get_listing(listing_id: str, catalog: CatalogDep) -> Any:
        return _published(catalog, listing_id)

    @router.patch("/{listing_id}", response_model=out_model)
    def patch_listing(
        listing_id: str,
        body: patch_model,  # type: ignore[valid-type]
        catalog: CatalogDep,
        accounts: AccountsDep,
        listings: ListingsDep,
        user: SignedIn,
    ) -> Any:
        catalog.get(kind, listing_id)  # 404 before 403 for an unknown id
        require_editor(accounts, user, kind, listing_id)
        changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        if not changes:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "no field to change")
        return listings.update(kind, listing_id, changes, user)

    @router.get("/{listing_id}/matches", response_model=MatchList)
    def matches(
        listing_id: str,
        catalog: CatalogDep,
        matcher: MatcherDep,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> MatchList:
        _published(catalog, listing_id)
        return matcher.match(kind, listing_id, limit)

    return router


achievements = listing_router(Kind.achievement, AchievementIn, AchievementPatch, Achievement)
needs = listing_router(Kind.need, NeedIn, NeedPatch, Need)
