"""Pydantic models of the listings: what may come in, what is stored, what goes out.

Families follow one pattern per kind: ``AchievementIn`` (create/import; ``id`` optional),
``AchievementPatch`` (every field optional) and ``Achievement`` (stored, with timestamps).
Validation is the same for the API, the seed loader and bulk import.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from service import clock
from service.listings.fields import extra_searchable
from service.listings.taxonomy import active_taxonomy
from service.requests import RequestModel
from service.stamps import Timestamp

TITLE_MAX = 100
TEXT_MAX = 5000
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
DEADLINE_EARLIEST = dt.date(2000, 1, 1)
DEADLINE_YEARS_AHEAD = 10
CONTACT_NOTE = (
    "联系方式。只有技术经纪人、管理员、发布者本人，以及经纪人已推进到「已联系」及以后的"
    "对接另一方能看到；其他人（包括匿名访问）得到 null。"
)


class Kind(StrEnum):
    achievement = "achievement"
    need = "need"

    @property
    def other(self) -> Kind:
        return Kind.need if self is Kind.achievement else Kind.achievement

    @property
    def label(self) -> str:
        return "科技成果" if self is Kind.achievement else "技术需求"

    @property
    def plural(self) -> str:
        """The path segment of the kind's pages and API (``/needs/…``, ``/api/needs/…``)."""
        return "achievements" if self is Kind.achievement else "needs"

    @property
    def organisation_field(self) -> str:
        """The field naming who posts a listing of this kind."""
        return "institution" if self is Kind.achievement else "enterprise"

    def path(self, listing_id: str) -> str:
        """The page of one listing."""
        return f"/{self.plural}/{listing_id}"


class Maturity(StrEnum):
    lab = "lab"
    small_scale = "small_scale"
    pilot = "pilot"
    industrial = "industrial"

    @property
    def rank(self) -> int:
        return list(Maturity).index(self)

    @property
    def label(self) -> str:
        return {"lab": "实验室", "small_scale": "小试", "pilot": "中试", "industrial": "产业化"}[
            self.value
        ]


class TransferMode(StrEnum):
    transfer = "transfer"
    license = "license"
    equity = "equity"
    joint_development = "joint_development"
    service = "service"

    @property
    def label(self) -> str:
        return {
            "transfer": "转让",
            "license": "许可",
            "equity": "作价入股",
            "joint_development": "合作开发",
            "service": "技术服务",
        }[self.value]


class InstitutionType(StrEnum):
    university = "university"
    institute = "institute"
    enterprise = "enterprise"
    individual = "individual"


class Status(StrEnum):
    draft = "draft"
    published = "published"
    withdrawn = "withdrawn"


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=TITLE_MAX)]
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=10, max_length=TEXT_MAX)
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
ListingId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


def _no_bool(value: Any) -> Any:
    """JSON ``true`` is not a number: pydantic's lax mode would store it as 1.0."""
    if isinstance(value, bool):
        raise PydanticCustomError("float_type", "Input should be a number, not true/false")
    return value


Money = Annotated[float, BeforeValidator(_no_bool), Field(ge=0, le=1_000_000, allow_inf_nan=False)]
UtcDateTime = Timestamp
"""A timestamp: naive UTC inside the service, ISO 8601 with ``+00:00`` in JSON (the one type
of ``service/stamps.py``)."""


def _check_field(code: str) -> str:
    if active_taxonomy().field(code) is None:
        raise ValueError(f"unknown technology field code {code!r} (see seed_data/taxonomy.json)")
    return code


def _check_region(name: str | None) -> str | None:
    if name is not None and name not in active_taxonomy().regions:
        raise ValueError(f"unknown region {name!r} (see seed_data/taxonomy.json)")
    return name


def _dedupe(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


class _Strict(RequestModel):
    """Listings take the one request base (unknown keys refused, numbers are numbers); a
    listing from a form or an imported file is validated with ``service.requests.FORM``."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class ListingBase(_Strict):
    """What both kinds share, under one name each: the indexer, matching and pages read these
    instead of branching on the kind (``body`` is the summary or the description, ``money`` the
    price or the budget, ``modes`` the transfer or cooperation modes, ``level`` the maturity on
    offer or the lowest accepted)."""

    kind: ClassVar[Kind]
    if TYPE_CHECKING:  # declared by each kind's fields, with their own checks
        title: str
        keywords: list[str]
        field: str
        region: str | None
        contact: str | None
        status: Status

    @property
    def body(self) -> str:
        raise NotImplementedError

    @property
    def organisation(self) -> str:
        raise NotImplementedError

    @property
    def money(self) -> float | None:
        raise NotImplementedError

    @property
    def modes(self) -> list[TransferMode]:
        raise NotImplementedError

    @property
    def level(self) -> Maturity | None:
        raise NotImplementedError

    @property
    def extra_text(self) -> list[str]:
        """The values of the fields declared searchable beyond title, body and keywords
        (``fields.py``: the patents of an achievement)."""
        out: list[str] = []
        for name in extra_searchable(self.kind):
            value = getattr(self, name)
            out.extend(value if isinstance(value, list) else [value] if value else [])
        return out

    @property
    def mode_codes(self) -> list[str]:
        return [m.value for m in self.modes]

    @property
    def maturity_code(self) -> str | None:
        level = self.level
        return level.value if level else None

    @property
    def is_published(self) -> bool:
        return self.status is Status.published


class _AchievementFields(ListingBase):
    title: Title
    summary: LongText
    institution: Name
    institution_type: InstitutionType = InstitutionType.university
    field: str
    keywords: Annotated[list[Keyword], Field(max_length=20)] = Field(default_factory=list)
    maturity: Maturity
    transfer_modes: list[TransferMode] = Field(default_factory=list)
    patents: Annotated[list[Short], Field(max_length=30)] = Field(default_factory=list)
    price_wan: Money | None = None
    region: str | None = None
    contact: Short | None = Field(default=None, description=CONTACT_NOTE)
    status: Status = Status.published

    _field = field_validator("field")(_check_field)
    _region = field_validator("region")(_check_region)
    _lists = field_validator("keywords", "transfer_modes", "patents")(_dedupe)

    kind: ClassVar[Kind] = Kind.achievement

    @property
    def body(self) -> str:
        return self.summary

    @property
    def organisation(self) -> str:
        return self.institution

    @property
    def money(self) -> float | None:
        return self.price_wan

    @property
    def modes(self) -> list[TransferMode]:
        return self.transfer_modes

    @property
    def level(self) -> Maturity | None:
        """The maturity on offer."""
        return self.maturity


class AchievementIn(_AchievementFields):
    """An achievement as submitted; ``id`` is generated when absent."""

    id: ListingId | None = None


class Achievement(_AchievementFields):
    """A stored achievement."""

    id: str
    created_at: UtcDateTime
    updated_at: UtcDateTime


class _NeedFields(ListingBase):
    title: Title
    description: LongText
    enterprise: Name
    field: str
    keywords: Annotated[list[Keyword], Field(max_length=20)] = Field(default_factory=list)
    region: str
    budget_wan: Money | None = None
    cooperation_modes: list[TransferMode] = Field(default_factory=list)
    required_maturity: Maturity | None = None
    deadline: dt.date | None = None
    contact: Short | None = Field(default=None, description=CONTACT_NOTE)
    status: Status = Status.published

    _field = field_validator("field")(_check_field)
    _region = field_validator("region")(_check_region)
    _lists = field_validator("keywords", "cooperation_modes")(_dedupe)

    kind: ClassVar[Kind] = Kind.need

    @property
    def body(self) -> str:
        return self.description

    @property
    def organisation(self) -> str:
        return self.enterprise

    @property
    def money(self) -> float | None:
        return self.budget_wan

    @property
    def modes(self) -> list[TransferMode]:
        return self.cooperation_modes

    @property
    def level(self) -> Maturity | None:
        """The lowest maturity the need accepts."""
        return self.required_maturity


class NeedIn(_NeedFields):
    """A need as submitted; ``id`` is generated when absent. Its deadline must be sane."""

    id: ListingId | None = None

    @field_validator("deadline")
    @classmethod
    def _sane_deadline(cls, value: dt.date | None) -> dt.date | None:
        if value is None:
            return value
        latest = clock.today() + dt.timedelta(days=round(365.25 * DEADLINE_YEARS_AHEAD))
        if not DEADLINE_EARLIEST <= value <= latest:
            raise PydanticCustomError(
                "date_range",
                "截止日期应在 {earliest} 与 {latest} 之间",
                {"earliest": DEADLINE_EARLIEST.isoformat(), "latest": latest.isoformat()},
            )
        return value


class Need(_NeedFields):
    """A stored need."""

    id: str
    created_at: UtcDateTime
    updated_at: UtcDateTime


def _all_optional(model: type[BaseModel], name: str) -> type[BaseModel]:
    """A PATCH model: the same fields and checks, every one optional."""
    from pydantic import create_model

    fields: dict[str, Any] = {
        key: (info.annotation | None, None)  # type: ignore[operator]
        for key, info in model.model_fields.items()
        if key != "id"
    }
    return create_model(name, __base__=_Strict, **fields)


Listing = Achievement | Need  # a stored listing of either kind, read through ListingBase

AchievementPatch = _all_optional(_AchievementFields, "AchievementPatch")
NeedPatch = _all_optional(_NeedFields, "NeedPatch")

IN_MODELS: dict[Kind, type[AchievementIn] | type[NeedIn]] = {
    Kind.achievement: AchievementIn,
    Kind.need: NeedIn,
}
OUT_MODELS: dict[Kind, type[Achievement] | type[Need]] = {
    Kind.achievement: Achievement,
    Kind.need: Need,
}
