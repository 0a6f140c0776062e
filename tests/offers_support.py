"""Helpers of the trading tests: a market with one university's achievement, enterprises with
needs, a clock the tests move, and a PostgreSQL market when TECHMATCH_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import pytest

from service.accounts import Role, User
from service.clock import utc_now
from service.composition import Components
from service.listings.schemas import AchievementIn, Kind, NeedIn
from service.programmes.offers.views import OfferIn
from tests.pages import PASSWORD

POSTGRES_URL = os.environ.get("TECHMATCH_TEST_POSTGRES_URL")
NO_POSTGRES = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="TECHMATCH_TEST_POSTGRES_URL is not set: no PostgreSQL here (.ci/postgres starts one)",
)
ACHIEVEMENT = "A-OFFER-1"


class Clock:
    """A settable clock (naive UTC), as the offers read it."""

    def __init__(self) -> None:
        self.now = utc_now().replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def move(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class Trading:
    market: Components
    clock: Clock
    owner: User
    broker: User
    admin: User
    enterprises: list[User]


def user(market: Components, role: Role, name: str, organisation: str) -> User:
    found = market.accounts.by_username(name)
    return found or market.accounts.create_user(name, PASSWORD, role, organisation, name + "显示名")


def trading(market: Components, bidders: int = 2) -> Trading:
    """The achievement (owned by a university account) and ``bidders`` enterprises with a
    published need each; the offers read the returned clock."""
    owner = user(market, Role.university, "uni-offer", "达州示例理工学院")
    market.catalog.create(
        Kind.achievement,
        AchievementIn(
            id=ACHIEVEMENT, title="玄武岩纤维连续拉丝漏板", institution="达州示例理工学院",
            summary="铂铑合金漏板的结构与温控改进，拉丝断丝率下降一半。",
            field="materials.basalt_fiber", maturity="pilot", patents=["ZL202310000001.2"],
            region="通川区",
        ),
        owner_id=owner.id,
    )  # fmt: skip
    enterprises = []
    for n in range(bidders):
        company = user(market, Role.enterprise, f"ent-offer-{n}", f"四川示例纤维{n}号公司")
        market.catalog.create(
            Kind.need,
            NeedIn(
                id=f"N-OFFER-{n}", title="拉丝漏板断丝频繁", enterprise=company.organisation,
                description="玄武岩纤维拉丝断丝频繁，需改进漏板与温控。", region="宣汉县",
                field="materials.basalt_fiber",
            ),
            owner_id=company.id,
        )  # fmt: skip
        enterprises.append(company)
    admin = user(market, Role.admin, "admin-offer", "达州市科学技术局")
    for company in enterprises:  # bidders are enterprise accounts of verified organisations
        affiliation = market.accounts.organisation_of(company)
        assert affiliation is not None
        market.accounts.organisations.verify(affiliation.organisation_id, True, admin.id)
    clock = Clock()
    market.offers.clock = clock
    return Trading(
        market=market, clock=clock, owner=owner,
        broker=user(market, Role.broker, "broker-offer", "川东北技术交易市场"),
        admin=admin,
        enterprises=enterprises,
    )  # fmt: skip


def auction_body(clock: Clock, start: float = 100, step: float = 5, hours: float = 2) -> OfferIn:
    opens = clock.now.replace(tzinfo=dt.UTC)
    return OfferIn.model_validate(
        {
            "achievement_id": ACHIEVEMENT, "mode": "竞价", "transfer": "转让", "price_wan": None,
            "auction": {"start_price_wan": start, "increment_wan": step, "opens": opens,
                        "closes": opens + dt.timedelta(hours=hours)},
        }
    )  # fmt: skip
