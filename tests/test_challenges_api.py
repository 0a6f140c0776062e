"""The programmes' JSON API on the seed: common needs, review, challenges, applications."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from service.accounts import Role, User
from service.app import create_app
from service.composition import Components
from service.listings.schemas import Kind
from service.programmes.challenges.models import ChallengeRow
from tests.desk_support import api_client, login, make_user
from tests.support.app_client import AppClient

pytestmark = pytest.mark.anyio

DEADLINE = (dt.date.today() + dt.timedelta(days=30)).isoformat()
APPLICATION = {
    "team": "张教授团队（5人）",
    "plan": "改进漏板结构与温控，降低断丝率。",
    "promised_indicators": ["断丝率下降50%"],
    "budget_wan": 180,
    "months": 18,
}


def challenge_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": "连续纤维拉丝断丝攻关",
        "description": "多家企业拉丝断丝频繁，需改进漏板与控制。",
        "indicators": ["断丝次数每台每班不超过1次", "漏板寿命≥18个月"],
        "reward_wan": 200,
        "deadline": DEADLINE,
    }
    return {**body, **changes}


async def test_common_needs_on_the_seed(seeded_market: Components) -> None:
    async with api_client(seeded_market, None) as client:
        r = await client.get("/api/common-needs")
        assert r.status_code == 200, r.text
        groups = r.json()["groups"]
    assert len(groups) >= 10
    for group in groups:
        found = seeded_market.catalog.get_many(Kind.need, group["needs"])
        enterprises = {found[n].enterprise for n in group["needs"]}
        assert len(group["needs"]) >= 2 and len(enterprises) >= 2, group
        assert group["id"] and group["title"]
        # a group whose members share no technical term is not given a name made of others
        assert (group["title"] == "未命名共性需求") == (not group["key_terms"]), group
    assert all(g["key_terms"] for g in groups)  # every seed group has a technical title
    ranked = [g for g in groups if g["achievements"]]
    assert len(ranked) >= len(groups) // 2
    best = ranked[0]["achievements"][0]
    assert best["rank"] == 1 and best["serves"] and "匹配本组" in best["explanation"]
    assert best["components"][0]["name"] == "text"


async def test_review_and_catalogue(seeded_market: Components) -> None:
    admin = make_user(seeded_market, Role.admin)
    groups = seeded_market.common_needs.list().groups
    first, second = groups[0], groups[1]
    async with api_client(seeded_market, make_user(seeded_market, Role.broker)) as broker:
        r = await broker.post(f"/api/common-needs/{first.id}/title", json={"title": "新名"})
        assert r.status_code == 403
    async with api_client(seeded_market, admin) as client:
        r = await client.post(f"/api/common-needs/{first.id}/title", json={"title": ""})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "title"
        r = await client.post(f"/api/common-needs/{first.id}/title", json={"title": "拉丝共性"})
        assert r.status_code == 200 and r.json()["status"] == "reviewed"
        r = await client.post(f"/api/common-needs/{first.id}/merge", json={"other_id": second.id})
        assert r.status_code == 200
        merged = r.json()["needs"]
        assert set(merged) == set(first.needs) | set(second.needs)
        assert (await client.get(f"/api/common-needs/{second.id}")).status_code == 404
        r = await client.post(
            f"/api/common-needs/{first.id}/split", json={"need_ids": second.needs}
        )
        assert r.status_code == 201 and set(r.json()["needs"]) == set(second.needs)
        r = await client.post(f"/api/common-needs/{first.id}/remove", json={"need_id": "N-unknown"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "need_id"
        r = await client.post(f"/api/common-needs/{first.id}/status", json={"status": "published"})
        assert r.status_code == 200 and r.json()["status"] == "published"
        r = await client.get("/api/common-needs", params={"status": "published"})
        assert [g["id"] for g in r.json()["groups"]] == [first.id]
        r = await client.get("/api/common-needs/catalogue.xlsx")
        assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "重大科技需求目录" and rows[2][:3] == ("序号", "名称", "单位")
    assert rows[3][1] == "拉丝共性" and len(rows) == 4
    assert rows[3][7]  # an admin sees the contacts
    async with api_client(seeded_market, None) as anonymous:
        r = await anonymous.get("/api/common-needs/catalogue.xlsx")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[3][7] in (None, "")  # nobody else does


async def _published_challenge(seeded_market: Components, admin: User) -> int:
    """Only an admin publishes, and a bad field is named; returns the challenge's id."""
    group = seeded_market.common_needs.list().groups[0]
    for role in (None, Role.enterprise, Role.university, Role.broker):
        user = make_user(seeded_market, role) if role else None
        async with api_client(seeded_market, user) as client:
            r = await client.post("/api/challenges", json=challenge_body())
            assert r.status_code == (401 if role is None else 403), (role, r.text)
    async with api_client(seeded_market, admin) as client:
        r = await client.post("/api/challenges", json=challenge_body(reward_wan="很多"))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reward_wan"
        r = await client.post("/api/challenges", json=challenge_body(need_ids=["N-none"]))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "need_ids"
        r = await client.post("/api/challenges", json=challenge_body(common_need_id=99999))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "common_need_id"
        r = await client.post("/api/challenges", json=challenge_body(common_need_id=group.id))
        assert r.status_code == 201, r.text
        challenge = r.json()
    assert challenge["stage"] == "published" and challenge["need_ids"] == group.needs
    return int(challenge["id"])


async def test_a_challenge_from_publication_to_selection(seeded_market: Components) -> None:
    admin = make_user(seeded_market, Role.admin)
    cid = await _published_challenge(seeded_market, admin)
    university = make_user(seeded_market, Role.university, "u-one")
    other = make_user(seeded_market, Role.university, "u-two")
    async with api_client(seeded_market, None) as anonymous:
        r = await anonymous.get(f"/api/challenges/{cid}/candidates")
        assert r.status_code == 200
        candidates = r.json()
        assert len(candidates) >= 3 and candidates[0]["achievements"]
        assert candidates[0]["score"] >= candidates[1]["score"] >= candidates[2]["score"]
    async with api_client(seeded_market, university) as client:
        r = await client.post(
            f"/api/challenges/{cid}/applications", json={**APPLICATION, "months": 0}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "months"
        r = await client.post(f"/api/challenges/{cid}/applications", json=APPLICATION)
        assert r.status_code == 201, r.text
        mine = r.json()["id"]
        r = await client.post(f"/api/challenges/{cid}/applications", json=APPLICATION)
        assert r.status_code == 409
    async with api_client(seeded_market, other) as client:
        r = await client.post(
            f"/api/challenges/{cid}/applications", json={**APPLICATION, "team": "李团队"}
        )
        assert r.status_code == 201
        r = await client.get(f"/api/challenges/{cid}/applications")
        assert [a["team"] for a in r.json()] == ["李团队"]  # only its own
    broker_user = make_user(seeded_market, Role.broker)
    async with api_client(seeded_market, broker_user) as broker:
        r = await broker.post(f"/api/challenges/applications/{mine}/score", json={"score": 88})
        assert r.status_code == 403  # not appointed to this challenge
    async with api_client(seeded_market, admin) as client:
        r = await client.post(f"/api/challenges/{cid}/reviewers", json={"username": "nobody"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "username"
        r = await client.post(
            f"/api/challenges/{cid}/reviewers", json={"username": broker_user.username}
        )
        assert r.status_code == 200 and r.json()["reviewers"] == [broker_user.display_name]
    async with api_client(seeded_market, broker_user) as broker:
        r = await broker.post(f"/api/challenges/applications/{mine}/score", json={"score": 188})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "score"
        r = await broker.post(f"/api/challenges/applications/{mine}/score", json={"score": 88})
        assert r.status_code == 200 and r.json()["score"] == 88
        r = await broker.post(
            f"/api/challenges/{cid}/selection", json={"application_id": mine, "reason": "x"}
        )
        assert r.status_code == 403
    async with api_client(seeded_market, admin) as client:
        assert len((await client.get(f"/api/challenges/{cid}/applications")).json()) == 2
        r = await client.post(f"/api/challenges/{cid}/stage", json={"stage": "accepted"})
        assert r.status_code == 409
        r = await client.post(
            f"/api/challenges/{cid}/stage", json={"stage": "review", "note": "截止"}
        )
        assert r.status_code == 200 and r.json()["stage_label"] == "评审中"
        r = await client.post(
            f"/api/challenges/{cid}/selection", json={"application_id": mine, "reason": "方案最优"}
        )
        assert r.status_code == 200 and r.json()["stage"] == "selected"
    async with api_client(seeded_market, None) as anonymous:
        public = (await anonymous.get(f"/api/challenges/{cid}")).json()
        assert public["result"]["organisation"] == university.organisation
        assert [h["stage"] for h in public["history"]] == ["published", "review", "selected"]
        r = await anonymous.get("/api/stats/challenges")
        stats = r.json()
        assert stats["challenges"] == 1 and stats["applications"] == 2
        assert stats["funding_committed_wan"] == 200
        r = await anonymous.get("/api/challenges/export.xlsx")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[3][1] == "连续纤维拉丝断丝攻关" and rows[3][6] == university.organisation


async def test_cookie_writes_need_the_csrf_token(seeded_market: Components) -> None:
    admin = make_user(seeded_market, Role.admin, "cn-admin")
    async with AppClient(create_app(parts=seeded_market)) as client:
        token = await login(client, admin)
        r = await client.post("/api/challenges", json=challenge_body())
        assert r.status_code == 403
        r = await client.post(
            "/api/challenges", json=challenge_body(), headers={"X-CSRF-Token": token}
        )
        assert r.status_code == 201
    with seeded_market.catalog._sessions() as session:  # one challenge, the one with the token
        assert session.query(ChallengeRow).count() == 1
