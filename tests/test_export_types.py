"""Excel exports store numbers as numbers and dates as dates, money with its unit in the
header (#25 item 6): a sheet can sum a budget column and sort by deadline."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from service.accounts import Role
from service.composition import Components
from service.programmes.challenges.views import ChallengeIn
from service.programmes.common_needs.views import GroupStatus
from tests.desk_support import api_client, make_user
from tests.test_challenges_api import challenge_body

pytestmark = pytest.mark.anyio


def _cells(content: bytes) -> list[tuple[object, ...]]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


async def test_challenge_export_has_numbers_and_dates(seeded_market: Components) -> None:
    admin = make_user(seeded_market, Role.admin)
    seeded_market.challenges.create(ChallengeIn(**challenge_body(reward_wan=380)), admin)
    async with api_client(seeded_market, None) as client:
        rows = _cells((await client.get("/api/challenges/export.xlsx")).content)
    header, first = rows[2], rows[3]
    money = header.index("榜单金额（万元）")
    assert first[money] == 380 and isinstance(first[money], int | float)
    deadline = first[header.index("报名截止")]
    assert isinstance(deadline, dt.datetime | dt.date)  # openpyxl reads dates back as datetimes
    assert isinstance(first[0], int)


async def test_wdk_and_catalogue_exports_have_numeric_money(seeded_market: Components) -> None:
    async with api_client(seeded_market, None) as client:
        rows = _cells((await client.get("/api/wdk-achievements/export.xlsx")).content)
    price = rows[2].index("价格（万元）")
    prices = [r[price] for r in rows[3:]]
    assert any(isinstance(p, int | float) for p in prices)
    assert all(isinstance(p, int | float) or p == "面议" for p in prices)
    group = seeded_market.common_needs.list().groups[0]
    admin = make_user(seeded_market, Role.admin)
    seeded_market.common_needs.set_status(group.id, GroupStatus.published, admin.id)
    async with api_client(seeded_market, admin) as client:
        rows = _cells((await client.get("/api/common-needs/catalogue.xlsx")).content)
    header, first = rows[2], rows[3]
    assert isinstance(first[header.index("预算（万元）")], int | float)
    assert isinstance(first[header.index("预算面议（项）")], int)
