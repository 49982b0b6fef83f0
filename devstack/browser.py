"""Driving the local stack's pages from Chromium: the browser the e2e tests and the browser
benchmarks (bench/load.py, bench/app_session.py) launch, the built frontend the stack serves,
and a demo user's sign-in.

    from devstack.browser import CHROMIUM_ARGS, chromium, sign_in, stack_for_browsers

    with stack_for_browsers() as stack:       # Stack(port=0, frontend_dir=built_frontend(), ...)
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_context(ignore_https_errors=True).new_page()
        sign_in(page, stack, "journalist")        # the newsroom page, loaded and live

Chromium comes from Debian (`apt-get install chromium`, done by `make install`); Playwright
never downloads a browser here.
"""
from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
FRONTEND = ROOT / "frontend"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--ignore-certificate-errors",
]


class MissingTool(RuntimeError):
    """Something the browser runs need is not installed (`make install` installs it)."""


def built_frontend() -> Path:
    """frontend/dist, built once if missing (`make test` and `make bench` have built it)."""
    dist = FRONTEND / "dist"
    if not (dist / "index.html").is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise MissingTool("npm is needed to build the frontend (make install)")
        if not (FRONTEND / "node_modules").is_dir():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=FRONTEND, check=True)
        subprocess.run([npm, "run", "--silent", "build"], cwd=FRONTEND, check=True)
    return dist


def chromium() -> str:
    """Debian's Chromium, or MissingTool saying how to get it."""
    if not Path(CHROMIUM).exists():
        raise MissingTool(f"{CHROMIUM} is missing: apt-get install -y chromium (make install does it)")
    return CHROMIUM


def sign_in(page, stack, username: str) -> None:
    """Sign `page` in on the stack's newsroom page as a demo user; returns once the page has
    loaded its data and its live subscriptions are acknowledged (changes made after this
    reach it)."""
    password = next(user["password"] for user in stack.users if user["username"] == username)
    page.goto(stack.url)
    page.get_by_test_id("signin-username").fill(username)
    page.get_by_test_id("signin-password").fill(password)
    page.get_by_test_id("signin-submit").click()
    page.wait_for_selector("body[data-ready='true']")
    page.wait_for_selector("[data-testid='connection-state'][data-state='Connected']")


@contextlib.contextmanager
def stack_for_browsers(**options) -> Iterator:
    """A local stack on a free port serving the built frontend, its state in a temporary
    folder; MissingTool first if Chromium is not installed. `options` go to `Stack`."""
    from devstack.stack import Stack

    chromium()
    with tempfile.TemporaryDirectory() as state, \
            Stack(port=0, state_dir=Path(state), frontend_dir=built_frontend(), **options) as stack:
        yield stack
