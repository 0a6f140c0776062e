import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from service.catalog import Catalog, DuplicateIdError, NotFoundError
from service.listings.schemas import AchievementIn, Kind, NeedIn, Status

ACH = {
    "id": "T-A1",
    "title": "玄武岩纤维复合筋连续拉挤成型技术",
    "summary": "采用连续拉挤工艺制备玄武岩纤维复合筋，拉伸强度不低于1000MPa，"
    "可替代钢筋用于腐蚀环境。",
    "institution": "示例大学",
    "field": "materials.basalt_fiber",
    "maturity": "pilot",
    "transfer_modes": ["license", "license"],
    "price_wan": 80,
    "region": "成都市",
}


POSTGRES_URL = os.environ.get("TECHMATCH_TEST_POSTGRES_URL")


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                not POSTGRES_URL,
                reason="TECHMATCH_TEST_POSTGRES_URL is not set: no PostgreSQL here "
                "(.ci/postgres starts one)",
            ),
        ),
    ]
)
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    """The same catalog tests on SQLite and on PostgreSQL, each from an empty schema."""
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}" if request.param == "sqlite" else POSTGRES_URL
    assert url
    cat = Catalog(url)
    cat.drop_schema()
    cat.create_schema()
    yield cat
    cat.close()


def test_sqlite_catalog_uses_wal(catalog: Catalog) -> None:
    if catalog.engine.dialect.name != "sqlite":
        pytest.skip("WAL is a SQLite setting")
    with catalog.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_create_get_and_duplicate(catalog: Catalog) -> None:
    created = catalog.create(Kind.achievement, AchievementIn.model_validate(ACH))
    assert created.transfer_modes == ["license"]  # de-duplicated
    assert catalog.get(Kind.achievement, "T-A1").title == ACH["title"]
    with pytest.raises(DuplicateIdError):
        catalog.create(Kind.achievement, AchievementIn.model_validate(ACH))
    with pytest.raises(NotFoundError):
        catalog.get(Kind.need, "T-A1")


def test_generated_id_when_absent(catalog: Catalog) -> None:
    data = {k: v for k, v in ACH.items() if k != "id"}
    created = catalog.create(Kind.achievement, AchievementIn.model_validate(data))
    assert created.id.startswith("A") and len(created.id) == 12


def test_upsert_by_id_counts_and_is_idempotent(catalog: Catalog) -> None:
    item = AchievementIn.model_validate(ACH)
    assert catalog.upsert_many(Kind.achievement, [item]) == (1, 0, ["T-A1"])
    assert catalog.upsert_many(Kind.achievement, [item]) == (0, 0, [])
    changed = AchievementIn.model_validate({**ACH, "price_wan": 90})
    assert catalog.upsert_many(Kind.achievement, [changed]) == (0, 1, ["T-A1"])
    assert catalog.get(Kind.achievement, "T-A1").price_wan == 90


def test_failed_patch_leaves_listing_as_it_was(catalog: Catalog) -> None:
    catalog.create(Kind.achievement, AchievementIn.model_validate(ACH))
    with pytest.raises(ValidationError):
        catalog.patch(Kind.achievement, "T-A1", {"title": "新标题", "field": "bogus"})
    assert catalog.get(Kind.achievement, "T-A1").title == ACH["title"]


def test_failed_bulk_write_stores_nothing(catalog: Catalog) -> None:
    good = AchievementIn.model_validate(ACH)
    bad = AchievementIn.model_validate({**ACH, "id": "T-A2"})
    object.__setattr__(bad, "title", None)  # violates NOT NULL at the database
    with pytest.raises(Exception):  # noqa: B017 - any database error
        catalog.upsert_many(Kind.achievement, [good, bad])
    assert catalog.count(Kind.achievement, published_only=False) == 0


def test_status_filters_public_listing(catalog: Catalog) -> None:
    catalog.create(Kind.achievement, AchievementIn.model_validate(ACH))
    catalog.create(
        Kind.achievement, AchievementIn.model_validate({**ACH, "id": "T-A2", "status": "draft"})
    )
    items, total = catalog.list(Kind.achievement)
    assert total == 1 and [i.id for i in items] == ["T-A1"]
    assert catalog.count(Kind.achievement) == 1
    assert catalog.count(Kind.achievement, published_only=False) == 2
    _, both = catalog.list(Kind.achievement, statuses=list(Status))
    assert both == 2


def test_need_dates_round_trip(catalog: Catalog) -> None:
    need = NeedIn.model_validate(
        {
            "id": "T-N1",
            "title": "冬季棉毡发黄",
            "description": "冬季生产的棉毡发黄掉渣，客户投诉多。",
            "enterprise": "示例公司",
            "field": "materials.glass_fiber",
            "region": "大竹县",
            "deadline": "2027-06-30",
        }
    )
    catalog.create(Kind.need, need)
    assert str(catalog.get(Kind.need, "T-N1").deadline) == "2027-06-30"
