"""Listing fields declared once (#21 item 4): the import headers, the form labels, the indexed
text and the page's facts all follow ``service/listings/fields.py``; an achievement's patents
(专利号) are shown on its page and found by search."""

from __future__ import annotations

import pytest

from indexer.documents import full_text
from service.composition import Components
from service.listings import fields, import_columns
from service.listings.schemas import Kind
from tests.pages import page_client
from web.listings import form_data

pytestmark = pytest.mark.anyio
PATENT = "ZL202310562418.7"  # A1001's patent in the seed data


def test_every_derived_table_follows_the_declaration() -> None:
    for kind in Kind:
        declared = {f.name for f in fields.FIELDS[kind]}
        assert set(import_columns.HEADERS[kind].values()) == declared
        assert form_data.labels(kind) == {f.name: f.label for f in fields.FIELDS[kind]}
        for spec in fields.FIELDS[kind]:
            assert import_columns.field_of(kind, spec.header) == spec.name
            assert import_columns.field_of(kind, spec.name) == spec.name
    assert import_columns.TEMPLATE_COLUMNS[Kind.achievement][7] == "专利号"
    assert "价格（万元）" in import_columns.TEMPLATE_COLUMNS[Kind.achievement]
    assert fields.extra_searchable(Kind.achievement) == ("patents",)
    assert import_columns.normalise(Kind.achievement, {"相关专利": "ZL1；ZL2"}) == {
        "patents": ["ZL1", "ZL2"]
    }


def test_patents_are_part_of_the_indexed_text(seeded_market: Components) -> None:
    listing = seeded_market.catalog.get(Kind.achievement, "A1001")
    assert PATENT in full_text(listing) and listing.extra_text == listing.patents
    need = seeded_market.catalog.get(Kind.need, "N2001")
    assert full_text(need).endswith(need.description)  # needs have no extra searchable field


def test_search_finds_an_achievement_by_its_patent_number(seeded_market: Components) -> None:
    page = seeded_market.searcher.search(PATENT, kind=Kind.achievement)
    assert page.items and page.items[0].id == "A1001"


async def test_the_listing_page_shows_the_declared_facts_with_the_patents(
    seeded_market: Components,
) -> None:
    async with page_client(seeded_market) as client:
        page = (await client.get("/achievements/A1001")).text
        need = (await client.get("/needs/N2001")).text
    assert "<dt>专利号</dt>" in page and PATENT in page
    assert "<dt>完成单位</dt>" in page and "<dt>价格</dt>" in page and "<dt>技术领域</dt>" in page
    assert "<dt>需求企业</dt>" in need and "<dt>专利号</dt>" not in need
