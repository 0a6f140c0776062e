"""The programmes' errors; the API turns them into 404, 409 and 422 (naming the field)."""

from __future__ import annotations


class ProgrammeError(Exception):
    """Base of the programmes' errors."""


class ProgrammeNotFoundError(ProgrammeError):
    """An unknown group, challenge or application (404)."""


class ProgrammeConflictError(ProgrammeError):
    """A move the current state does not allow (409)."""


class ProgrammePermissionError(ProgrammeError):
    """Signed in, but not allowed for this one (403): a broker not appointed to review it."""


class ProgrammeInputError(ProgrammeError):
    """A bad value (422), naming its field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
