"""End-to-end fixtures: the local stack (devstack.Stack) on a free port, Debian's Chromium
driven by Playwright, and a page signed in as any demo user (the browser, the built frontend
and the sign-in are devstack/browser.py's, which the browser benchmarks use too).

Reusable by every e2e module (the collab tests too):

    def test_x(signed_in_page, stack):
        journalist = signed_in_page("journalist")      # the newsroom page, loaded
        volunteer = signed_in_page("volunteer")        # another browser (own context)
"""
from __future__ import annotations

from pathlib import Path

import pytest

from devstack.browser import CHROMIUM_ARGS, MissingTool, built_frontend, chromium, sign_in

# How long the page may take to show a change made elsewhere (the stream pollers run every
# 100 ms; a direct table write goes through them).
LIVE_TIMEOUT_MS = 10_000


def pytest_configure(config):
    config.addinivalue_line("markers", "bulk_data: fills the tables with many items (runs last)")


def pytest_collection_modifyitems(items):
    """Tests that write many items run after the other e2e tests (still before the next
    folder, while the stack's environment is intact): the stream fan-out of their writes and
    the larger loads they leave behind would slow every page opened after them."""
    here = [i for i, item in enumerate(items) if Path(item.path).is_relative_to(Path(__file__).parent)]
    ordered = sorted((items[i] for i in here), key=lambda item: item.get_closest_marker("bulk_data") is not None)
    for i, item in zip(here, ordered):
        items[i] = item


def _installed(find):
    """What `find` returns, or the test fails saying what to install."""
    try:
        return find()
    except MissingTool as missing:
        pytest.fail(str(missing))


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The whole local platform, on a free port, for the session."""
    from devstack.stack import Stack

    with Stack(port=0, state_dir=tmp_path_factory.mktemp("devstack"), frontend_dir=_installed(built_frontend)) as running:
        yield running


@pytest.fixture(scope="session")
def playwright():
    """One Playwright for the session: its sync API cannot run twice in one thread, so every
    browser of the e2e tests is launched from it."""
    _installed(chromium)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright):
    launched = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def new_context(browser):
    """Factory of fresh browser contexts (separate cookies and storage: separate users);
    closed at the end of the test."""
    contexts = []

    def make():
        context = browser.new_context(ignore_https_errors=True)
        context.set_default_timeout(LIVE_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def signed_in_page(stack, new_context):
    """Factory: a newsroom page in its own browser, signed in as a demo user and loaded."""

    def open_as(username: str):
        page = new_context().new_page()
        sign_in(page, stack, username)
        return page

    return open_as


# ---- page helpers shared by the e2e modules ---------------------------------------------

def row(page, entity: str, item_id: str):
    return page.get_by_test_id(f"item-{entity}-{item_id}")


def rows_titled(page, entity: str, title: str):
    return page.get_by_test_id(f"list-{entity}").locator("li", has_text=title)


def create_item(page, entity: str, title: str, content: str = "", fields: str | None = None) -> str:
    """Create an item through the page's editor; returns its id."""
    page.get_by_test_id(f"new-{entity}").click()
    page.get_by_test_id("editor-title").fill(title)
    if content:
        page.get_by_test_id("editor-content").fill(content)
    if fields is not None:
        page.get_by_test_id("editor-fields").fill(fields)
    page.get_by_test_id("editor-save").click()
    created = rows_titled(page, entity, title)
    created.wait_for()
    return created.get_attribute("data-id")


def edit_item(page, entity: str, item_id: str, title: str | None = None, content: str | None = None) -> None:
    """Open the editor on an item and change its fields, without saving."""
    row(page, entity, item_id).get_by_test_id("edit").click()
    if title is not None:
        page.get_by_test_id("editor-title").fill(title)
    if content is not None:
        page.get_by_test_id("editor-content").fill(content)
