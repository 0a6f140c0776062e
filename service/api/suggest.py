"""POST /api/suggest: a field and keywords suggested for a listing being written.

Public (no account): it reads the catalog's model and stores nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field, model_validator

from service.http.deps import SuggesterDep
from service.http.responses import BODY
from service.listings.schemas import TEXT_MAX, TITLE_MAX, Kind
from service.requests import RequestModel
from service.suggest.keywords import DEFAULT_LIMIT
from service.suggest.suggester import Suggestion

router = APIRouter(prefix="/api", tags=["suggest"])


class SuggestRequest(RequestModel):
    kind: Kind
    title: Annotated[str, Field(max_length=TITLE_MAX, description="the listing's title")] = ""
    text: Annotated[
        str, Field(max_length=TEXT_MAX, description="summary (achievement) or description (need)")
    ] = ""
    limit: Annotated[int, Field(ge=1, le=20, description="how many keywords")] = DEFAULT_LIMIT

    @model_validator(mode="after")
    def _some_text(self) -> SuggestRequest:
        if not (self.title.strip() or self.text.strip()):
            raise ValueError("give a title or a text to suggest from")
        return self


@router.post("/suggest", response_model=Suggestion, responses=BODY)
def suggest(body: SuggestRequest, suggester: SuggesterDep) -> Suggestion:
    """Ranked fields (sub-field when confident) and key terms for a title and text."""
    return suggester.suggest(body.kind, body.text, title=body.title, limit=body.limit)
