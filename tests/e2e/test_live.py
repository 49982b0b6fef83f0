"""Live collaboration in real browsers: conflicting edits, writes made outside the API,
a browser that was offline, and what a volunteer may not do."""
from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import create_item, edit_item, row

pytestmark = pytest.mark.e2e


def _unique(label: str) -> str:
    return f"{label} {time.time_ns()}"


def test_second_editor_of_a_conductor_gets_both_versions_and_loses_nothing(signed_in_page):
    first = signed_in_page("journalist")
    second = signed_in_page("journalist2")
    segments = [{"id": "seg-1", "type": "jingle", "title": "Indicatif", "duration": 10, "order": 0},
                {"id": "seg-2", "type": "news", "title": "Titres", "content": "news-1", "duration": 90, "order": 1}]
    conductor_id = create_item(first, "conductors", _unique("Conducteur du matin"),
                               fields=json.dumps({"scheduledDate": "2026-11-24", "segments": segments}))
    expect(row(second, "conductors", conductor_id)).to_have_attribute("data-version", "1")

    # Both open the conductor at version 1.
    edit_item(first, "conductors", conductor_id, title="Matin — version de Claire")
    edit_item(second, "conductors", conductor_id, title="Matin — version d'Arthur", content="Météo avancée à 7h10")
    first.get_by_test_id("editor-save").click()
    expect(row(first, "conductors", conductor_id)).to_have_attribute("data-version", "2")
    # The second browser's list follows live; its open editor still holds version 1.
    expect(row(second, "conductors", conductor_id)).to_have_attribute("data-version", "2")
    second.get_by_test_id("editor-save").click()

    dialog = second.get_by_test_id("conflict-dialog")
    expect(dialog).to_be_visible()
    fields = dialog.get_by_test_id("conflict-field")
    expect(fields).to_have_count(1)  # only the title changed on both sides; the text merges
    expect(fields.first).to_have_attribute("data-path", "title")
    expect(fields.first.locator(".mine")).to_contain_text("Matin — version d'Arthur")
    expect(fields.first.locator(".theirs")).to_contain_text("Matin — version de Claire")
    # Nothing was written while the user decides.
    expect(row(first, "conductors", conductor_id)).to_contain_text("Matin — version de Claire")

    second.get_by_test_id("conflict-keep-mine").click()
    for page in (first, second):
        expect(row(page, "conductors", conductor_id)).to_have_attribute("data-version", "3")
        expect(row(page, "conductors", conductor_id)).to_contain_text("Matin — version d'Arthur")
    # Both edits survive, and the segments went through untouched.
    stored = first.evaluate("(id) => window.Storage.cache.conductors.find((c) => c.id === id)", conductor_id)
    assert stored["content"] == "Météo avancée à 7h10"
    assert [(s["id"], s["title"]) for s in stored["segments"]] == [("seg-1", "Indicatif"), ("seg-2", "Titres")]


def test_a_write_made_directly_to_the_table_appears_in_every_browser(signed_in_page, stack):
    pages = [signed_in_page("journalist"), signed_in_page("volunteer")]
    news_id = f"flash-info-natio-permanent-{time.time_ns()}"
    title = _unique("Flash national (job planifié)")
    # A scheduled back-end job writes straight into DynamoDB, as the legacy jobs do.
    stack.dynamodb.put_item(
        TableName=stack.tables.name("news"),
        Item={"id": {"S": news_id}, "title": {"S": title}, "category": {"S": "national"},
              "updatedAt": {"N": str(int(time.time() * 1000))}},
    )
    for page in pages:
        expect(row(page, "news", news_id)).to_contain_text(title)
    # Adopted by the publisher (version 1, in the live index): still there after a reload.
    expect(row(pages[0], "news", news_id)).to_have_attribute("data-version", "1")
    pages[1].reload()
    pages[1].wait_for_selector("body[data-ready='true']")
    expect(row(pages[1], "news", news_id)).to_contain_text(title)


def test_a_browser_that_was_offline_catches_up_and_sends_what_it_saved_meanwhile(signed_in_page):
    writer = signed_in_page("journalist")
    reader = signed_in_page("journalist2")
    kept_id = create_item(reader, "news", _unique("Brève du soir"))
    expect(row(writer, "news", kept_id)).to_be_visible()
    catch_ups = []
    reader.on("request", lambda request: "CatchUp" in (request.post_data or "") and catch_ups.append(request))

    reader.context.set_offline(True)
    expect(reader.get_by_test_id("connection-state")).not_to_have_attribute("data-state", "Connected")
    missed_title = _unique("Publiée pendant la coupure")
    missed_id = create_item(writer, "news", missed_title)
    # Edited while offline: queued in the outbox, shown at once.
    edit_item(reader, "news", kept_id, title="Brève du soir (corrigée hors ligne)")
    reader.get_by_test_id("editor-save").click()
    expect(row(reader, "news", kept_id)).to_contain_text("corrigée hors ligne")
    expect(row(reader, "news", missed_id)).to_have_count(0)

    reader.context.set_offline(False)
    expect(reader.get_by_test_id("connection-state")).to_have_text("En direct")
    expect(reader.get_by_test_id("connection-state")).to_have_attribute("data-state", "Connected")
    expect(row(reader, "news", missed_id)).to_contain_text(missed_title)
    expect(row(writer, "news", kept_id)).to_contain_text("corrigée hors ligne")
    expect(row(writer, "news", kept_id)).to_have_attribute("data-version", "2")
    assert catch_ups, "the reconnection asked for the changes made meanwhile"


def test_a_volunteer_cannot_edit_a_journalists_news(signed_in_page):
    journalist = signed_in_page("journalist")
    volunteer = signed_in_page("volunteer")
    title = _unique("Édito de la rédaction")
    news_id = create_item(journalist, "news", title)
    expect(row(volunteer, "news", news_id)).to_contain_text(title)

    edit_item(volunteer, "news", news_id, title="Réécrit par un bénévole")
    volunteer.get_by_test_id("editor-save").click()
    expect(volunteer.get_by_test_id("editor-error")).to_contain_text("Unauthorized")
    volunteer.get_by_test_id("editor-cancel").click()
    row(volunteer, "news", news_id).get_by_test_id("delete").click()
    expect(volunteer.get_by_test_id("status")).to_contain_text("Unauthorized")

    # Nothing changed, in either browser; the volunteer may still write their own items.
    for page in (journalist, volunteer):
        expect(row(page, "news", news_id)).to_contain_text(title)
        expect(row(page, "news", news_id)).to_have_attribute("data-version", "1")
    own_id = create_item(volunteer, "news", _unique("Annonce d'une association"))
    expect(row(journalist, "news", own_id)).to_be_visible()
