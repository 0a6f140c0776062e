"""万达开科技成果库: the joint catalogue of achievements that 万州, 达州 and 开州 send up, by
region tier, plus the achievements an admin tagged for it.

Where an achievement is comes from its ``region`` and the taxonomy's regions
(``seed_data/taxonomy.json``): 达州 is every region of the ``dazhou`` tier, 万州 and 开州 are
the regions 万州区 and 开州区 (tier ``northeast``). An admin may tag any published achievement
(a partner institute's in 成都, say) for the library; the tags live in ``wdk_tags``. Drafts and
withdrawn achievements are never listed, tagged or not. Contacts follow the one visibility
rule (``Desk.can_see_contact``); everyone else gets ``None``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from service.accounts import Accounts, User
from service.accounts.contacts import contact_of
from service.catalog import Catalog, NotFoundError
from service.desk.store import Desk
from service.listings.schemas import Achievement, Kind, Status
from service.listings.taxonomy import REGION_TIERS, Taxonomy
from service.programmes.errors import ProgrammeConflictError, ProgrammeNotFoundError
from service.programmes.wdk.models import WdkTagRow
from service.programmes.wdk.views import (
    CITY_LABELS,
    City,
    CityCount,
    WdkFilters,
    WdkItem,
    WdkLibraryView,
    WdkSection,
)
from service.stats.market import TIER_LABELS

CITY_REGIONS = {City.wanzhou: "万州区", City.kaizhou: "开州区"}  # 达州: the whole dazhou tier
CHONGQING = "重庆市"


class WdkLibrary:
    def __init__(
        self, engine: Engine, catalog: Catalog, taxonomy: Taxonomy, desk: Desk, accounts: Accounts
    ) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.catalog = catalog
        self.taxonomy = taxonomy
        self.desk = desk
        self.accounts = accounts
        self._order = {name: i for i, name in enumerate(taxonomy.regions)}

    # ---- where a listing is --------------------------------------------------------------
    def city(self, region: str | None) -> City | None:
        if region and self.taxonomy.regions.get(region) == "dazhou":
            return City.dazhou
        return next((c for c, name in CITY_REGIONS.items() if name == region), None)

    def place(self, region: str | None) -> str:
        """所在地 as a report reads it: 达州市通川区, 重庆市万州区, 成都市."""
        city = self.city(region)
        if region and city is City.dazhou and not region.startswith("达州"):
            return f"达州市{region}"
        if region and city in CITY_REGIONS:
            return f"{CHONGQING}{region}"
        return region or "未注明"

    # ---- reads ---------------------------------------------------------------------------
    def tags(self) -> dict[str, dt.datetime]:
        with self._sessions() as session:
            return dict(session.execute(select(WdkTagRow.achievement_id, WdkTagRow.at)).all())

    def view(self, filters: WdkFilters, viewer: User | None) -> WdkLibraryView:
        """The library as ``viewer`` may see it, filtered, in sections by region tier."""
        tags = self.tags()
        published = self.catalog.iter_all(Kind.achievement, published_only=True)
        items = [
            self._item(a, tags.get(a.id), viewer) for a in self._wanted(published, tags, filters)
        ]
        items.sort(key=self._sort_key)
        counts = {c: 0 for c in City}
        for item in items:
            if item.city is not None:
                counts[item.city] += 1
        sections = [
            WdkSection(tier=tier, label=TIER_LABELS[tier], items=found)
            for tier in REGION_TIERS
            if (found := [i for i in items if i.tier == tier])
        ]
        return WdkLibraryView(
            total=len(items),
            tagged=sum(1 for i in items if i.tagged),
            by_city=[CityCount(city=c, label=CITY_LABELS[c], count=n) for c, n in counts.items()],
            sections=sections,
            filters=filters,
        )

    def _wanted(
        self, achievements: Iterable[Achievement], tags: dict[str, dt.datetime], f: WdkFilters
    ) -> Iterable[Achievement]:
        for a in achievements:
            city = self.city(a.region)
            if city is None and a.id not in tags:
                continue
            if f.tagged and a.id not in tags:
                continue
            if f.city is not None and city is not f.city:
                continue
            if f.tier is not None and self.taxonomy.tier(a.region) != f.tier:
                continue
            if f.field and a.field != f.field and not a.field.startswith(f.field + "."):
                continue
            if f.maturity is not None and a.maturity != f.maturity:
                continue
            yield a

    def _sort_key(self, item: WdkItem) -> tuple[int, int, int, str]:
        city = list(City).index(item.city) if item.city is not None else len(City)
        region = self._order.get(item.region or "", len(self._order))
        return REGION_TIERS.index(item.tier), city, region, item.id

    def _item(self, a: Achievement, tagged_at: dt.datetime | None, viewer: User | None) -> WdkItem:
        city = self.city(a.region)
        field = self.taxonomy.field(a.field)
        top = self.taxonomy.label(field.top) if field else a.field
        label = self.taxonomy.label(a.field)
        visible = self.desk.can_see_contact(viewer, Kind.achievement, a.id)
        return WdkItem(
            id=a.id,
            title=a.title,
            institution=a.institution,
            field=a.field,
            field_label=label if label == top else f"{top}·{label}",
            maturity=a.maturity,
            maturity_label=a.maturity.label,
            region=a.region,
            place=self.place(a.region),
            city=city,
            city_label=CITY_LABELS[city] if city is not None else None,
            tier=self.taxonomy.tier(a.region),
            price_wan=a.price_wan,
            contact=contact_of(self.accounts, a) if visible else None,
            tagged=tagged_at is not None,
            tagged_at=tagged_at,
        )

    def item(self, achievement_id: str, viewer: User | None) -> WdkItem:
        """One achievement as the library shows it (tagged or not, in the three cities or not)."""
        return self._item(self._get(achievement_id), self.tags().get(achievement_id), viewer)

    def _get(self, achievement_id: str) -> Achievement:
        try:
            found = self.catalog.get(Kind.achievement, achievement_id)
        except NotFoundError:
            raise ProgrammeNotFoundError(f"科技成果 {achievement_id} 不存在") from None
        assert isinstance(found, Achievement)
        return found

    # ---- tags (admins; the route checks the role) -----------------------------------------
    def tag(self, achievement_id: str, user: User) -> WdkItem:
        """Tag a published achievement for the library (again: no change)."""
        if self._get(achievement_id).status is not Status.published:
            raise ProgrammeConflictError(f"科技成果 {achievement_id} 未发布，不能收入成果库")
        with self._sessions.begin() as session:
            if session.get(WdkTagRow, achievement_id) is None:
                session.add(WdkTagRow(achievement_id=achievement_id, tagged_by=user.id))
        return self.item(achievement_id, user)

    def untag(self, achievement_id: str, user: User) -> WdkItem:
        """Take the tag off (an achievement of the three cities stays in the library)."""
        self._get(achievement_id)
        with self._sessions.begin() as session:
            row = session.get(WdkTagRow, achievement_id)
            if row is not None:
                session.delete(row)
        return self.item(achievement_id, user)
