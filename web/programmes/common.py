"""What the programme pages share: redirects after a post, form lines, the page renderer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from service import clock
from service.programmes.challenges.views import ChallengeStage
from service.programmes.common_needs.views import GroupStatus
from web.templating import render

Text = Annotated[str, Form(max_length=5000)]


def back(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def page(request: Request, name: str, context: dict[str, Any], code: int = 200) -> Response:
    return render(request, name, {**context, "when": clock.format_time, "GroupStatus": GroupStatus,
                                  "ChallengeStage": ChallengeStage}, status_code=code)  # fmt: skip
