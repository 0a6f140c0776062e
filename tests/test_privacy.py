"""Who sees what: contacts only to brokers, admins, the owner and the introduced other party,
in JSON exactly as on the pages (one rule: ``Desk.can_see_contact``)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from service.accounts import Role
from service.composition import Components
from service.desk.stages import Stage
from service.listings.schemas import Kind
from tests.desk_support import ACHIEVEMENT, NEED, api_client, make_user, own

pytestmark = pytest.mark.anyio


def contacts(payload: Any) -> list[str]:
    """Every non-null ``contact`` anywhere in a JSON answer."""
    found: list[str] = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "contact" and value is not None:
                found.append(value)
            found.extend(contacts(value))
    elif isinstance(payload, list):
        for item in payload:
            found.extend(contacts(item))
    return found


async def all_pages(client: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        r = await client.get(path, params={"page": page, "page_size": 100})
        assert r.status_code == 200, r.text
        assert contacts(r.json()) == []
        items.extend(r.json()["items"])
        if len(items) >= r.json()["total"]:
            return items
        page += 1


async def test_no_contact_in_any_anonymous_json_answer_over_the_seed(
    seeded_market: Components,
) -> None:
    with_contact = [n for n in seeded_market.catalog.iter_all(Kind.need) if n.contact]
    assert len(with_contact) > 100  # the seed has contacts to leak
    async with api_client(seeded_market, None) as client:
        needs = await all_pages(client, "/api/needs")
        achievements = await all_pages(client, "/api/achievements")
        assert len(needs) == seeded_market.catalog.count(Kind.need)
        for item in needs:
            r = await client.get(f"/api/needs/{item['id']}")
            assert r.status_code == 200 and "contact" in r.json()
            assert contacts(r.json()) == [], item["id"]
        for item in achievements[::7]:
            r = await client.get(f"/api/achievements/{item['id']}")
            assert contacts(r.json()) == [], item["id"]
        for path, params in (
            ("/api/search", {"q": "玄武岩纤维", "page_size": 100}),
            ("/api/search", {"page_size": 100}),
            ("/api/needs/N2001/matches", {"limit": 100}),
            ("/api/achievements/A2003/matches", {"limit": 100}),
        ):
            r = await client.get(path, params=params)
            assert r.status_code == 200 and contacts(r.json()) == [], path
        # the pages agree: the contact of a listing is nowhere on its page
        page = await client.get(f"/needs/{with_contact[0].id}")
        assert with_contact[0].contact not in page.text


async def test_brokers_admins_owner_and_introduced_party_see_it_others_do_not(
    seeded_market: Components,
) -> None:
    market = seeded_market
    market.catalog.create_schema()
    need = market.catalog.get(Kind.need, NEED)
    assert need.contact
    enterprise = make_user(market, Role.enterprise, "owner-ent")
    university = make_user(market, Role.university, "other-uni")
    stranger = make_user(market, Role.enterprise, "stranger-ent")
    broker = make_user(market, Role.broker)
    admin = make_user(market, Role.admin)
    own(market, enterprise, Kind.need, NEED)
    own(market, university, Kind.achievement, ACHIEVEMENT)

    async def seen_by(user: Any) -> str | None:
        async with api_client(market, user) as client:
            one = (await client.get(f"/api/needs/{NEED}")).json()["contact"]
            listed = await client.get("/api/needs", params={"page_size": 100})
            rows = [i for i in listed.json()["items"] if i["id"] == NEED]
            assert not rows or rows[0]["contact"] == one  # the list agrees with the item
            return one  # type: ignore[no-any-return]

    assert await seen_by(None) is None
    assert await seen_by(stranger) is None
    assert await seen_by(university) is None  # not introduced yet
    assert await seen_by(broker) == need.contact
    assert await seen_by(admin) == need.contact
    assert await seen_by(enterprise) == need.contact

    pair = market.desk.recommend(NEED, ACHIEVEMENT, broker)
    assert await seen_by(university) is None  # recommended is not yet introduced
    market.desk.move(pair.id, Stage.contacted, broker)
    assert await seen_by(university) == need.contact
    assert await seen_by(stranger) is None


async def test_openapi_documents_the_hidden_contact(seeded_market: Components) -> None:
    async with api_client(seeded_market, None) as client:
        spec = (await client.get("/openapi.json")).json()
    need = spec["components"]["schemas"]["Need"]["properties"]["contact"]
    assert "null" in need["description"] and "经纪人" in need["description"]
