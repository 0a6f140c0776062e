"""What can go wrong on the desk; the app maps each class to one answer (``service/errors.py``).

DeskError
├── DeskNotFoundError      unknown pair, or a listing missing / not published  -> 404
├── DeskConflictError      the pair's stage does not allow this                -> 409
├── DeskInputError         a bad value, naming its field                       -> 422
└── DeskPermissionError    this account may not do this                        -> 403
"""

from __future__ import annotations

from service.errors import Conflict, DomainError, Forbidden, Invalid, NotFound


class DeskError(DomainError):
    """Base of the desk's errors; the message is Chinese and shown to users as is."""


class DeskNotFoundError(DeskError, NotFound):
    pass


class DeskConflictError(DeskError, Conflict):
    pass


class DeskPermissionError(DeskError, Forbidden):
    pass


class DeskInputError(DeskError, Invalid):
    """A bad value for one field (``field`` names it, as in the API's 422 errors)."""
