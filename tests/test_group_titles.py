"""Common-need group titles: written from technical terms, and an admin's rename is what every
page, the JSON API and the export show afterwards."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from service.accounts import Role
from service.composition import Components
from tests.desk_support import login, make_user
from tests.pages import page_client

pytestmark = pytest.mark.anyio


async def test_a_renamed_and_published_group_shows_its_new_title_everywhere(
    seeded_market: Components,
) -> None:
    seeded_market.catalog.create_schema()
    group = next(g for g in seeded_market.common_needs.list().groups if "N1001" in g.needs)
    new_title = "玄武岩池窑拉丝断头与熔体均化"
    async with page_client(seeded_market) as client:
        token = await login(client, make_user(seeded_market, Role.admin))
        review = f"/common-needs/{group.id}/review"
        r = await client.post(review, data={"csrf_token": token, "action": "title",
                                            "title": new_title})  # fmt: skip
        assert r.status_code == 303
        r = await client.post(review, data={"csrf_token": token, "action": "published"})
        assert r.status_code == 303
        pages = [f"/common-needs/{group.id}", "/common-needs", "/common-needs?status=published"]
        for path in pages:
            text = (await client.get(path)).text
            assert new_title in text, path
            assert f">{group.title}<" not in text and f"{group.title} ·" not in text, path
        shown = (await client.get(f"/api/common-needs/{group.id}")).json()
        assert shown["title"] == new_title
        listed = (await client.get("/api/common-needs?status=published")).json()
        assert [g["title"] for g in listed["groups"] if g["id"] == group.id] == [new_title]
        export = await client.get("/api/common-needs/catalogue.xlsx")
        assert export.status_code == 200
        sheet = load_workbook(io.BytesIO(export.content)).active
        assert sheet is not None
        cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value}
        assert new_title in cells
