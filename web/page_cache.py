"""A micro-cache of anonymous GET responses: a crowd at a 推介会 asks for the same few pages.

A request is served from the cache only when its path is one of ``paths`` (``"/"`` exactly,
the others as prefixes) and it carries no cookie and no ``Authorization`` header (nobody signed
in, no flash message waiting); a response is kept only when it is a 200 that sets no cookie.
Each entry is keyed by the path, the query string and a stamp of what those pages are made of
(``stamp()``, read on every request: a few indexed lookups), so a write or a rebuild is seen at
once; entries also expire after ``ttl`` seconds, for what changes with the clock (deadlines,
北京时间) or beside the stamp (an expert's details).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHE_HEADER = b"x-techmatch-cache"
MAX_BODY = 2 * 1024 * 1024  # bytes; larger responses are not kept


class PageCache:
    """Pure ASGI middleware; the cache lives in the event loop's thread (no lock needed)."""

    def __init__(
        self,
        app: ASGIApp,
        stamp: Callable[[], Hashable],
        ttl: float = 30.0,
        size: int = 1024,
        paths: tuple[str, ...] = ("/",),
    ) -> None:
        self.app = app
        self.stamp = stamp
        self.ttl = ttl
        self.size = size
        self.exact = "/" in paths
        self.prefixes = tuple(p for p in paths if p != "/")
        self._entries: OrderedDict[tuple[Hashable, ...], tuple[float, Message, bytes]] = (
            OrderedDict()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        stamp = await to_thread.run_sync(self.stamp)  # a database read: off the event loop
        key = (scope["path"], scope.get("query_string", b""), stamp)
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self.ttl:
            self._entries.move_to_end(key)
            _, start, body = entry
            await send({**start, "headers": [*start["headers"], (CACHE_HEADER, b"hit")]})
            await send({"type": "http.response.body", "body": body})
            return
        start_message: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start_message
            if message["type"] == "http.response.start":
                start_message = message
                message = {**message, "headers": [*message["headers"], (CACHE_HEADER, b"miss")]}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._keep(key, now, start_message, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)

    def _cacheable(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        path = str(scope["path"])
        if not ((self.exact and path == "/") or path.startswith(self.prefixes)):
            return False
        names = {name.lower() for name, _ in scope.get("headers", [])}
        return b"cookie" not in names and b"authorization" not in names

    def _keep(self, key: tuple[Hashable, ...], now: float, start: Message, body: bytes) -> None:
        headers = start.get("headers", [])
        if start.get("status") != 200 or len(body) > MAX_BODY:
            return
        if any(name.lower() == b"set-cookie" for name, _ in headers):
            return
        self._entries[key] = (now, {**start, "headers": list(headers)}, body)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
