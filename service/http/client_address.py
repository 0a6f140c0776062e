"""Who is on the other end of a request: the connection's peer, or, when that peer is one of
the configured reverse proxies (``TECHMATCH_TRUSTED_PROXIES``), the address the proxies
recorded in ``X-Forwarded-For``. A header from anyone else is ignored: a client that writes
its own ``X-Forwarded-For`` cannot pass for a new address (and so cannot reset the limits on
sign-ins and reset requests by rotating it)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from fastapi import Request

from service.config import Settings
from service.http.deps import part

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(setting: str) -> tuple[Network, ...]:
    """The networks of a ``TECHMATCH_TRUSTED_PROXIES`` value (a bare address is a /32)."""
    return tuple(
        ipaddress.ip_network(item.strip(), strict=False)
        for item in setting.split(",")
        if item.strip()
    )


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def forwarded_client(peer: str, forwarded_for: str | None, networks: tuple[Network, ...]) -> str:
    """The client's address: the peer unless it is a trusted proxy; then, from the right of
    ``X-Forwarded-For``, the first address that is not a trusted proxy itself."""
    if not networks or not _trusted(peer, networks) or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop[:64]
    return hops[0][:64] if hops else peer


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    networks = trusted_networks(part(request, Settings).trusted_proxies)
    return forwarded_client(peer, request.headers.get("x-forwarded-for"), networks)
