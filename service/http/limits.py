"""A cap on request bodies: refused with 413 before they are parsed.

A declared ``Content-Length`` over the limit is answered at once, without reading a byte; a
body without one (chunked) is counted as it arrives and refused the moment it passes the
limit. The limit is ``max_body_bytes`` everywhere but the paths given their own (the /import
upload). The answer names the limit: JSON on the API, a page elsewhere (``page``).

Starlette's own ``RequestBodyLimitMiddleware`` answers a bare "Content Too Large" that no
handler can replace, hence this small one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LIMIT_KEY = "techmatch.body_limit"


class BodyTooLargeError(HTTPException):
    """Raised while reading a body that passed its limit; the app's handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


def too_large_message(limit: int) -> str:
    size = f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit / 1024:g} KB"
    return f"提交的内容超过 {size} 上限，未被读取"


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        default: int,
        paths: Mapping[str, int],
        page: Callable[[Request, str], Response],
    ) -> None:
        self.app = app
        self.default = default
        self.paths = dict(paths)
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope["path"], self.default)
        scope[LIMIT_KEY] = limit
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        message = too_large_message(limit)
        request = Request(scope, receive)
        if scope["path"].startswith("/api/"):
            response: Response = JSONResponse({"detail": message}, status_code=413)
        else:
            response = self.page(request, message)
        response.headers["Connection"] = "close"  # the unread body is not drained
        await response(scope, receive, send)
