"""What a viewer may not see stays unseen when the id is known (#22 item 7): a dismissed
common need (with its admin's note), and the experts matched to a draft or withdrawn listing.
(A 揭榜 application citing other institutions' achievements: tests/test_organisations.py.)"""

from __future__ import annotations

import pytest

from seed_data import SEED_DIR
from service.accounts import Role
from service.composition import Components
from service.listings.schemas import Kind, NeedIn, Status
from tests.desk_support import api_client, make_user
from tests.pages import page_client

pytestmark = pytest.mark.anyio
NEED = {
    "title": "天然气净化尾气中硫化氢的低成本回收利用",
    "description": "净化厂尾气含硫化氢，现有克劳斯装置回收率偏低，希望引入新的回收工艺。",
    "enterprise": "某企业",
    "field": "resources_env",
    "region": "宣汉县",
    "status": "draft",
}


async def test_a_dismissed_common_need_is_the_admins_only(seeded_market: Components) -> None:
    market = seeded_market
    admin = make_user(market, Role.admin)
    group = market.common_needs.list().groups[0]
    async with api_client(market, admin) as client:
        r = await client.post(
            f"/api/common-needs/{group.id}/status",
            json={"status": "dismissed", "note": "内部意见：该企业信用存疑"},
        )
        assert r.status_code == 200, r.text
        r = await client.get(f"/api/common-needs/{group.id}")
        assert r.status_code == 200 and r.json()["note"] == "内部意见：该企业信用存疑"
    for viewer in (None, make_user(market, Role.enterprise), make_user(market, Role.broker)):
        async with api_client(market, viewer) as client:
            r = await client.get(f"/api/common-needs/{group.id}")
            assert r.status_code == 404 and "信用" not in r.text
    async with page_client(market) as client:
        r = await client.get(f"/common-needs/{group.id}")
        assert r.status_code == 404 and "信用" not in r.text


@pytest.mark.parametrize("status", [Status.draft, Status.withdrawn])
async def test_experts_of_an_unpublished_listing_are_its_owners_only(
    seeded_market: Components, status: Status
) -> None:
    market = seeded_market
    market.experts.seed(SEED_DIR)
    owner = make_user(market, Role.enterprise, "owner")
    need = market.listings.create(Kind.need, NeedIn.model_validate(NEED), owner)
    market.listings.set_status(Kind.need, need.id, status, owner)
    url = f"/api/needs/{need.id}/experts"
    for viewer in (None, make_user(market, Role.enterprise, "other")):
        async with api_client(market, viewer) as client:
            assert (await client.get(url)).status_code == 404
    for viewer in (owner, make_user(market, Role.broker)):
        async with api_client(market, viewer) as client:
            assert (await client.get(url)).status_code == 200
