"""The OpenAPI document says what the API does: the 422 body, the 4xx where they happen,
timestamps with their UTC offset."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from service.accounts import Role
from service.composition import Components
from tests.desk_support import ACHIEVEMENT, NEED, api_client, make_user

pytestmark = pytest.mark.anyio


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
    ]


def ref_of(op: dict[str, Any], status: str) -> str:
    return str(op["responses"][status]["content"]["application/json"]["schema"]["$ref"])


async def test_declared_errors_match_what_is_sent(seeded_market: Components) -> None:
    seeded_market.catalog.create_schema()
    async with api_client(seeded_market, make_user(seeded_market, Role.broker)) as client:
        spec = (await client.get("/openapi.json")).json()
        bad = await client.post("/api/needs", json={"title": 1})
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    body = schemas["ValidationErrorBody"]
    assert set(body["required"]) == {"detail", "errors"}
    assert set(schemas["FieldError"]["required"]) == {"field", "message"}
    assert bad.status_code == 422 and set(bad.json()) == {"detail", "errors"}
    assert all(set(e) == {"field", "message"} for e in bad.json()["errors"])

    for method, path, op in operations(spec):
        takes_input = op.get("parameters") or op.get("requestBody")
        if takes_input:
            assert ref_of(op, "422").endswith("/ValidationErrorBody"), (method, path)
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                assert "content" in response, (method, path, status)
        open_writes = ("/api/suggest", "/api/password-reset")  # no account needed
        if method in ("POST", "PUT", "PATCH", "DELETE") and path not in open_writes:
            assert {"401", "403"} <= set(op["responses"]), (method, path)
        if "{" in path:
            assert "404" in op["responses"], (method, path)

    declared = {(m, p): set(op["responses"]) for m, p, op in operations(spec)}
    assert "409" in declared[("POST", "/api/needs")]
    assert "409" in declared[("POST", "/api/desk/matches/{match_id}/stage")]
    assert {"401", "403"} <= declared[("GET", "/api/admin/audit")]
    assert "503" in declared[("GET", "/api/search")]
    assert "413" in declared[("POST", "/api/suggest")]
    assert "429" in declared[("POST", "/api/password-reset")]


async def test_timestamps_carry_their_utc_offset(seeded_market: Components) -> None:
    seeded_market.catalog.create_schema()
    broker = make_user(seeded_market, Role.broker)
    async with api_client(seeded_market, broker) as client:
        spec = (await client.get("/openapi.json")).json()
        need = (await client.get(f"/api/needs/{NEED}")).json()
        pair = await client.post(
            "/api/desk/matches", json={"need_id": NEED, "achievement_id": ACHIEVEMENT}
        )
        detail = (await client.get(f"/api/desk/matches/{pair.json()['id']}")).json()
        tokens = (await client.get("/api/me/tokens")).json()
        stats = (await client.get("/api/stats")).json()
    assert spec["components"]["schemas"]["Need"]["properties"]["created_at"]["format"] == (
        "date-time"
    )
    stamps = [
        need["created_at"],
        need["updated_at"],
        pair.json()["created_at"],
        detail["history"][0]["at"],
        tokens[0]["created_at"],
        stats["generated_at"],
    ]
    for stamp in stamps:
        parsed = dt.datetime.fromisoformat(stamp)
        assert parsed.utcoffset() == dt.timedelta(0), stamp
