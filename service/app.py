"""The application factory: ``create_app()`` builds the FastAPI app with API and web routes."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from indexer.base import BackendUnavailableError, IndexMismatchError, IndexMissingError
from service import __version__
from service.api import (
    accounts_admin,
    admin,
    desk,
    inbox,
    listings,
    me,
    organisations,
    password,
    search,
)
from service.api import stats as stats_api
from service.api import suggest as suggest_api
from service.catalog import NotFoundError
from service.composition import Components, build_components
from service.config import Settings, get_settings
from service.error_messages import chinese_message
from service.errors import Busy, DomainError, Forbidden, Invalid, NotFound
from service.http.auth import NotSignedInError, verify_csrf
from service.http.limits import LIMIT_KEY, BodyLimit, too_large_message
from service.matching.cache import market_stamp
from service.programmes import units
from service.programmes.offers.closing import sweep_auctions
from service.upkeep.runner import RequestGauge
from web.page_cache import PageCache
from web.routes import mount_web
from web.templating import render

log = logging.getLogger(__name__)


def _field_errors(errors: Any) -> list[dict[str, str]]:
    out = []
    for item in errors:
        loc = [str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path")]
        out.append({"field": ".".join(loc) or "body", "message": str(item.get("msg", ""))})
    return out


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _bad_page(request: Request, message: str, errors: Any = (), status_code: int = 400) -> Response:
    """A form page's bad input, as a page (never raw JSON on an HTML page)."""
    problems = [(_field_errors([e])[0]["field"], chinese_message(e)) for e in errors]
    context = {"message": message, "problems": problems}
    return render(request, "bad_request.html", context, status_code=status_code)


def not_found_page(request: Request, exc: NotFound | None = None) -> Response:
    """The Chinese 404 page: a listing's own wording when the listing is known."""
    context: dict[str, Any] = {"kind": None, "message": str(exc) if exc else None}
    if isinstance(exc, NotFoundError):
        context = {"kind": exc.kind, "listing_id": exc.listing_id}
    return render(request, "not_found.html", context, status_code=404)


def _error_page(request: Request, exc: DomainError, headers: dict[str, str] | None) -> Response:
    """A domain error as a page: 404 and 403 have their own; the rest say what was wrong."""
    if isinstance(exc, NotFound):
        return not_found_page(request, exc)
    if isinstance(exc, Forbidden):
        return render(request, "forbidden.html", {"message": str(exc)}, status_code=403)
    if isinstance(exc, Invalid):
        context = {"message": "请求中有内容不符合要求：", "problems": [(exc.field, exc.message)]}
    else:
        context = {"message": str(exc), "problems": []}
    page = render(request, "bad_request.html", context, status_code=exc.status)
    page.headers.update(headers or {})
    return page


def _install_error_handlers(app: FastAPI) -> None:
    def unprocessable(errors: Any) -> JSONResponse:
        fields = _field_errors(errors)
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return JSONResponse(status_code=422, content={"detail": summary, "errors": fields})

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> Response:
        if wants_json(request):
            return unprocessable(exc.errors())
        if any(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
            return not_found_page(request)  # a malformed id in a link: no such page
        return _bad_page(request, "请求中有内容不符合要求：", exc.errors(), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_problem(request: Request, exc: StarletteHTTPException) -> Response:
        """413 says the limit; a page's 400 or 413 is a page."""
        if exc.status_code == 413 and isinstance(request.scope.get(LIMIT_KEY), int):
            exc = StarletteHTTPException(413, too_large_message(request.scope[LIMIT_KEY]))
        if exc.status_code in (400, 413) and not wants_json(request):
            return _bad_page(request, str(exc.detail), status_code=exc.status_code)
        return await http_exception_handler(request, exc)

    @app.exception_handler(ValidationError)
    async def _model_invalid(_: Request, exc: ValidationError) -> JSONResponse:
        return unprocessable(exc.errors())

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        """Every domain error, answered once: JSON on /api/, a Chinese page elsewhere."""
        headers = {"Retry-After": "5"} if isinstance(exc, Busy) else None
        if wants_json(request):
            if isinstance(exc, Invalid):
                return unprocessable([{"loc": ("body", exc.field), "msg": exc.message}])
            return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)
        return _error_page(request, exc, headers)

    @app.exception_handler(NotSignedInError)
    async def _not_signed_in(request: Request, exc: NotSignedInError) -> Response:
        if wants_json(request):
            return JSONResponse(
                status_code=401,
                content={"detail": str(exc)},
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(IndexMissingError)
    @app.exception_handler(IndexMismatchError)
    @app.exception_handler(BackendUnavailableError)
    async def _index_problem(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(exc)})


CHECKED_BY_SERVE = "_TECHMATCH_CHECKED_BY_SERVE"
"""Set by ``techmatch serve`` for its workers once it has run ``prepare`` itself."""


def prepare_worker(parts: Components) -> None:
    """A worker's start-up when ``techmatch serve`` has just run ``prepare``: only what this
    process needs before it answers (the schema and the index checked); the model loads in the
    background warm-up, not before ``/api/health`` answers."""
    parts.catalog.ensure_schema()
    try:
        parts.index.manifest().check(
            model=parts.indexing.model_name, analyzer=parts.analyzer.version
        )
    except BackendUnavailableError as exc:
        log.error("%s; serving anyway, search and matching answer 503 until it is back", exc)


def prepare(parts: Components) -> None:
    """Start-up work: catalog tables, the index built or checked and reconciled, model loaded.

    Raises SchemaOutdatedError when the catalog needs ``techmatch migrate`` and
    IndexMismatchError when the index was built for other settings (the operator must rebuild
    it on purpose); an unreachable backend only logs, and search answers 503.
    """
    parts.catalog.ensure_schema()  # a fresh catalog is created; an old schema refuses to start
    settings = parts.settings
    if settings.mail_enabled and not settings.public_url:
        log.warning(
            "e-mail is on but TECHMATCH_PUBLIC_URL is not set: links in e-mails point at %s",
            settings.site_url,
        )
    parts.encoder.status  # load the model now, not on the first request  # noqa: B018
    indexing = parts.indexing
    try:
        present = parts.index.exists()
    except BackendUnavailableError as exc:
        log.error("%s; serving anyway, search and matching answer 503 until it is back", exc)
        return
    if not present:
        log.info("no search index yet: building it from the catalog")
        indexing.rebuild(reason="first start")
    parts.index.manifest().check(model=indexing.model_name, analyzer=parts.analyzer.version)
    report = indexing.sync()  # writes committed but not indexed before a crash are caught up
    if report.added or report.updated or report.removed:
        log.info(
            "index reconciled with the catalog: %d added, %d updated, %d removed",
            report.added,
            report.updated,
            report.removed,
        )
    status = parts.encoder.status
    if status.available and not indexing.vectors_usable():
        log.warning(
            "semantic matching off: the index holds no vectors of %s; run `techmatch index`",
            status.model,
        )


def create_app(settings: Settings | None = None, parts: Components | None = None) -> FastAPI:
    """The app. Its lifespan runs ``prepare`` (start-up fails on an index built for other
    settings) and closes the parts it built itself."""
    owned = parts is None
    parts = parts or build_components(settings or get_settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        assert parts is not None
        checked = os.environ.get(CHECKED_BY_SERVE) == "1"
        await run_in_threadpool(prepare_worker if checked else prepare, parts)
        parts.upkeep.start()  # warm-up and sweeps in the background, after start-up
        sweep = asyncio.create_task(sweep_auctions(parts.offers))
        try:
            yield
        finally:
            sweep.cancel()
            parts.upkeep.stop()
            if owned:
                parts.close()

    app = FastAPIOffline(  # Swagger UI and ReDoc assets served from the app, no CDN
        docs_url=None,  # the pages themselves: web/api_docs.py
        redoc_url=None,
        title="TechMatch 川东北技术交易市场",
        version=__version__,
        description="科技成果与企业技术需求的撮合引擎：检索、匹配、解释。",
        lifespan=lifespan,
        dependencies=[Depends(verify_csrf)],
    )
    app.state.parts = parts.by_type()  # what service/http/deps.py hands to routes by type
    settings = parts.settings
    app.add_middleware(
        BodyLimit,  # inside the session middleware, so that its 413 page knows the viewer
        default=settings.max_body_bytes,
        paths={"/import": settings.max_import_bytes},
        page=lambda request, message: _bad_page(request, message, status_code=413),
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret(),
        session_cookie="techmatch_session",
        max_age=settings.session_days * 86400,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    _install_error_handlers(app)
    for router in (
        listings.achievements, listings.needs, search.router, stats_api.router, suggest_api.router,
        me.router, desk.router, desk.introductions, admin.router, inbox.router,
        accounts_admin.router, organisations.router, password.router,
    ):  # fmt: skip
        app.include_router(router)
    units.register(app)
    mount_web(app)
    app.add_middleware(Counted, gauge=parts.upkeep.requests)  # the warm-up steps aside
    if settings.page_cache_seconds > 0:  # outermost: kept responses carry every header
        app.add_middleware(
            PageCache,
            stamp=partial(_page_stamp, parts),
            ttl=settings.page_cache_seconds,
            paths=CACHED_PAGES,
        )
    return app


class Counted:
    """Counts the requests in flight (``RequestGauge``): the background warm-up waits for them."""

    def __init__(self, app: ASGIApp, gauge: RequestGauge) -> None:
        self.app = app
        self.gauge = gauge

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.gauge.enter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.gauge.leave()


CACHED_PAGES = ("/", "/search", "/needs/", "/achievements/", "/api/search", "/api/needs/",
                "/api/achievements/")  # fmt: skip
"""What an anonymous visitor may be served from the page cache: pages made of listings, their
matches and their expert evaluations only (programme pages depend on other tables)."""


def _page_stamp(parts: Components) -> tuple[object, ...]:
    return (*market_stamp(parts.catalog, parts.index), parts.evaluations.version())
