"""The one timestamp type of every answer.

Times are stored as naive UTC; every answer sends them as ISO 8601 with their offset
(``2026-12-07T11:02:03+00:00``), and the OpenAPI document calls them ``date-time``. A response
model declares a time as ``Timestamp`` (``tests/test_request_bodies.py`` fails on a bare
``datetime`` in any answer), so no surface can send a time a client must guess the zone of.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema


def offset_text(value: dt.datetime) -> str:
    """A stored time as RFC 3339: naive values are UTC and get ``+00:00``; aware ones keep
    theirs (``+08:00`` for Beijing time)."""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.isoformat()


Timestamp = Annotated[
    dt.datetime,
    PlainSerializer(offset_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
