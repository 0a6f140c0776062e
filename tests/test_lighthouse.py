"""Lighthouse 12 over the public pages (#14): accessibility, best practices and SEO at 100.

Runs ``bench/lighthouse_audit.py``'s audit: a server on 127.0.0.1 on a scratch home, Debian's
Chromium, the ``lighthouse`` npm package installed in ``.cache/lighthouse`` (CI installs it:
``.ci/run``). Every public page at phone size (Lighthouse's mobile form factor) and the main
ones at desktop size, to stay within a few minutes; the script does every page at both.
Skipped when Lighthouse or Chromium is missing, unless TECHMATCH_REQUIRE_LIGHTHOUSE is set.

/docs and /redoc (Swagger UI and ReDoc) are held to 100 too: ``web/static/api-docs.js`` gives
their skipped heading levels the right ``aria-level`` and ``api-docs.css`` their contrast and
target sizes.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "lighthouse_audit.py"
DESKTOP = ["/", "/search?q=玄武岩纤维&kind=achievement", "/needs/N2001", "/stats", "/signup"]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lighthouse_audit", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


audit = _script()
pytestmark = [
    pytest.mark.lighthouse,
    pytest.mark.skipif(
        not (audit.lighthouse_installed() and audit.chromium_path())
        and not os.environ.get("TECHMATCH_REQUIRE_LIGHTHOUSE"),
        reason="Lighthouse is not installed (npm install --prefix .cache/lighthouse "
        f"{audit.PACKAGE}) or there is no Chromium",
    ),
]


def test_every_public_page_scores_100() -> None:
    results = audit.audit({"mobile": None, "desktop": DESKTOP})
    assert {r["path"] for r in results} >= set(audit.PAGES)
    assert not [r for r in results if "error" in r], audit.table(results)
    low = []
    for result in results:
        for category in audit.CATEGORIES:
            value = audit.score(result, category)
            if value is None or value < 100:
                low.append(f"{result['path']} [{result['formFactor']}] {category} {value}")
    assert not low, "\n".join(low) + "\n" + audit.table(results)
