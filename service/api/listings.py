"""CRUD routes for achievements and needs; one router factory serves both kinds.

Every listing sent out passes through ``privacy.for_viewer``: ``contact`` is null unless the
viewer may see it. Paging is capped (``page`` ≤ 10,000, ``page_size`` ≤ 100).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from service.catalog import Catalog, NotFoundError
from service.http.auth import CurrentUser, SignedIn, require_editor, require_poster
from service.http.deps import AccountsDep, CatalogDep, DeskDep, ListingsDep, MatcherDep
from service.http.privacy import all_for_viewer, for_viewer
from service.http.responses import WRITE, responses
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

PAGE_MAX = 10_000
PAGE_SIZE_MAX = 100


class Page(BaseModel):
    page: int
    page_size: int
    total: int
    items: list[Any]


def _page_model(out_model: type[BaseModel], plural: str) -> type[BaseModel]:
    """``Page`` with its items typed, so the OpenAPI document shows what a page holds."""
    from pydantic import create_model

    return create_model(
        f"{out_model.__name__}Page",
        __base__=Page,
        items=(list[out_model], Field(description=f"published {plural}, newest first")),  # type: ignore[valid-type]
    )


def listing_router(
    kind: Kind, in_model: type[BaseModel], patch_model: type[BaseModel], out_model: type[BaseModel]
) -> APIRouter:
    plural = kind.plural
    router = APIRouter(prefix=f"/api/{plural}", tags=[plural])
    page_model = _page_model(out_model, plural)

    def _published(catalog: Catalog, listing_id: str) -> Any:
        listing = catalog.get(kind, listing_id)
        if listing.status != Status.published:
            raise NotFoundError(kind, listing_id)
        return listing

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        response_model=out_model,
        responses={**WRITE, **responses(409)},
    )
    def create(body: in_model, listings: ListingsDep, user: SignedIn) -> Any:  # type: ignore[valid-type]
        """Post a listing. Enterprises and universities always post under their own
        organisation, whatever the body says."""
        require_poster(user, kind)
        return listings.create(kind, body, user)

    @router.get("", response_model=page_model, responses=responses(401, 422))
    def list_listings(
        catalog: CatalogDep,
        desk: DeskDep,
        user: CurrentUser,
        field: Annotated[str | None, Query(max_length=64)] = None,
        page: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 1,
        page_size: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = 20,
    ) -> Any:
        items, total = catalog.list(
            kind, field=field, offset=(page - 1) * page_size, limit=page_size
        )
        visible = all_for_viewer(items, user, desk)
        return page_model(page=page, page_size=page_size, total=total, items=visible)

    @router.get("/{listing_id}", response_model=out_model, responses=responses(401, 404, 422))
    def get_listing(listing_id: str, catalog: CatalogDep, desk: DeskDep, user: CurrentUser) -> Any:
        return for_viewer(_published(catalog, listing_id), user, desk)

    @router.patch("/{listing_id}", response_model=out_model, responses={**WRITE, **responses(404)})
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
            error = {"loc": ("body",), "msg": "no field to change", "type": "value_error"}
            raise RequestValidationError([error])
        return listings.update(kind, listing_id, changes, user)

    @router.get(
        "/{listing_id}/matches", response_model=MatchList, responses=responses(401, 404, 422, 503)
    )
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
