"""Edit presence against moto: announce, renew, expire, stop, clear, the rules, validation."""
from __future__ import annotations

import time

import pytest

from newsroom import presence
from newsroom.auth import Identity
from newsroom.aws import to_dynamodb
from newsroom.entities import BY_NAME
from newsroom.errors import Unauthorized, ValidationError
from newsroom.items import new_item

CLARA = Identity("sub-clara", "clarabert", frozenset({"journalists"}), "Clara Bert")
SIMON = Identity("sub-simon", "simonmarty", frozenset({"journalists"}), "Simon Marty")
ADMIN = Identity("sub-admin", "admin", frozenset({"admins"}), "Admin")
VOLUNTEER = Identity("sub-vol", "benevole", frozenset({"volunteers"}), "Bénévole")

NOW = 1_763_452_800_000  # 2025-11-18 08:00 UTC


def stored_rows(tables):
    return tables.dynamodb().scan(TableName=tables.presence)["Items"]


def store_news(tables, item_id, owner):
    item = new_item(BY_NAME["news"], {"title": "Grève"}, item_id=item_id, owner_id=owner.sub,
                    updated_by=owner.sub, now_ms=NOW)
    tables.dynamodb().put_item(TableName=tables.name("news"), Item=to_dynamodb(item))


def test_an_announcement_is_listed_with_the_editor_name_until_it_expires(tables):
    shown = presence.announce(tables, CLARA, "news", "news-1", "content", now_ms=NOW)
    assert shown == {
        "entity": "news", "id": "news-1", "editorId": "sub-clara", "editorName": "Clara Bert",
        "field": "content", "expiresAt": NOW + 90_000, "active": True,
    }
    assert presence.list_editors(tables, SIMON, "news", "news-1", now_ms=NOW + 60_000) == [shown]
    # The browser died: no renewal. Past 90 s the name is gone although the row still exists
    # (DynamoDB's TTL purges later, on `purgeAt` in seconds).
    assert presence.list_editors(tables, SIMON, "news", "news-1", now_ms=NOW + 90_001) == []
    [row] = stored_rows(tables)
    assert int(row["purgeAt"]["N"]) * 1000 >= NOW + 90_000
    ttl = tables.dynamodb().describe_time_to_live(TableName=tables.presence)
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "purgeAt"


def test_renewing_extends_the_announcement_without_a_second_row(tables):
    presence.announce(tables, CLARA, "news", "news-1", None, now_ms=NOW)
    renewed = presence.announce(tables, CLARA, "news", "news-1", None, now_ms=NOW + 60_000)
    assert renewed["expiresAt"] == NOW + 150_000
    assert [p["editorId"] for p in presence.list_editors(tables, SIMON, "news", "news-1", now_ms=NOW + 120_000)] == ["sub-clara"]
    assert len(stored_rows(tables)) == 1


def test_each_item_lists_only_its_own_editors(tables):
    presence.announce(tables, CLARA, "conductors", "conductor-1", "segments", now_ms=NOW)
    presence.announce(tables, SIMON, "conductors", "conductor-1", None, now_ms=NOW)
    presence.announce(tables, SIMON, "news", "conductor-1", None, now_ms=NOW)  # same id, other entity
    editors = presence.list_editors(tables, ADMIN, "conductors", "conductor-1", now_ms=NOW)
    assert sorted(p["editorName"] for p in editors) == ["Clara Bert", "Simon Marty"]
    assert presence.list_editors(tables, ADMIN, "journals", "conductor-1", now_ms=NOW) == []


def test_stop_removes_the_announcement_and_reports_it_inactive(tables):
    presence.announce(tables, CLARA, "news", "news-1", "title", now_ms=NOW)
    stopped = presence.stop(tables, CLARA, "news", "news-1", now_ms=NOW + 5_000)
    assert stopped["active"] is False
    assert (stopped["editorId"], stopped["editorName"], stopped["field"]) == ("sub-clara", "Clara Bert", "title")
    assert stopped["expiresAt"] == NOW + 5_000
    assert presence.list_editors(tables, SIMON, "news", "news-1", now_ms=NOW + 5_000) == []
    assert stored_rows(tables) == []


def test_only_admins_clear_someone_elses_announcement(tables):
    presence.announce(tables, CLARA, "news", "news-1", None, now_ms=NOW)
    with pytest.raises(Unauthorized):
        presence.clear(tables, SIMON, "news", "news-1", "sub-clara", now_ms=NOW)
    assert len(presence.list_editors(tables, SIMON, "news", "news-1", now_ms=NOW)) == 1
    cleared = presence.clear(tables, ADMIN, "news", "news-1", "sub-clara", now_ms=NOW)
    assert (cleared["editorId"], cleared["editorName"], cleared["active"]) == ("sub-clara", "Clara Bert", False)
    assert presence.list_editors(tables, SIMON, "news", "news-1", now_ms=NOW) == []


def test_anyone_clears_their_own_announcement(tables):
    presence.announce(tables, SIMON, "news", "news-1", None, now_ms=NOW)
    assert presence.clear(tables, SIMON, "news", "news-1", "sub-simon", now_ms=NOW)["active"] is False
    assert stored_rows(tables) == []


def test_volunteers_announce_only_on_items_they_may_write(tables):
    store_news(tables, "news-clara", CLARA)
    store_news(tables, "news-vol", VOLUNTEER)
    with pytest.raises(Unauthorized):
        presence.announce(tables, VOLUNTEER, "news", "news-clara", None, now_ms=NOW)
    assert stored_rows(tables) == []
    assert presence.announce(tables, VOLUNTEER, "news", "news-vol", None, now_ms=NOW)["active"] is True
    assert presence.announce(tables, VOLUNTEER, "news", "news-not-saved-yet", None, now_ms=NOW)["active"] is True
    # ...and see everyone's announcements, like every member.
    presence.announce(tables, CLARA, "news", "news-clara", None, now_ms=NOW)
    assert [p["editorId"] for p in presence.list_editors(tables, VOLUNTEER, "news", "news-clara", now_ms=NOW)] == ["sub-clara"]


@pytest.mark.parametrize(
    "entity, item_id, field",
    [
        ("habillage", "news-1", None),  # a legacy table, not an entity of the API
        ("News", "news-1", None),  # the type name, not the entity
        ("news", "", None),
        ("news", " news-1", None),
        ("news", "x" * 300, None),
        ("news", "news\n1", None),
        ("news", "news-1", "f" * 300),
    ],
)
def test_invalid_entity_id_or_field_is_refused_and_nothing_is_written(tables, entity, item_id, field):
    with pytest.raises(ValidationError):
        presence.announce(tables, CLARA, entity, item_id, field, now_ms=NOW)
    assert stored_rows(tables) == []


def test_invalid_arguments_are_refused_by_every_call(tables):
    for call in (
        lambda: presence.list_editors(tables, CLARA, "nope", "news-1"),
        lambda: presence.stop(tables, CLARA, "news", ""),
        lambda: presence.clear(tables, ADMIN, "news", "news-1", ""),
    ):
        with pytest.raises(ValidationError):
            call()


def test_real_clock_announcement_is_current(tables):
    before = int(time.time() * 1000)
    shown = presence.announce(tables, CLARA, "journals", "journal-1", None)
    assert before + presence.ANNOUNCEMENT_MS <= shown["expiresAt"] <= int(time.time() * 1000) + presence.ANNOUNCEMENT_MS
    assert presence.list_editors(tables, SIMON, "journals", "journal-1") == [shown]


def test_through_the_resolver_presence_warns_but_never_blocks_a_save(tables):
    from appsync_calls import call, data_of, error_of, identity

    clara, simon = identity("sub-clara"), identity("sub-simon")
    created = data_of(call(tables, "createNews", clara, input={"id": "news-1", "data": '{"title": "Grève"}'}))
    shown = data_of(call(tables, "announceEditing", clara, entity="news", id="news-1", field="title"))
    assert (shown["editorId"], shown["active"]) == ("sub-clara", True)
    assert [p["editorId"] for p in data_of(call(tables, "listEditors", simon, entity="news", id="news-1"))] == ["sub-clara"]
    updated = data_of(call(tables, "updateNews", simon, input={
        "id": "news-1", "expectedVersion": created["version"], "data": '{"title": "Grève reconduite"}'}))
    assert updated["version"] == created["version"] + 1
    assert error_of(call(tables, "clearEditing", simon, entity="news", id="news-1", editorId="sub-clara"))["errorType"] == "Unauthorized"
    assert error_of(call(tables, "announceEditing", clara, entity="habillage", id="news-1"))["errorType"] == "ValidationError"
    assert data_of(call(tables, "stopEditing", clara, entity="news", id="news-1"))["active"] is False
    assert data_of(call(tables, "listEditors", simon, entity="news", id="news-1")) == []
