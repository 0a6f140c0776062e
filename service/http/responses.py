"""The API's error bodies, and the OpenAPI ``responses`` that declare them where they happen.

Every error is ``{"detail": str}``; a 422 adds ``errors``, one ``{"field", "message"}`` per bad
field (the app's validation handler builds it). Routes declare the statuses they can answer
with ``responses(401, 403, …)`` so the OpenAPI document says what the API does.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel, Field


class FieldError(BaseModel):
    field: str = Field(description="the bad field, dotted for nested ones (`body` for the whole)")
    message: str


class ErrorBody(BaseModel):
    detail: str = Field(description="what went wrong, in one sentence")


class ValidationErrorBody(ErrorBody):
    errors: list[FieldError] = Field(description="one entry per bad field")


DESCRIPTIONS = {
    400: "the body cannot be read (not UTF-8, or a form the parser refuses)",
    401: "no account: sign in, or send `Authorization: Bearer <token>`",
    403: "this account may not do this, or a cookie-borne write lacks its CSRF token",
    404: "no such listing, pair or token (drafts and withdrawn listings count as none)",
    409: "conflict: the id is taken, the listing is not published, or the stage does not allow it",
    413: "the request body is larger than the limit (see docs/reliability.md, Limits)",
    422: "bad input: `errors` names each bad field",
    429: "too many attempts from this address (or for this account): wait and try again",
    503: "the search index is missing, built for other settings, or unreachable",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these statuses, each with its body model."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        model = ValidationErrorBody if code == 422 else ErrorBody
        out[code] = {"model": model, "description": DESCRIPTIONS[code]}
    return out


READ = responses(422)
WRITE = responses(400, 401, 403, 413, 422)
BODY = responses(400, 413, 422)  # what any operation taking a body may answer


def attachment(media_type: str, content: bytes, name: str) -> Response:
    """A file to download (an Excel export, a contract draft), named ``name``."""
    disposition = f'attachment; filename="{name}"'
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})
