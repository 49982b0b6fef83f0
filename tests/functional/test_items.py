"""The storage rules (newsroom/items.py, newsroom/auth.py) as plain functions: what the
resolver, the local stack and the migration all rely on."""
from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from newsroom import items
from newsroom.auth import Identity
from newsroom.entities import BY_NAME
from newsroom.errors import Unauthorized, ValidationError
from newsroom.aws import from_dynamodb, to_dynamodb

NEWS, CONDUCTORS = BY_NAME["news"], BY_NAME["conductors"]
NOW = 1_763_451_000_000


def test_normalise_cleans_the_apps_fields_for_storage():
    segments = [{"id": "s2", "type": "music", "duration": 180.5, "content": ""},
                {"id": "s1", "type": "news", "content": "news-1", "duration": None}]
    clean = items.normalise(CONDUCTORS, {
        "title": "Matinale", "date": "2025-11-18", "startTime": "06:00", "segments": segments,
        "duration": "3:05", "notes": "", "urgent": None, "archivedAt": "2025-11-18T07:30:00+01:00",
        "version": 12, "ownerId": "me", "liveList": "x", "purgeAt": 1, "deletedAt": 5,
    })
    assert clean == {
        "title": "Matinale", "date": "2025-11-18", "startTime": "06:00",
        "scheduledDate": "2025-11-18", "scheduledTime": "06:00",
        "segments": [{"id": "s2", "type": "music", "duration": Decimal("180.5"), "content": ""},
                     {"id": "s1", "type": "news", "content": "news-1", "duration": None}],
        "duration": 185, "archivedAt": 1_763_447_400_000,
    }
    assert items.normalise(CONDUCTORS, clean) == clean  # idempotent


def test_normalise_keeps_explicit_schedule_over_legacy_fields():
    clean = items.normalise(CONDUCTORS, {"date": "2025-11-17", "scheduledDate": "2025-11-18"})
    assert clean["scheduledDate"] == "2025-11-18"


@pytest.mark.parametrize("data, says", [
    ({"audioData": "SUQzBAAAAAAA"}, "saveAudioFile"),
    ({"sounds": [{"id": "1", "audioData": "SUQz"}]}, "sounds[0].audioData"),
    ({"content": "data:audio/mpeg;base64,SUQz"}, "media bucket"),
    ({"duration": "bientôt"}, "M:SS"),
    ({"duration": float("nan")}, "finite"),
    ({"scheduledDate": 20251118}, "YYYY-MM-DD"),
])
def test_normalise_refuses_what_cannot_be_stored(data, says):
    with pytest.raises(ValidationError, match=re.escape(says)):
        items.normalise(CONDUCTORS, data)


def test_sizes_are_checked_against_both_limits():
    item = items.new_item(NEWS, {"content": "é" * 60_000}, item_id="news-1", owner_id="u",
                          updated_by="u", now_ms=NOW)  # a long volunteer text: fine
    items.check_size(item)
    with pytest.raises(ValidationError, match="240 KB subscription limit"):
        items.check_size({**item, "content": '"' * 130_000})  # escaped twice in a message
    with pytest.raises(ValidationError, match="400 KB item limit"):
        items.check_size({**item, "content": "x" * 420_000})


def test_new_item_sets_the_server_fields_and_keeps_client_ids():
    item = items.new_item(NEWS, {"title": "t"}, item_id=1731913200, owner_id="sub-1",
                          updated_by="sub-1", now_ms=NOW)
    assert item == {"appFields": '{"title":"t"}', "id": "1731913200", "version": 1, "createdAt": NOW,
                    "updatedAt": NOW, "ownerId": "sub-1", "updatedBy": "sub-1", "liveList": "news",
                    "changeFeed": "news"}
    generated = items.new_item(NEWS, {}, item_id=None, owner_id="u", updated_by="u", now_ms=NOW)["id"]
    assert generated.startswith(f"news-{NOW}-")
    legacy = items.new_item(NEWS, {}, item_id="news-1", owner_id="u", updated_by="u", now_ms=NOW,
                            created_at=1_600_000_000_000)
    assert legacy["createdAt"] == 1_600_000_000_000
    for bad in ("", " news-1", "a" * 300, "news\n1", None.__class__):
        with pytest.raises(ValidationError):
            items.client_id(bad)


def test_replace_tombstone_restore_life_cycle():
    first = items.new_item(NEWS, {"title": "a", "pied": "fin"}, item_id="news-1", owner_id="owner",
                           updated_by="owner", now_ms=NOW)
    second = items.replaced_item(NEWS, first, {"title": "b", "createdAt": 1, "ownerId": "thief"},
                                 updated_by="editor", now_ms=NOW - 10)  # a clock behind
    assert second == {"appFields": '{"title":"b"}', "id": "news-1", "createdAt": NOW, "ownerId": "owner",
                      "liveList": "news", "changeFeed": "news", "version": 2,
                      "updatedAt": NOW + 1, "updatedBy": "editor"}
    tomb = items.tombstone(second, updated_by="editor", now_ms=NOW + 5000, retention_days=30)
    assert items.is_tombstone(tomb) and "liveList" not in tomb
    assert (tomb["version"], tomb["deletedAt"], tomb["purgeAt"]) == (3, NOW + 5000, (NOW + 5000) // 1000 + 30 * 86400)
    back = items.restored(tomb, updated_by="admin", now_ms=NOW + 6000)
    assert back == {**second, "version": 4, "updatedAt": NOW + 6000, "updatedBy": "admin"}
    # The catch-up feed sees the stored item alone: a restored item is its next update.
    assert [items.change_op(i) for i in (first, second, tomb, back)] == ["CREATE", "UPDATE", "DELETE", "UPDATE"]
    # A stream record also shows the item before the write, and whether it was inserted or removed.
    assert [items.change_op(new, previous=old) for old, new in ((first, second), (second, tomb), (tomb, back))] == [
        "UPDATE", "DELETE", "RESTORE"]
    assert items.change_op(first, inserted=True) == "CREATE"
    assert items.change_op(second, inserted=True) == "CREATE"  # an insert creates, whatever its version
    assert items.change_op(None, previous=back, removed=True) == "PURGE"
    adopted = {key: value for key, value in first.items() if key != "ownerId"}  # a job's write, version 1
    assert items.change_op(adopted, previous={"id": "news-1", "title": "a"}) == "CREATE"


def test_clients_get_plain_json_without_index_attributes():
    item = items.new_item(NEWS, {"title": 2025, "sounds": [{"duration": 1.5}]}, item_id="news-1",
                          owner_id="u", updated_by="u", now_ms=NOW)
    shape = items.to_graphql(NEWS, items.tombstone(item, updated_by="u", now_ms=NOW + 1))
    data = json.loads(shape["data"])
    assert data["sounds"] == [{"duration": 1.5}] and "liveList" not in data and "purgeAt" not in data
    assert (shape["title"], shape["version"], shape["deletedAt"]) == ("2025", 2, NOW + 1)
    legacy = items.to_graphql(NEWS, {"id": "kto-cri-de-la-terre", "title": "Cri"})
    assert (legacy["version"], legacy["createdAt"]) == (0, 0)


def test_identity_from_appsync_events():
    event = {"identity": {"sub": "s", "username": "clarabert", "groups": None,
                          "claims": {"cognito:groups": "journalists,admins", "name": "Clara Bert"}}}
    who = Identity.from_event(event)
    assert (who.sub, who.username, who.display_name, who.is_admin, who.can_write_all) == (
        "s", "clarabert", "Clara Bert", True, True)
    volunteer = Identity.from_event({"identity": {"sub": "v", "groups": ["volunteers"], "claims": {}}})
    assert volunteer.may_write({"ownerId": "v"}) and not volunteer.may_write({"ownerId": "s"})
    for anonymous in ({}, {"identity": None}, {"identity": {"username": "iam"}},
                      {"identity": {"sub": "x", "groups": ["habillage"]}}):
        with pytest.raises(Unauthorized):
            Identity.from_event(anonymous)


def test_writes_made_outside_the_api_are_told_from_api_writes():
    api_item = items.new_item(NEWS, {"title": "a"}, item_id="news-1", owner_id="u", updated_by="u", now_ms=NOW)
    edited = items.replaced_item(NEWS, api_item, {"title": "b"}, updated_by="u", now_ms=NOW + 1)
    tomb = items.tombstone(edited, updated_by="u", now_ms=NOW + 2)
    for old, new in ((None, api_item), (api_item, edited), (edited, tomb), (tomb, None)):
        assert not items.written_outside_the_api(old, new)
    job_put = {"id": "flash-info-natio-permanent", "title": "Flash"}
    job_set = {**edited, "title": "changed by a job"}  # an UpdateItem that left the version
    for old, new in ((None, job_put), (edited, job_put), (edited, job_set)):
        assert items.written_outside_the_api(old, new)


def test_an_adoption_versions_lists_and_keeps_what_the_job_dropped():
    api_item = items.new_item(NEWS, {"title": "a"}, item_id="news-1", owner_id="u", updated_by="u", now_ms=NOW)
    sets, removes = items.adoption(NEWS, api_item, {"id": "news-1", "title": "job"}, now_ms=NOW - 5)
    assert sets == {"version": 2, "changeFeed": "news", "liveList": "news", "updatedAt": NOW + 1,
                    "createdAt": NOW, "ownerId": "u", "appFields": '{"title":"job"}'}
    assert removes == ["trashList", "title"]  # the job's plain field, packed
    sets, removes = items.adoption(NEWS, None, {"id": "x", "deletedAt": NOW, "updatedBy": "job"}, now_ms=NOW + 9)
    assert (sets["version"], sets["trashList"], sets["createdAt"]) == (1, "news", NOW + 9)
    assert removes == ["liveList"]
    _, removes = items.adoption(NEWS, api_item, {**api_item, "title": "job"}, now_ms=NOW + 9)
    assert removes == ["trashList", "updatedBy", "title"]  # not u's edit: nobody signed in made it


def test_a_packed_item_round_trips_to_the_client_unchanged():
    data = {"title": "Flash", "duration": 45, "volume": 0.75, "hasAudio": True,
            "sounds": [{"name": "jingle", "duration": 1.5, "tags": ["a", "b"]}],
            "meta": {"appFields": "an app field of that name is the app's"}, "appFields": "{}",
            "scheduledDate": "2026-11-24"}
    for entity in (NEWS, BY_NAME["journals"]):
        item = items.new_item(entity, data, item_id="i-1", owner_id="u", updated_by="u", now_ms=NOW)
        # Only what DynamoDB reads stays an attribute (a journal's schedule index key included).
        assert set(item) - {"id", "version", "createdAt", "updatedAt", "ownerId", "updatedBy",
                            "liveList", "changeFeed"} == (
            {"appFields", "scheduledDate"} if entity.scheduled else {"appFields"})
        stored = from_dynamodb(to_dynamodb(item))  # what a read of the table gives back
        assert items.to_client(stored) == {**data, "id": "i-1", "version": 1, "createdAt": NOW,
                                           "updatedAt": NOW, "ownerId": "u", "updatedBy": "u"}
        assert items.unpacked(stored)["volume"] == Decimal("0.75")  # as DynamoDB numbers read


def test_plain_attributes_written_by_a_job_win_over_the_packed_fields():
    item = items.new_item(NEWS, {"title": "a", "content": "c"}, item_id="news-1", owner_id="u",
                          updated_by="u", now_ms=NOW)
    job_set = {**item, "title": "changed by a job"}  # UpdateItem SET title on the packed item
    assert items.to_client(job_set)["title"] == "changed by a job"
    assert items.to_client(job_set)["content"] == "c"
    assert items.plain_fields(NEWS, job_set) == ["title"]
    job_put = {"id": "flash", "title": "Flash", "appFields": "not JSON"}  # a job's own attribute
    assert items.to_client(job_put) == job_put and items.plain_fields(NEWS, job_put) == ["title"]
    sets, _ = items.adoption(NEWS, None, job_put, now_ms=NOW)  # packed with the rest, as a field
    assert items.to_client({**job_put, **sets})["appFields"] == "not JSON"


# What an attacker (or a broken client) sends that DynamoDB, boto3 or the JSON codec cannot carry.
# Each must be a ValidationError naming the field, never an InternalError from deeper down.


def nested(depth: int) -> list:
    """A list `depth` levels deep (built by a loop: JSON's decoder would stop at ~1,000)."""
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize("entity, data, field", [
    (NEWS, {"duration": "inf"}, "duration"),
    (NEWS, {"duration": "-Infinity"}, "duration"),
    (NEWS, {"duration": "nan"}, "duration"),
    (NEWS, {"audioDuration": "1e400"}, "audioDuration"),
    (NEWS, {"duration": "9" * 50 + ":00"}, "duration"),
    (NEWS, {"count": 1234567890123456789012345678901234567890}, "count"),
    (NEWS, {"count": 1e200}, "count"),
    (NEWS, {"count": 1e-200}, "count"),
    (NEWS, {"sounds": [{"volume": -(10 ** 40)}]}, "sounds[0].volume"),
    (NEWS, {"segments": nested(1000)}, "segments"),
    (NEWS, {"meta": {"a": {"b": nested(40)}}}, "meta.a.b"),
    (NEWS, {"title": "Flash \ud800"}, "title"),
    (NEWS, {"sounds": [{"name": "\udfff"}]}, "sounds[0].name"),
    (CONDUCTORS, {"scheduledDate": "2025-11-18" + "x" * 2100}, "scheduledDate"),
    (CONDUCTORS, {"date": "é" * 1100}, "scheduledDate"),
    (NEWS, {"": "sans nom"}, '""'),
    (NEWS, {"segments": [{"": 1}]}, "segments[0]"),
    (NEWS, {"meta": {"\ud800": 1}}, "meta"),
])
def test_values_dynamodb_cannot_hold_are_refused_naming_the_field(entity, data, field):
    with pytest.raises(ValidationError, match=re.escape(field)):
        items.new_item(entity, {"title": "Flash", **data}, item_id="news-1", owner_id="u",
                       updated_by="u", now_ms=NOW)


def test_the_edges_of_what_dynamodb_holds_are_kept():
    kept = items.normalise(CONDUCTORS, {
        "count": 12345678901234567890123456789012345678, "tiny": 1e-120, "huge": 1e120,
        "duration": "999:59", "scheduledDate": "x" * 2048, "deep": nested(32),
        "emoji": "🎙️ Matinale",
    })
    assert kept["duration"] == 999 * 60 + 59 and kept["tiny"] == Decimal("1E-120")
    to_dynamodb(kept)  # boto3's serializer takes every one of them


@pytest.mark.parametrize("bad", ["news-\ud800", "\udc00"])
def test_ids_with_lone_surrogates_are_refused(bad):
    with pytest.raises(ValidationError, match="id"):
        items.client_id(bad)
