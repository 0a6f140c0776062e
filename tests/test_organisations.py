"""Organisations have an identity a name alone cannot claim (#22 item 2): an account that signs
up with another organisation's name cannot register it for events, block its registration,
receive its intents' counterparts or cite its achievements, until a broker confirms it."""

from __future__ import annotations

import pytest

from service.accounts import Role
from service.accounts.organisations import Standing, organisation_key
from service.clock import today as beijing_today
from service.composition import Components
from service.listings.schemas import AchievementIn, Kind, NeedIn
from tests.desk_support import api_client, make_user
from tests.pages import PASSWORD, log_in, page_client

pytestmark = pytest.mark.anyio
REAL = "达州华康化工有限公司"
STORED = {"id", "created_at", "updated_at"}


def event_body(achievement_ids: list[str]) -> dict[str, object]:
    return {
        "title": "化工成果对接会",
        "kind": "对接会",
        "date": beijing_today().isoformat(),
        "place": "达州市科技局报告厅",
        "capacity": 20,
        "achievement_ids": achievement_ids,
    }


def test_the_first_account_founds_a_later_one_waits(market: Components) -> None:
    accounts = market.accounts
    real = accounts.create_user("huakang", PASSWORD, Role.enterprise, REAL, phone="13800000001")
    squatter = accounts.create_user(
        "squat", PASSWORD, Role.enterprise, " 达州华康化工有限公司 ", phone="13800000002"
    )
    mine, theirs = accounts.organisation_of(real), accounts.organisation_of(squatter)
    assert mine is not None and theirs is not None
    assert mine.organisation_id == theirs.organisation_id
    assert mine.standing is Standing.founder and mine.recognised and not mine.verified
    assert theirs.standing is Standing.pending and not theirs.recognised
    broker = make_user(market, Role.broker)
    accounts.organisations.verify(mine.organisation_id, True, broker.id)
    assert accounts.organisation_of(real).verified  # type: ignore[union-attr]
    assert not accounts.organisation_of(squatter).verified  # type: ignore[union-attr]
    accounts.organisations.decide(squatter.id, Standing.confirmed, broker.id)
    assert accounts.organisation_of(squatter).verified  # type: ignore[union-attr]


def test_full_width_and_spaces_do_not_make_a_second_organisation() -> None:
    assert organisation_key("ＡＢＣ 科技（达州）有限公司") == organisation_key(
        "abc科技(达州)有限公司"
    )


def test_a_name_the_market_lists_cannot_be_founded_by_sign_up(seeded_market: Components) -> None:
    need = next(iter(seeded_market.catalog.iter_all(Kind.need, published_only=True)))
    squatter = seeded_market.accounts.create_user(
        "seed-squat", PASSWORD, Role.enterprise, need.enterprise, phone="13800000003"
    )
    found = seeded_market.accounts.organisation_of(squatter)
    assert found is not None and found.standing is Standing.pending


async def test_a_squatter_neither_registers_nor_blocks_the_registration(
    seeded_market: Components,
) -> None:
    market = seeded_market
    real = market.accounts.create_user(
        "huakang", PASSWORD, Role.enterprise, REAL, phone="13800000001"
    )
    squatter = market.accounts.create_user(
        "squat", PASSWORD, Role.enterprise, REAL, phone="13800000002"
    )
    broker = make_user(market, Role.broker)
    achievement = next(iter(market.catalog.iter_all(Kind.achievement, published_only=True)))
    async with api_client(market, broker) as client:
        event = (await client.post("/api/events", json=event_body([achievement.id]))).json()
    url = f"/api/events/{event['id']}/registrations"
    body = {"attendees": 2, "contact": "张工 13800000002"}
    async with api_client(market, squatter) as client:
        r = await client.post(url, json=body)
        assert r.status_code == 403 and "核实" in r.json()["detail"]
        mine = await client.get("/api/me/organisation")
        assert mine.json()["standing"] == "pending" and mine.json()["recognised"] is False
    async with api_client(market, real) as client:
        r = await client.post(url, json=body)
        assert r.status_code == 201, r.text
        assert r.json()["organisation_id"] is not None
    assert market.events.registration_of(event["id"], squatter) is None
    assert market.events.registration_of(event["id"], real) is not None
    async with api_client(market, broker) as client:
        r = await client.post(url, json={**body, "enterprise": " 达州华康化工有限公司"})
        assert r.status_code == 409  # the same organisation, however it is spelt
        listed = (await client.get("/api/admin/organisations")).json()
        assert listed[0]["name"] == REAL  # accounts awaiting a decision first
        assert [m["standing"] for m in listed[0]["members"]] == ["founder", "pending"]
        r = await client.post(
            f"/api/admin/accounts/{squatter.id}/organisation", json={"standing": "confirmed"}
        )
        assert r.status_code == 200 and r.json()["recognised"] is True
    assert market.events.registration_of(event["id"], squatter) is not None


async def test_an_intent_never_introduces_a_squatters_need(seeded_market: Components) -> None:
    market = seeded_market
    seeded = next(iter(market.catalog.iter_all(Kind.need, published_only=True)))
    squatter = market.accounts.create_user(
        "squat", PASSWORD, Role.enterprise, seeded.enterprise, phone="13800000002"
    )
    fake = market.listings.create(
        Kind.need,
        NeedIn.model_validate(
            {**seeded.model_dump(exclude=STORED), "title": seeded.title + "（仿）"}
        ),
        squatter,
    )
    broker = make_user(market, Role.broker)
    ranked = market.matcher.match(Kind.need, fake.id, limit=3).matches
    async with api_client(market, broker) as client:
        event = (await client.post("/api/events", json=event_body([ranked[0].id]))).json()
        invited = await client.get(f"/api/events/{event['id']}/invitations?page_size=200")
        cited = {r["need_id"] for i in invited.json()["items"] for r in i["achievements"]}
        assert fake.id not in cited  # the squatter is neither invited nor its contact quoted
        intent = {"enterprise": seeded.enterprise, "achievement_id": ranked[0].id}
        r = await client.post(f"/api/events/{event['id']}/intents", json=intent)
        assert r.status_code == 201, r.text
        assert r.json()["need_id"] != fake.id
        r = await client.post(
            f"/api/events/{event['id']}/intents", json={**intent, "need_id": fake.id}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "need_id"
    assert not market.desk.can_see_contact(squatter, Kind.achievement, ranked[0].id)


async def test_an_application_cites_only_its_own_published_achievements(
    seeded_market: Components,
) -> None:
    market = seeded_market
    admin = make_user(market, Role.admin)
    group = market.common_needs.list().groups[0]
    body = {
        "title": "连续纤维拉丝断丝攻关",
        "description": "多家企业拉丝断丝频繁，需改进漏板与控制。",
        "indicators": ["断丝次数每台每班不超过1次"],
        "reward_wan": 200,
        "deadline": beijing_today().replace(year=beijing_today().year + 1).isoformat(),
        "common_need_id": group.id,
    }
    async with api_client(market, admin) as client:
        challenge = (await client.post("/api/challenges", json=body)).json()
    university = make_user(market, Role.university, "cite-u")
    others = next(iter(market.catalog.iter_all(Kind.achievement, published_only=True)))
    application = {
        "team": "张教授团队", "plan": "改进漏板结构。", "promised_indicators": ["断丝率下降50%"],
        "budget_wan": 100, "months": 12, "achievement_ids": [others.id],
    }  # fmt: skip
    url = f"/api/challenges/{challenge['id']}/applications"
    async with api_client(market, university) as client:
        r = await client.post(url, json=application)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "achievement_ids"
        assert others.id in r.json()["errors"][0]["message"]
    draft = market.listings.create(
        Kind.achievement,
        AchievementIn.model_validate({**others.model_dump(exclude=STORED), "status": "draft"}),
        university,
    )
    async with api_client(market, university) as client:
        r = await client.post(url, json={**application, "achievement_ids": [draft.id]})
        assert r.status_code == 422  # a draft is not cited, even its own
        r = await client.post(url, json={**application, "achievement_ids": []})
        assert r.status_code == 201, r.text


async def test_a_broker_confirms_a_claim_and_verifies_the_organisation_on_the_page(
    market: Components,
) -> None:
    market.accounts.create_user("huakang", PASSWORD, Role.enterprise, REAL, phone="13800000001")
    squatter = market.accounts.create_user(
        "squat", PASSWORD, Role.enterprise, REAL, phone="13800000002"
    )
    broker = make_user(market, Role.broker)
    async with page_client(market) as client:
        token = await log_in(client, broker.username)
        html = (await client.get("/admin/accounts")).text
        assert "待核实" in html and "确认代表该单位" in html
        r = await client.post(
            f"/admin/accounts/{squatter.id}/standing",
            data={"standing": "confirmed", "csrf_token": token},
        )
        assert r.status_code == 303
        found = market.accounts.organisation_of(squatter)
        assert found is not None and found.recognised and not found.verified
        r = await client.post(
            f"/admin/organisations/{found.organisation_id}/verify",
            data={"verified": "true", "csrf_token": token},
        )
        assert r.status_code == 303
        assert "已核实单位" in (await client.get("/admin/accounts")).text
    assert market.accounts.organisation_of(squatter).verified  # type: ignore[union-attr]
