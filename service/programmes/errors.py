"""The errors of the programmes, which the API turns into 404, 409 and 422 answers."""

from __future__ import annotations


class ProgrammeError(Exception):
    """Base of the programmes' errors."""


class ProgrammeNotFoundError(ProgrammeError, LookupError):
    """An unknown event, expert or registration (404)."""


class ProgrammeConflictError(ProgrammeError):
    """The request is valid but the state forbids it (409)."""


class ProgrammeInputError(ProgrammeError, ValueError):
    """A value the rules refuse, with the field it came in (422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
