"""An httpx client of the app that runs the app's lifespan (start-up and shutdown), as a
server would: ``async with AppClient(app) as client``."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import httpx
from fastapi import FastAPI


class AppClient(httpx.AsyncClient):
    def __init__(self, app: FastAPI, **kwargs: Any) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), base_url="http://test", **kwargs)
        self._app = app
        self._lifespan = AsyncExitStack()

    async def __aenter__(self) -> AppClient:
        await self._lifespan.enter_async_context(self._app.router.lifespan_context(self._app))
        await super().__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await super().__aexit__(*exc)
        await self._lifespan.aclose()
