"""The programmes' errors; the app maps them (``service/errors.py``) to 403, 404, 409 and 422."""

from __future__ import annotations

from service.errors import Conflict, DomainError, Forbidden, Invalid, NotFound


class ProgrammeError(DomainError):
    """Base of the programmes' errors."""


class ProgrammeNotFoundError(ProgrammeError, NotFound):
    """An unknown event, expert, registration, group, challenge or application (404)."""


class ProgrammeConflictError(ProgrammeError, Conflict):
    """The request is valid but the state forbids it (409)."""


class ProgrammePermissionError(ProgrammeError, Forbidden):
    """Signed in, but not allowed for this one (403): a broker not appointed to review it."""


class ProgrammeInputError(ProgrammeError, Invalid):
    """A value the rules refuse, with the field it came in (422)."""
