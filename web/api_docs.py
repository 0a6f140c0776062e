"""/docs (Swagger UI) and /redoc (ReDoc) from the assets fastapi-offline vendors, so nothing
comes from a CDN, in pages that say their language and what they are (a meta description),
with a small stylesheet (``api-docs.css``) that gives Swagger UI's small text and method badges
and ReDoc's response tabs enough contrast, and Swagger UI's path links 24 px targets.

ReDoc's script always shows its maker's logo from ``cdn.redoc.ly``, which the page's
Content-Security-Policy refuses (an error in the console, and an outside request offline
users cannot make): /redoc is given that script with that one address replaced by an empty
local image. Both skip heading levels; ``api-docs.js`` gives each heading the level its place
in the outline calls for (``aria-level``) once they have drawn, and ``api-docs.css`` makes
ReDoc's inline code dark enough and its JSON-sample toggles 24 px targets: Lighthouse 100.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from starlette.responses import Response

router = APIRouter(include_in_schema=False)
ASSETS = "/static-offline-docs"  # where fastapi-offline mounts its vendored files
VENDORED = Path(fastapi_offline.__file__).parent / "static"
REDOC_SCRIPT = "/api-docs/redoc.standalone.js"
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
BLANK_SVG = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"
DESCRIPTION = (
    "川东北技术交易市场 TechMatch 的 JSON API 文档：科技成果与技术需求的发布、检索、匹配与解释，"
    "经纪人工作台、活动、专家库和揭榜挂帅的接口。"
)


def _dressed(page: HTMLResponse, request: Request) -> HTMLResponse:
    """The generated page with a language, a description and the fixing stylesheet."""
    css = request.url_for("static", path="api-docs.css").path
    script = request.url_for("static", path="api-docs.js").path
    head = (
        f'<meta name="description" content="{DESCRIPTION}">\n<link rel="stylesheet" href="{css}">\n'
        f'<script src="{script}" defer></script>\n'
    )
    html = bytes(page.body).decode("utf-8")
    html = html.replace("<html>", '<html lang="zh-CN">', 1).replace("</head>", head + "</head>", 1)
    return HTMLResponse(html)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} · API 文档（Swagger UI）",
        oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url="/favicon.ico",
        swagger_ui_parameters=app.swagger_ui_parameters,
    )
    return _dressed(page, request)


@router.get("/docs/oauth2-redirect")
def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    page = get_redoc_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} · API 文档（ReDoc）",
        redoc_js_url=REDOC_SCRIPT,
        with_google_fonts=False,
        redoc_favicon_url="/favicon.ico",
    )
    return _dressed(page, request)


@lru_cache(maxsize=1)
def _redoc_script() -> bytes:
    text = (VENDORED / "redoc.standalone.js").read_text(encoding="utf-8")
    return text.replace(REDOCLY_LOGO, BLANK_SVG).encode("utf-8")


@router.get(REDOC_SCRIPT)
def redoc_script() -> Response:
    headers = {"Cache-Control": "public, max-age=86400"}
    return Response(_redoc_script(), media_type="text/javascript", headers=headers)
