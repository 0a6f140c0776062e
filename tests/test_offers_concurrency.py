"""Two bids at the same moment: exactly one wins each step and no accepted bid is lost, on
SQLite and on PostgreSQL (when TECHMATCH_TEST_POSTGRES_URL is set; .ci/postgres starts one).

Eight enterprises bid in rounds from threads released together by a barrier, each round all
at the same price: exactly one bid of a round is accepted, the others are refused with the
increment's message, and the log, the offer's price and its bid count agree at the end."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.composition import Components, build_components
from service.programmes.errors import ProgrammeInputError
from service.programmes.offers.views import BidIn
from tests.conftest import make_settings
from tests.offers_support import NO_POSTGRES, POSTGRES_URL, auction_body, trading

BIDDERS = 8
ROUNDS = 5


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=NO_POSTGRES)])
def market(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Components]:
    overrides = {"database_url": POSTGRES_URL} if request.param == "postgresql" else {}
    market = build_components(make_settings(tmp_path / "home", **overrides))
    market.catalog.drop_schema()
    market.catalog.ensure_schema()
    yield market
    market.close()


def test_simultaneous_bids_have_one_winner_per_step(market: Components) -> None:
    t = trading(market, bidders=BIDDERS)
    offer = market.offers.create(auction_body(t.clock, start=100, step=5), t.owner)
    accepted: list[tuple[int, float]] = []
    refused: list[str] = []
    lock = threading.Lock()
    for round_ in range(ROUNDS):
        price = 100 + 5 * round_
        barrier = threading.Barrier(BIDDERS)

        def bid(n: int, price: float = price, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                placed = market.offers.place_bid(offer.id, BidIn(price_wan=price), t.enterprises[n])
            except ProgrammeInputError as exc:
                with lock:
                    refused.append(exc.message)
            else:
                with lock:
                    accepted.append((placed.id, placed.price_wan))

        threads = [threading.Thread(target=bid, args=(n,)) for n in range(BIDDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(accepted) == round_ + 1, f"round {round_}: {accepted}"
    assert len(refused) == (BIDDERS - 1) * ROUNDS
    assert all("不低于" in message for message in refused)
    log = market.offers.bids(offer.id)
    assert sorted((b.id, b.price_wan) for b in log) == sorted(accepted)
    assert [b.price_wan for b in reversed(log)] == [100 + 5 * r for r in range(ROUNDS)]
    final = market.offers.get(offer.id)
    assert final.current_price_wan == 100 + 5 * (ROUNDS - 1)
    assert final.auction is not None and final.auction.bids == ROUNDS
