"""The micro-cache of anonymous GET responses: who is served from it, and when it is stale."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from service.accounts import Role
from service.composition import Components
from service.listings.schemas import Kind, Status
from tests.desk_support import api_client
from tests.pages import account
from web.page_cache import CACHE_HEADER, PageCache

pytestmark = pytest.mark.anyio
HEADER = CACHE_HEADER.decode()


async def test_anonymous_pages_are_served_again_until_a_listing_changes(
    seeded_market: Components,
) -> None:
    async with api_client(seeded_market, None) as client:
        first = await client.get("/needs/N2001")
        again = await client.get("/needs/N2001")
        assert first.headers[HEADER] == "miss" and again.headers[HEADER] == "hit"
        assert again.text == first.text
        assert again.headers["content-security-policy"] == first.headers["content-security-policy"]
        assert (await client.get("/search?q=玄武岩")).headers[HEADER] == "miss"

        seeded_market.listings.set_status(Kind.need, "N2001", Status.withdrawn, None)
        gone = await client.get("/needs/N2001")
        assert gone.status_code == 404 and gone.headers[HEADER] == "miss"
        assert (await client.get("/needs/N2001")).headers[HEADER] == "miss"  # 404s are not kept
        assert (await client.get("/")).headers[HEADER] == "miss"
        assert (await client.get("/")).headers[HEADER] == "hit"


async def test_signed_in_requests_and_health_bypass_the_cache(seeded_market: Components) -> None:
    user = account(seeded_market, "cache-broker", Role.broker)
    async with api_client(seeded_market, user) as client:
        for _ in range(2):
            assert HEADER not in (await client.get("/needs/N2001")).headers
    async with api_client(seeded_market, None) as client:
        for path in ("/api/health", "/challenges", "/stats"):  # not made of listings alone
            for _ in range(2):
                assert HEADER not in (await client.get(path)).headers
        client.cookies.set("techmatch_session", "anything")
        assert HEADER not in (await client.get("/")).headers


def _app(counter: list[int]) -> Starlette:
    def page(request: object) -> PlainTextResponse:
        counter.append(1)
        return PlainTextResponse(f"call {len(counter)}")

    def with_cookie(request: object) -> PlainTextResponse:
        counter.append(1)
        response = PlainTextResponse("cookie")
        response.set_cookie("flash", "x")
        return response

    return Starlette(routes=[Route("/page", page), Route("/cookie", with_cookie)])


async def test_entries_expire_and_responses_setting_cookies_are_not_kept() -> None:
    counter: list[int] = []
    stamp = ["v1"]
    app = PageCache(_app(counter), stamp=lambda: stamp[0], ttl=30, paths=("/page", "/cookie"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/page")).text == "call 1"
        assert (await c.get("/page")).text == "call 1"
        assert (await c.get("/page?x=1")).text == "call 2"  # the query string is in the key
        stamp[0] = "v2"
        assert (await c.get("/page")).text == "call 3"
        await c.get("/cookie")
        c.cookies.clear()
        assert (await c.get("/cookie")).headers[HEADER] == "miss"
        assert len(counter) == 5
    expired = PageCache(_app([]), stamp=lambda: "v", ttl=0.0001, paths=("/page",))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=expired), base_url="http://t"
    ) as c:
        await c.get("/page")
        assert (await c.get("/page")).headers[HEADER] == "miss"


async def test_a_new_expert_evaluation_refreshes_the_achievement_page(
    seeded_market: Components,
) -> None:
    from seed_data import SEED_DIR
    from service.programmes.experts.evaluations import EvaluationIn

    seeded_market.catalog.create_schema()
    seeded_market.experts.seed(SEED_DIR)
    broker = account(seeded_market, "cache-evaluator", Role.broker)
    async with api_client(seeded_market, None) as client:
        await client.get("/achievements/A2003")
        assert (await client.get("/achievements/A2003")).headers[HEADER] == "hit"
        seeded_market.evaluations.record(
            "A2003",
            EvaluationIn(
                expert_id="E001", maturity=4, novelty=3, market=5, comment="值得推广的工艺"
            ),
            broker,
        )
        page = await client.get("/achievements/A2003")
        assert page.headers[HEADER] == "miss" and "值得推广的工艺" in page.text
