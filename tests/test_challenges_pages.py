"""The programmes' pages in-process: lists, unknown ids, roles, inline errors, review forms."""

from __future__ import annotations

import pytest

from service.accounts import Role
from service.composition import Components
from tests.pages import page_client, sign_in

pytestmark = pytest.mark.anyio


async def test_lists_and_unknown_ids(seeded_market: Components) -> None:
    async with page_client(seeded_market) as client:
        r = await client.get("/common-needs")
        assert r.status_code == 200 and "共性技术需求" in r.text and "导出目录（Excel）" in r.text
        r = await client.get("/common-needs?status=published")
        assert "<h1>重大科技需求目录</h1>" in r.text and "暂无" in r.text
        r = await client.get("/common-needs/99999")
        assert r.status_code == 404 and "共性需求 99999 不存在" in r.text
        r = await client.get("/challenges/99999")
        assert r.status_code == 404 and "榜单 99999 不存在" in r.text
        group = seeded_market.common_needs.list().groups[0]
        r = await client.get(f"/common-needs/{group.id}")
        assert r.status_code == 200 and group.title in r.text
        assert "发布到重大科技需求目录" not in r.text  # no review forms for visitors


async def test_only_admins_review_and_publish(seeded_market: Components) -> None:
    group = seeded_market.common_needs.list().groups[0]
    async with page_client(seeded_market) as client:
        token = await sign_in(client, seeded_market, "qiye", Role.enterprise)
        r = await client.post(
            f"/common-needs/{group.id}/review",
            data={"action": "published", "csrf_token": token},
        )
        assert r.status_code == 403
        r = await client.post("/challenges", data={"title": "x", "csrf_token": token})
        assert r.status_code == 403
    assert seeded_market.challenges.list() == []


async def test_admin_forms_name_the_bad_field(seeded_market: Components) -> None:
    group = seeded_market.common_needs.list().groups[0]
    async with page_client(seeded_market) as client:
        token = await sign_in(client, seeded_market, "kejiju", Role.admin)
        r = await client.post(
            f"/common-needs/{group.id}/review", data={"action": "published"}
        )  # no CSRF token
        assert r.status_code == 403
        r = await client.post(
            "/challenges",
            data={
                "csrf_token": token,
                "common_need_id": str(group.id),
                "title": "攻关",
                "description": "问题",
                "indicators": "指标一",
                "reward_wan": "很多",
                "deadline": "2030-01-01",
            },
        )
        assert r.status_code == 422
        assert 'id="reward_wan-error"' in r.text and group.title in r.text
        assert seeded_market.challenges.list() == []
        r = await client.post(
            f"/common-needs/{group.id}/review",
            data={"action": "title", "title": "", "csrf_token": token},
            follow_redirects=True,
        )
        assert "title：" in r.text  # the flash names the field
        r = await client.post(
            f"/common-needs/{group.id}/review",
            data={"action": "published", "csrf_token": token},
            follow_redirects=True,
        )
        assert "已发布到重大科技需求目录" in r.text
    assert seeded_market.common_needs.get(group.id, achievements=0).status.value == "published"
