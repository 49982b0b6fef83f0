"""Collaboration beyond last-writer-wins, in two real browsers against the local stack: edit
presence, field-level merge of concurrent edits, offline edits replayed on reconnect."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from newsroom.items import unpacked
from newsroom.aws import from_dynamodb
from tests.e2e.conftest import create_item, edit_item, row

pytestmark = pytest.mark.e2e


def stored_news(stack, news_id: str) -> dict:
    """The news item as the table holds it now (what every browser will load), fields unpacked."""
    response = stack.dynamodb.get_item(TableName=stack.tables.name("news"), Key={"id": {"S": news_id}},
                                       ConsistentRead=True)
    return unpacked(from_dynamodb(response["Item"]))


def cached_news(page, news_id: str, field: str):
    """One field of the news as the page's storage module holds it."""
    return page.evaluate(
        "([id, field]) => window.Storage.cache.news.find((n) => n.id === id)?.[field] ?? null", [news_id, field])


def wait_for_cached(page, news_id: str, field: str, value: str) -> None:
    page.wait_for_function(
        "([id, field, value]) => window.Storage.cache.news.find((n) => n.id === id)?.[field] === value",
        arg=[news_id, field, value])


def unique(text: str) -> str:
    return f"{text} {time.time_ns()}"


def test_two_people_edit_different_fields_of_one_news_at_once_and_both_edits_survive(signed_in_page, stack):
    clara = signed_in_page("journalist")
    simon = signed_in_page("journalist2")
    news_id = create_item(clara, "news", unique("Grève SNCF"), content="Texte d'origine")
    expect(row(simon, "news", news_id)).to_have_count(1)

    # Both open the same version; Clara rewrites the title, Simon the text read on air.
    new_title = unique("Grève reconduite à la SNCF")
    edit_item(clara, "news", news_id, title=new_title)
    edit_item(simon, "news", news_id, content="Texte corrigé par Simon")
    clara.get_by_test_id("editor-save").click()
    wait_for_cached(clara, news_id, "title", new_title)
    simon.get_by_test_id("editor-save").click()  # based on the old version: merged, not refused

    wait_for_cached(simon, news_id, "content", "Texte corrigé par Simon")
    expect(simon.get_by_test_id("conflict-dialog")).not_to_be_visible()
    stored = stored_news(stack, news_id)
    assert (stored["title"], stored["content"], stored["version"]) == (new_title, "Texte corrigé par Simon", 3)
    wait_for_cached(clara, news_id, "content", "Texte corrigé par Simon")
    expect(row(simon, "news", news_id)).to_contain_text(new_title)


def test_the_same_field_edited_twice_shows_both_values_and_the_choice_is_saved(signed_in_page, stack):
    clara = signed_in_page("journalist")
    simon = signed_in_page("journalist2")
    title = unique("Conseil municipal")
    news_id = create_item(clara, "news", title, content="Texte d'origine")
    expect(row(simon, "news", news_id)).to_have_count(1)

    edit_item(clara, "news", news_id, content="Version de Clara")
    edit_item(simon, "news", news_id, content="Version de Simon")
    clara.get_by_test_id("editor-save").click()
    wait_for_cached(clara, news_id, "content", "Version de Clara")
    simon.get_by_test_id("editor-save").click()

    dialog = simon.get_by_test_id("conflict-dialog")
    expect(dialog).to_be_visible()
    field = dialog.locator("[data-testid='conflict-field'][data-path='content']")
    expect(field.locator(".mine")).to_contain_text("Version de Simon")
    expect(field.locator(".theirs")).to_contain_text("Version de Clara")
    assert stored_news(stack, news_id)["content"] == "Version de Clara", "nothing overwritten before the choice"

    simon.get_by_test_id("conflict-keep-mine").click()
    wait_for_cached(clara, news_id, "content", "Version de Simon")
    stored = stored_news(stack, news_id)
    assert (stored["content"], stored["title"], stored["version"]) == ("Version de Simon", title, 3)


def test_an_offline_browser_queues_its_edits_and_they_land_after_reconnect(signed_in_page, stack):
    clara = signed_in_page("journalist")
    simon = signed_in_page("journalist2")
    flash_id = create_item(clara, "news", unique("Flash 7h"), content="Texte du flash")
    meteo_id = create_item(clara, "news", unique("Météo"), content="Soleil")
    expect(row(simon, "news", meteo_id)).to_have_count(1)

    simon.context.set_offline(True)
    flash_title, meteo_title = unique("Flash 7h (Simon)"), unique("Météo (Simon)")
    for news_id, title in ((flash_id, flash_title), (meteo_id, meteo_title)):
        edit_item(simon, "news", news_id, title=title)
        simon.get_by_test_id("editor-save").click()
        expect(simon.get_by_test_id("editor")).not_to_be_visible()
    assert simon.evaluate("window.Storage.outbox.pending.map((e) => e.id)") == [flash_id, meteo_id]
    # Simon sees what waits for the network.
    expect(simon.get_by_test_id("outbox-entry")).to_have_count(2)
    # The queue lives in localStorage, where a reloaded page finds it.
    assert simon.evaluate("JSON.parse(localStorage.getItem('saint-esprit:outbox')).pending.length") == 2
    assert stored_news(stack, flash_id)["title"] != flash_title

    # Meanwhile Clara, online, changes the text of the same flash.
    edit_item(clara, "news", flash_id, content="Texte du flash, mis à jour")
    clara.get_by_test_id("editor-save").click()
    wait_for_cached(clara, flash_id, "content", "Texte du flash, mis à jour")

    simon.context.set_offline(False)
    wait_for_cached(clara, meteo_id, "title", meteo_title)
    wait_for_cached(clara, flash_id, "title", flash_title)
    flash = stored_news(stack, flash_id)
    assert (flash["title"], flash["content"]) == (flash_title, "Texte du flash, mis à jour"), "merged, nothing lost"
    assert stored_news(stack, meteo_id)["title"] == meteo_title
    simon.wait_for_function("window.Storage.outbox.pending.length === 0")
    assert simon.evaluate("window.Storage.outbox.decisions.length") == 0
    expect(simon.get_by_test_id("outbox")).to_be_hidden()


def test_an_offline_edit_that_collides_waits_for_a_decision_and_the_choice_settles_it(signed_in_page, stack):
    clara = signed_in_page("journalist")
    simon = signed_in_page("journalist2")
    news_id = create_item(clara, "news", unique("Agenda"), content="Texte d'origine")
    expect(row(simon, "news", news_id)).to_have_count(1)

    simon.context.set_offline(True)
    edit_item(simon, "news", news_id, content="Version de Simon (hors ligne)")
    simon.get_by_test_id("editor-save").click()
    expect(simon.get_by_test_id("outbox-entry")).to_have_count(1)
    edit_item(clara, "news", news_id, content="Version de Clara")
    clara.get_by_test_id("editor-save").click()
    wait_for_cached(clara, news_id, "content", "Version de Clara")

    simon.context.set_offline(False)
    # The replay cannot merge the same field: Simon decides, and nothing was overwritten meanwhile.
    expect(simon.get_by_test_id("outbox-decision")).to_have_count(1)
    expect(simon.get_by_test_id("conflict-dialog")).to_be_visible()
    assert stored_news(stack, news_id)["content"] == "Version de Clara"

    simon.get_by_test_id("conflict-keep-mine").click()
    wait_for_cached(clara, news_id, "content", "Version de Simon (hors ligne)")
    expect(simon.get_by_test_id("outbox")).to_be_hidden()
    assert simon.evaluate("window.Storage.outbox.decisions.length") == 0

def test_presence_appears_live_warns_before_editing_and_expires_when_the_browser_dies(signed_in_page, stack, monkeypatch):
    from newsroom import presence

    # Announcements last 90 s and browsers renew them every 60 s; a short life here lets the
    # test watch one lapse after the editor's browser is gone (the stack runs in this process).
    monkeypatch.setattr(presence, "ANNOUNCEMENT_MS", 8_000)
    clara = signed_in_page("journalist")
    simon = signed_in_page("journalist2")
    news_id = create_item(clara, "news", unique("Interview du maire"), content="Texte")
    expect(row(simon, "news", news_id)).to_have_count(1)
    editor_name = re.compile(r"Journaliste Démo|journalist\b")

    edit_item(clara, "news", news_id)  # opening the editor announces it
    badge = row(simon, "news", news_id).get_by_test_id("presence")
    expect(badge).to_contain_text(editor_name)
    clara.get_by_test_id("editor-cancel").click()  # closing it ends it at once
    expect(badge).to_have_count(0)

    edit_item(clara, "news", news_id)
    expect(badge).to_contain_text(editor_name)
    edit_item(simon, "news", news_id)  # Simon is warned before he edits, and may still save
    expect(simon.get_by_test_id("editor-presence")).to_be_visible()
    expect(simon.get_by_test_id("editor-presence")).to_contain_text(editor_name)
    simon.get_by_test_id("editor-cancel").click()

    clara.context.close()  # the browser dies: no renewal, no stop
    expect(badge).to_have_count(0, timeout=15_000)
    # The row is still in the table (TTL purges within days), but the server leaves it out.
    rows = stack.dynamodb.query(
        TableName=stack.tables.presence, KeyConditionExpression="itemKey = :key",
        ExpressionAttributeValues={":key": {"S": f"news#{news_id}"}})["Items"]
    assert len(rows) == 1
    assert simon.evaluate("([entity, id]) => window.Storage.loadEditors(entity, id)", ["news", news_id]) == []
