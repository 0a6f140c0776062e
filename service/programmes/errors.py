"""The programmes' errors; the API turns them into 403, 404, 409 and 422 (naming the field)."""

from __future__ import annotations


class ProgrammeError(Exception):
    """Base of the programmes' errors."""


class ProgrammeNotFoundError(ProgrammeError, LookupError):
    """An unknown event, expert, registration, group, challenge or application (404)."""


class ProgrammeConflictError(ProgrammeError):
    """The request is valid but the state forbids it (409)."""


class ProgrammePermissionError(ProgrammeError):
    """Signed in, but not allowed for this one (403): a broker not appointed to review it."""


class ProgrammeInputError(ProgrammeError, ValueError):
    """A value the rules refuse, with the field it came in (422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
