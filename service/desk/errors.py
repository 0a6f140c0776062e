"""What can go wrong on the desk; the API and the pages map each class to one answer.

DeskError (ValueError)
├── DeskNotFoundError      unknown pair, or a listing missing / not published  -> 404
├── DeskConflictError      the pair's stage does not allow this                -> 409
├── DeskInputError         a bad value, naming its field                       -> 422
└── DeskPermissionError    this account may not do this                        -> 403
"""

from __future__ import annotations


class DeskError(ValueError):
    """Base of the desk's errors; the message is Chinese and shown to users as is."""


class DeskNotFoundError(DeskError):
    pass


class DeskConflictError(DeskError):
    pass


class DeskPermissionError(DeskError):
    pass


class DeskInputError(DeskError):
    """A bad value for one field (``field`` names it, as in the API's 422 errors)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
