"""The plan's acceptance test and its neighbours, in two (or three) real browsers against the
local stack: what one user does appears in the others' pages without a reload."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import create_item, edit_item, row

pytestmark = pytest.mark.e2e


def test_news_created_deleted_and_restored_appears_live_in_every_browser(signed_in_page):
    journalist = signed_in_page("journalist")
    colleague = signed_in_page("journalist2")
    admin = signed_in_page("admin")

    title = f"Flash info {time.time_ns()}"
    news_id = create_item(journalist, "news", title, content="Texte lu à l'antenne")
    # Browser 2 (another user) sees it without a reload.
    expect(row(colleague, "news", news_id)).to_contain_text(title)

    row(journalist, "news", news_id).get_by_test_id("delete").click()
    expect(row(journalist, "news", news_id)).to_have_count(0)
    expect(row(colleague, "news", news_id)).to_have_count(0)
    expect(row(admin, "news", news_id)).to_have_count(0)

    # Only admins restore (docs/contracts.md): from the trash, built from the tombstones.
    admin.get_by_test_id("trash-toggle").click()
    admin.get_by_test_id(f"trash-news-{news_id}").get_by_test_id("restore").click()
    for page in (journalist, colleague, admin):
        expect(row(page, "news", news_id)).to_contain_text(title)
    expect(admin.get_by_test_id(f"trash-news-{news_id}")).to_have_count(0)
