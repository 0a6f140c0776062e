"""The background sweep that closes auctions when nobody is reading them.

Reads close due auctions too (``Offers.close_due`` runs first in every read), so a winner is
never late on the page; the sweep makes the close, the desk pair and the audit event happen
at the close itself. Every worker process runs one; the closes are idempotent.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from service.programmes.offers.bidding import OfferBids

log = logging.getLogger(__name__)
SWEEP_SECONDS = 20.0


async def sweep_auctions(offers: OfferBids, interval: float = SWEEP_SECONDS) -> None:
    """Close due auctions every ``interval`` seconds until cancelled; errors are logged."""
    while True:
        try:
            closed = await run_in_threadpool(offers.close_due)
            if closed:
                log.info("auctions closed by the sweep: %d", closed)
        except Exception:  # the sweep must outlive a failed round (a locked or lost database)
            log.exception("closing due auctions failed; trying again in %.0f s", interval)
        await asyncio.sleep(interval)
