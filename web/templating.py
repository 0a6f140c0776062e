"""The Jinja2 environment shared by every page, and ``render`` which fills the common parts.

Every page gets the signed-in user, the CSRF token for its forms, the semantic-matching
notice, one-off flash messages and the label enums, so templates never look them up.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.responses import Response

from indexer.sync import IndexSync
from service import clock
from service.accounts import Role, User
from service.desk.stages import PIPELINE, ContractType, LostReason, Stage
from service.http.auth import CSRF_FIELD, NotSignedInError, csrf_token, current_user
from service.http.deps import part
from service.listings.schemas import InstitutionType, Kind, Maturity, Status, TransferMode
from service.listings.taxonomy import Taxonomy
from service.notifications.inbox import Inbox
from web.listings import match_words

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals.update(
    Kind=Kind,
    Maturity=Maturity,
    TransferMode=TransferMode,
    InstitutionType=InstitutionType,
    Status=Status,
    Role=Role,
    Stage=Stage,
    PIPELINE=PIPELINE,
    LostReason=LostReason,
    ContractType=ContractType,
    CSRF_FIELD=CSRF_FIELD,
)


def semantic_notice(indexing: IndexSync) -> str | None:
    if indexing.vectors_usable():
        return None
    if indexing.encoder.available:
        why = "索引中还没有该模型的向量，请运行 techmatch index"
    else:
        why = f"未能加载嵌入模型 {indexing.encoder.model_name or '（未配置）'}"
    return f"语义匹配未启用（{why}），当前按关键词与结构化条件匹配。详情见 /api/health。"


def viewer(request: Request) -> User | None:
    """The page's signed-in user; a bad bearer token on a page just browses anonymously."""
    try:
        return current_user(request)
    except NotSignedInError:
        return None


def flash(request: Request, message: str, level: str = "ok") -> None:
    """A message shown once, on the next page this browser renders."""
    request.session.setdefault("flash", []).append([level, message])


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    user = viewer(request)
    staff = user is not None and user.sees_everything  # the model notice is for staff only
    unread = 0
    if user is not None:  # the inbox is filled in the background (``service/upkeep/``)
        unread = part(request, Inbox).unread_count(user.id)
    values = {
        "user": user,
        "unread": unread,
        "csrf_token": LazyCsrfToken(request),
        "notice": semantic_notice(part(request, IndexSync)) if staff else None,
        "flashes": request.session.pop("flash", []),
        "taxonomy": part(request, Taxonomy),
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, values, status_code=status_code)


class LazyCsrfToken:
    """The session's CSRF token, made only when a page renders a form: a page without one
    starts no session, so an anonymous visitor gets no cookie (and may be served from the
    page cache)."""

    def __init__(self, request: Request) -> None:
        self.request = request

    def __str__(self) -> str:
        return csrf_token(self.request)


def listing_path(kind: Kind, listing_id: str) -> str:  # for the templates
    return kind.path(listing_id)


def highlight(text: str, terms: list[str]) -> Markup:
    """``text`` escaped, with each matched term wrapped in <mark> (longest terms first)."""
    wanted = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not wanted:
        return Markup(escape(text))
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    out, last = [], 0
    for found in pattern.finditer(text):
        out.append(escape(text[last : found.start()]))
        out.append(Markup("<mark>%s</mark>") % found.group(0))
        last = found.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def url_with(path: str, params: dict[str, Any], **changes: Any) -> str:
    """``path`` with the current query ``params`` changed; empty values are dropped."""
    merged = {**params, **changes}
    if "page" not in changes:
        merged.pop("page", None)  # a new filter starts again at page 1
    kept = {k: v for k, v in merged.items() if v not in (None, "")}
    return path + ("?" + urlencode(kept) if kept else "")


templates.env.globals.update(listing_path=listing_path, url_with=url_with, **match_words.GLOBALS)
templates.env.filters["highlight"] = highlight
templates.env.filters["beijing"] = clock.format_time
