"""The promises of the API on every body (#22 item 8): one request-model base, so unknown keys
are refused, numbers are JSON numbers (not ``true`` or ``"5"``), dates lie in a sane range, ids
in a body stay in SQL's INTEGER range; every 422 is the one flat shape."""

from __future__ import annotations

import datetime as dt
import inspect
import typing

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, PlainSerializer

from service.accounts import Role
from service.app import create_app
from service.clock import today as beijing_today
from service.composition import Components
from service.requests import RequestModel
from tests.desk_support import api_client, make_user

pytestmark = pytest.mark.anyio
EVENT = {
    "title": "天然气化工成果推介会",
    "kind": "推介会",
    "date": beijing_today().isoformat(),
    "place": "达州市科技局报告厅",
    "capacity": 5,
    "achievement_ids": [],
}


def api_routes(routes: typing.Iterable[typing.Any]) -> typing.Iterator[APIRoute]:
    """Every JSON API route (included routers are walked: FastAPI keeps them whole)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from api_routes(inner.routes)
        elif isinstance(route, APIRoute) and route.path.startswith("/api/"):
            yield route


def body_models(market: Components) -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for route in api_routes(create_app(parts=market).routes):
        for param in route.dependant.body_params:
            annotation = param.field_info.annotation
            for candidate in (annotation, *typing.get_args(annotation)):
                if inspect.isclass(candidate) and issubclass(candidate, BaseModel):
                    found[f"{sorted(route.methods)[0]} {route.path}"] = candidate
    return found


def test_every_json_body_has_the_one_base(market: Components) -> None:
    models = body_models(market)
    assert len(models) >= 30
    others = {op: m.__name__ for op, m in models.items() if not issubclass(m, RequestModel)}
    assert others == {}


def assert_field_refused(response: typing.Any, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert isinstance(body["detail"], str), body  # flat: never {"detail": {"detail": …}}
    assert field in {e["field"] for e in body["errors"]}, body


async def test_unknown_keys_numbers_and_dates(market: Components) -> None:
    broker = make_user(market, Role.broker)
    async with api_client(market, broker) as client:
        r = await client.post("/api/events", json={**EVENT, "capacty": 9})
        assert_field_refused(r, "capacty")
        for wrong in (True, "5"):
            assert_field_refused(
                await client.post("/api/events", json={**EVENT, "capacity": wrong}), "capacity"
            )
        for day in (0, "1970-01-01", "9999-12-31"):
            assert_field_refused(
                await client.post("/api/events", json={**EVENT, "date": day}), "date"
            )
        r = await client.post("/api/events", json=EVENT)
        assert r.status_code == 201, r.text
        url = f"/api/events/{r.json()['id']}/registrations"
        body = {"attendees": "3", "contact": "王工", "enterprise": "某企业"}
        assert_field_refused(await client.post(url, json=body), "attendees")
        r = await client.post(url, json={**body, "attendees": 3, "seats": 3})
        assert_field_refused(r, "seats")
        r = await client.post("/api/saved-searches", json={"q": "锂", "notify": True})
        assert_field_refused(r, "notify")
        r = await client.post("/api/saved-searches", json={"q": "   "})  # nothing to search
        assert r.status_code == 422 and isinstance(r.json()["detail"], str), r.text
        assert r.json()["errors"][0]["field"] == "q"


async def test_ids_in_a_body_stay_in_range(market: Components) -> None:
    admin = make_user(market, Role.admin)
    async with api_client(market, admin) as client:
        r = await client.post("/api/common-needs/1/merge", json={"other_id": 2**63})
        assert_field_refused(r, "other_id")
        r = await client.post(
            "/api/challenges/1/selection", json={"application_id": 2**64, "reason": "x"}
        )
        assert_field_refused(r, "application_id")


async def test_row_ids_beyond_sql_integers_are_refused_on_every_api_route(
    market: Components,
) -> None:
    admin = make_user(market, Role.admin)
    huge = str(2**63)
    answers = {}
    async with api_client(market, admin) as client:
        for route in api_routes(create_app(parts=market).routes):
            ints = [p.name for p in route.dependant.path_params if p.field_info.annotation is int]
            if not ints:
                continue
            path = route.path
            for name in ints:
                path = path.replace("{" + name + "}", huge)
            for method in route.methods:
                r = await client.request(method, path, json={})
                answers[f"{method} {route.path}"] = r.status_code
    assert len(answers) >= 25
    assert {op: s for op, s in answers.items() if s >= 500 or s not in (404, 422)} == {}


def bare_times(model: type[BaseModel], seen: set[type[BaseModel]]) -> typing.Iterator[str]:
    """Fields of an answer (and of the models inside it) holding a time that is not the one
    ``Timestamp`` type: they would be sent without their offset."""
    if model in seen:
        return
    seen.add(model)
    for name, field in model.model_fields.items():
        if any(isinstance(m, PlainSerializer) for m in field.metadata):
            continue  # Timestamp itself
        stack = [field.annotation]
        while stack:
            annotation = stack.pop()
            if typing.get_origin(annotation) is typing.Annotated and any(
                isinstance(m, PlainSerializer) for m in annotation.__metadata__
            ):
                continue  # an optional Timestamp
            stack.extend(typing.get_args(annotation))
            if annotation is dt.datetime:
                yield f"{model.__name__}.{name}"
            if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
                yield from bare_times(annotation, seen)


def test_every_time_in_every_answer_carries_its_offset(market: Components) -> None:
    seen: set[type[BaseModel]] = set()
    found = []
    for route in api_routes(create_app(parts=market).routes):
        model = route.response_model
        for candidate in (model, *typing.get_args(model)):
            if inspect.isclass(candidate) and issubclass(candidate, BaseModel):
                found.extend(bare_times(candidate, seen))
    assert len(seen) >= 40
    assert sorted(set(found)) == []


async def test_answers_carry_the_offset_on_the_wire(market: Components) -> None:
    broker = make_user(market, Role.broker)
    async with api_client(market, broker) as client:
        event = (await client.post("/api/events", json=EVENT)).json()
        saved = (await client.post("/api/saved-searches", json={"q": "锂"})).json()
        accounts = (await client.get("/api/admin/accounts")).json()
    for stamp in (event["created_at"], saved["created_at"], accounts[0]["created_at"]):
        assert stamp.endswith(("+00:00", "+08:00")), stamp
