"""Lighthouse 12 (accessibility, best practices, SEO) over every public page, at mobile and
desktop form factor, against a server started as the README starts it.

A scratch ``TECHMATCH_HOME`` is seeded and indexed, an admin account adds one 推介会 and one
揭榜挂帅 challenge (so their pages exist), ``techmatch serve`` is started on 127.0.0.1, Debian's
Chromium (``CHROME_PATH``, default /usr/bin/chromium; never a downloaded browser) is started
headless once, and ``bench/lighthouse_run.mjs`` runs Lighthouse over every page in it. The
``lighthouse`` npm package is installed on first use into ``.cache/lighthouse`` (``npm install
--prefix .cache/lighthouse lighthouse@12``; ``--no-install`` refuses instead). Prints a table of
the three scores per page and what keeps a score below 100; ``--require 100`` exits 1 then.

    .venv/bin/python bench/lighthouse_audit.py
    .venv/bin/python bench/lighthouse_audit.py --form-factors mobile --json lighthouse.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PREFIX = ROOT / ".cache" / "lighthouse"
PACKAGE = "lighthouse@12.8.2"  # the version .ci/run installs
RUNNER = Path(__file__).with_name("lighthouse_run.mjs")
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip
CATEGORIES = ("accessibility", "best-practices", "seo")
FORM_FACTORS = ("mobile", "desktop")
PAGES = [
    "/", "/search", "/search?q=玄武岩纤维&kind=achievement", "/search?kind=need&sort=newest",
    "/needs/N2001", "/achievements/A1001", "/stats", "/common-needs",
    "/common-needs?status=published", "/challenges", "/events", "/login", "/signup", "/forgot",
    "/docs", "/redoc",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def lighthouse_installed(prefix: Path = PREFIX) -> bool:
    return (prefix / "node_modules" / "lighthouse" / "package.json").is_file()


def install(prefix: Path = PREFIX) -> None:
    """``npm install`` the lighthouse package into ``prefix`` (no browser is downloaded)."""
    prefix.mkdir(parents=True, exist_ok=True)
    command = ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", PACKAGE]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def chromium_path() -> str | None:
    found = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return found if Path(found).is_file() else None


def techmatch(env: dict[str, str], *args: str) -> str:
    """Run the CLI of this checkout (not an installed copy) and return its output."""
    command = [sys.executable, "-c", "from service.cli import app; app()", *args]
    done = subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return done.stdout


@contextmanager
def served(home: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Seed and index ``home``, then ``techmatch serve`` on a free loopback port."""
    env = {
        **os.environ, "TECHMATCH_HOME": str(home), "TECHMATCH_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }  # fmt: skip
    techmatch(env, "seed")
    techmatch(env, "index")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import app; app()", "serve",
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/api/health", server)
        yield base, env
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def programme_pages(base: str, env: dict[str, str]) -> list[str]:
    """One event and one challenge made through the API, and a proposed common need: the
    pages of each."""
    out = techmatch(env, "user", "create", "lighthouse-admin", "--role", "admin")
    token = re.search(r"tm_[A-Za-z0-9_-]+", out)
    assert token, out
    headers = {"Authorization": f"Bearer {token.group(0)}"}
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    event = {
        "title": "天然气化工成果推介会", "kind": "推介会", "date": today.isoformat(),
        "place": "达州市科技局报告厅", "field": "resources_env", "region": "宣汉县", "capacity": 30,
    }  # fmt: skip
    challenge = {
        "title": "连续纤维拉丝断丝攻关", "description": "多家企业拉丝断丝频繁，需改进漏板与控制。",
        "indicators": ["断丝次数每台每班不超过1次", "漏板寿命≥18个月"], "reward_wan": 200,
        "deadline": (today + dt.timedelta(days=60)).isoformat(),
    }  # fmt: skip
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        event_id = client.post("/api/events", json=event).raise_for_status().json()["id"]
        made = client.post("/api/challenges", json=challenge).raise_for_status().json()
        groups = client.get("/api/common-needs").raise_for_status().json()["groups"]
    pages = [f"/events/{event_id}", f"/events/{event_id}/programme", f"/challenges/{made['id']}"]
    return pages + ([f"/common-needs/{groups[0]['id']}"] if groups else [])


@contextmanager
def chromium(path: str) -> Iterator[int]:
    """Headless Chromium with a DevTools port on loopback; yields the port."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="techmatch-lh-chrome-") as profile:
        browser = subprocess.Popen(
            [path, *CHROMIUM_FLAGS, f"--remote-debugging-port={port}",
             "--remote-debugging-address=127.0.0.1", f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for(f"http://127.0.0.1:{port}/json/version", browser, seconds=60)
            yield port
        finally:
            browser.terminate()
            browser.wait(timeout=30)


def run_lighthouse(jobs: list[dict[str, str]], chrome_port: int, prefix: Path) -> list[dict]:
    command = ["node", str(RUNNER), str(prefix), str(chrome_port), json.dumps(jobs)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def audit(plan: dict[str, list[str] | None], prefix: Path = PREFIX) -> list[dict]:
    """Lighthouse for each form factor of ``plan`` over its pages (None: every public page);
    one dict per page and form factor, with the scores and what failed."""
    path = chromium_path()
    if path is None:
        raise RuntimeError("no Chromium: install Debian's chromium or set CHROME_PATH")
    with (
        tempfile.TemporaryDirectory(prefix="techmatch-lh-") as scratch,
        served(Path(scratch) / "home") as (base, env),
    ):
        every = PAGES + programme_pages(base, env)
        jobs = [{"path": p, "url": base + p, "formFactor": factor}
                for factor, pages in plan.items() for p in pages or every]  # fmt: skip
        with chromium(path) as port:
            return run_lighthouse(jobs, port, prefix)


def score(result: dict, category: str) -> int | None:
    value = result.get("scores", {}).get(category)
    return None if value is None else round(value * 100)


def table(results: list[dict]) -> str:
    width = max(len(r["path"]) for r in results)
    lines = [f"{'page':<{width}}  {'form':<7}  a11y  best   seo", "-" * (width + 30)]
    for r in results:
        cells = [score(r, c) for c in CATEGORIES]
        shown = "  ".join(f"{'—' if c is None else c:>4}" for c in cells)
        lines.append(f"{r['path']:<{width}}  {r['formFactor']:<7}  {shown}")
    problems = [(r, f) for r in results for f in r.get("failing", [])]
    problems += [(r, {"category": "error", "audit": r["error"], "where": []})
                 for r in results if "error" in r]  # fmt: skip
    for r, f in problems:
        where = f"{r['path']} [{r['formFactor']}]"
        lines.append(f"  {where} {f['category']}: {f['audit']} {f['where']}")
    return "\n".join(lines)


def below(results: list[dict], minimum: int) -> list[str]:
    """``page [form] category score`` for every score under ``minimum`` (errors included)."""
    out = []
    for r in results:
        for category in CATEGORIES:
            value = score(r, category)
            if value is None or value < minimum:
                out.append(f"{r['path']} [{r['formFactor']}] {category} {value}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--form-factors", default=",".join(FORM_FACTORS))
    parser.add_argument("--pages", help="comma-separated paths (default: every public page)")
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument("--require", type=int, help="exit 1 when any score is below this")
    parser.add_argument("--no-install", action="store_true", help="never run npm install")
    args = parser.parse_args()
    if not lighthouse_installed():
        if args.no_install:
            print(f"lighthouse is not installed in {PREFIX}", file=sys.stderr)
            return 2
        install()
    started = time.perf_counter()
    pages = args.pages.split(",") if args.pages else None
    results = audit({f: pages for f in args.form_factors.split(",") if f in FORM_FACTORS})
    print(table(results))
    print(f"\n{len(results)} audits in {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    low = below(results, args.require) if args.require is not None else []
    for line in low:
        print("below the requirement:", line, file=sys.stderr)
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
