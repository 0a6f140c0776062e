"""What the 万达开科技成果库 shows (API, page, export): pydantic shapes, no logic."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from service.listings.schemas import Maturity, UtcDateTime


class City(StrEnum):
    """The three cities of 万达开, in the programme's own order."""

    wanzhou = "wanzhou"
    dazhou = "dazhou"
    kaizhou = "kaizhou"


CITY_LABELS = {
    City.wanzhou: "万州区（重庆）",
    City.dazhou: "达州市",
    City.kaizhou: "开州区（重庆）",
}


class WdkFilters(BaseModel):
    tier: str | None = Field(default=None, description="dazhou | northeast | elsewhere")
    city: City | None = None
    field: str | None = Field(
        default=None, description="a field code; a top field takes its sub-fields"
    )
    maturity: Maturity | None = None
    tagged: bool = Field(default=False, description="only the achievements an admin tagged")


class WdkItem(BaseModel):
    id: str
    title: str
    institution: str
    field: str
    field_label: str
    maturity: Maturity
    maturity_label: str
    region: str | None
    place: str = Field(description="所在地 as a report reads it (达州市通川区, 重庆市万州区)")
    city: City | None = Field(description="None: outside the three cities, listed by its tag")
    city_label: str | None
    tier: str = Field(description="the region's tier: dazhou | northeast | elsewhere")
    price_wan: float | None = Field(description="万元; null = 面议")
    contact: str | None = Field(description="null unless the viewer may see the contact")
    tagged: bool = Field(description="an admin tagged it for the 成果库")
    tagged_at: UtcDateTime | None = None


class WdkSection(BaseModel):
    tier: str
    label: str
    items: list[WdkItem]


class CityCount(BaseModel):
    city: City
    label: str
    count: int


class WdkLibraryView(BaseModel):
    total: int
    tagged: int
    by_city: list[CityCount]
    sections: list[WdkSection] = Field(description="by region tier: 达州市, 川东北及周边, 其他地区")
    filters: WdkFilters
