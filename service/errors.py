"""The market's domain errors: one tree, mapped to HTTP answers and to pages once, in the app.

    DomainError                       the message is Chinese (or plain) and shown as is
    ├── NotFound      (LookupError)   404  unknown listing, pair, event, challenge …
    ├── Forbidden                     403  signed in, but this account may not do this
    ├── Conflict                      409  valid, but the state does not allow it
    ├── Invalid       (ValueError)    422  a bad value; ``field`` names it as the API's errors do
    └── Busy                          503  the database stayed locked past the retry budget

The desk's errors (``service/desk/errors.py``), the programmes' (``service/programmes/errors.py``),
the catalog's and the API's own inherit from these, so a route never translates an error itself:
``service/app.py`` answers ``{"detail": …}`` (a 422 adds ``errors``) on ``/api/`` and a Chinese
page elsewhere.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Base of every error the market answers with a 4xx or 503 of its own."""

    status: ClassVar[int] = 400


class NotFound(DomainError, LookupError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Invalid(DomainError, ValueError):
    """A value the rules refuse, with the field it came in."""

    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Busy(DomainError):
    status = 503
