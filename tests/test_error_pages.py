"""Unknown and malformed ids in page URLs answer the Chinese 404 page; the API answers JSON.

Every domain error is mapped once, in the app (``service/errors.py``): a page never shows an
English "Internal Server Error" or a validation message about a link's path.
"""

from __future__ import annotations

import pytest

from service.composition import Components
from tests.pages import page_client

pytestmark = pytest.mark.anyio

BAD_IDS = ("999", "abc", "0", "-1", str(2**63), "9" * 40)
PAGES = ("/events/{}", "/events/{}/programme", "/challenges/{}", "/common-needs/{}")


@pytest.mark.parametrize("template", PAGES)
async def test_unknown_or_malformed_ids_in_page_urls_answer_the_chinese_404(
    seeded_market: Components, template: str
) -> None:
    seeded_market.catalog.create_schema()
    async with page_client(seeded_market) as client:
        for bad in BAD_IDS:
            page = await client.get(template.format(bad))
            assert page.status_code == 404, (template, bad, page.status_code)
            assert "没有找到这个页面" in page.text
            assert "Internal Server Error" not in page.text
            assert "Input should be" not in page.text
            assert "修改后重新提交" not in page.text


async def test_a_listing_404_keeps_its_own_wording(seeded_market: Components) -> None:
    async with page_client(seeded_market) as client:
        page = await client.get("/needs/N0000000")
        assert page.status_code == 404
        assert "没有找到这条技术需求" in page.text


async def test_api_errors_are_json_with_their_status(seeded_market: Components) -> None:
    seeded_market.catalog.create_schema()
    async with page_client(seeded_market) as client:
        missing = await client.get("/api/events/999")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/json")
        assert missing.json()["detail"]
        assert (await client.get("/api/challenges/999")).status_code == 404
