"""The resolver Lambda against moto: every field of the schema, its happy path and its errors."""
from __future__ import annotations

import json
import types

import pytest

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLNonNull, get_named_type

from appsync_calls import (
    LambdaContext, appsync_event, call, call_with, data_of, dump_tables, error_of, identity, seed,
)
from handlers import resolver
from infra.appsync_schema import load
from newsroom import api, items
from newsroom.aws import to_dynamodb
from newsroom.entities import BY_NAME, ENTITIES
from newsroom.tables import Tables

ADMIN = identity("admin-1", "admins")
JOURNALIST = identity("journalist-1", "journalists")
OTHER_JOURNALIST = identity("journalist-2", "journalists")


def create(tables, entity, fields, item_id=None, caller=JOURNALIST):
    name = entity.type_name
    return data_of(call(tables, f"create{name}", caller, input={"id": item_id, "data": json.dumps(fields)}))


def stored(tables, entity, item_id):
    return tables.dynamodb().get_item(TableName=tables.name(entity), Key={"id": {"S": item_id}}).get("Item")


def test_every_query_and_mutation_of_the_schema_has_a_route():
    schema = load()
    served = {
        (type_name, field)
        for type_name in ("Query", "Mutation")
        for field in schema.get_type(type_name).fields
    } - {("Mutation", "publish")}  # AppSync's NONE data source, not this Lambda
    assert served == set(api.ROUTES)


def sample_arguments(field) -> dict:
    """Well-formed arguments for a schema field (every argument, inputs filled in): a refusal
    must come from who is calling, not from what they sent."""
    def value(graphql_type, name):
        named = get_named_type(graphql_type)
        if isinstance(named, GraphQLEnumType):
            return next(iter(named.values))
        if isinstance(named, GraphQLInputObjectType):
            return {key: value(inner.type, key) for key, inner in named.fields.items()}
        return {"Int": 1, "Float": 0, "Boolean": True, "AWSJSON": '{"title": "t"}'}.get(
            named.name, "2025-11-18" if name == "scheduledDate" else f"{name}-1")
    return {name: value(argument.type, name) for name, argument in field.args.items()}


OUTSIDERS = {
    "signed in, no group": identity("nobody-1", None),
    "other group only": identity("marketing-1", "marketing"),
    "no group, via claims": identity("nobody-2", None, via_claims=True),
}


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_every_query_and_mutation_refuses_an_account_in_no_newsroom_group(tables, outsider):
    """Walks the whole schema (presence fields and changesSince included): an account of the
    pool in none of the newsroom's groups gets Unauthorized and changes nothing."""
    handler = resolver.build(tables)
    caller = OUTSIDERS[outsider]
    for entity in ENTITIES:  # something to read, owned by the caller, so only the group check can refuse
        seed(tables, entity, f"{entity.id_prefix}-1", caller["sub"])
    before = dump_tables(tables)
    schema = load()
    walked = []
    for root in (schema.query_type, schema.mutation_type):
        for name, field in root.fields.items():
            if name == "publish":  # IAM only (tests/unit/test_schema.py): no pool account reaches it
                continue
            event = appsync_event(name, sample_arguments(field), caller)
            event["info"]["parentTypeName"] = root.name
            envelope = handler(event, LambdaContext())
            assert envelope.get("error", {}).get("errorType") == "Unauthorized", (name, envelope)
            walked.append(name)
    assert dump_tables(tables) == before
    assert {"changesSince", "listEditors", "announceEditing", "stopEditing", "clearEditing",
            "getMultitrack", "createMultitrack"} <= set(walked)


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_an_item_goes_through_its_whole_life(tables, entity):
    name, plural = entity.type_name, entity.plural
    fields = {"title": "Journal du 18/11/2025", "scheduledDate": "2025-11-18", "author": "Clara",
              "segments": [{"id": "s1", "type": "news", "content": "news-1", "duration": 95.5}]}
    created = create(tables, entity, fields, item_id=f"{entity.id_prefix}-1763451000000")
    assert (created["id"], created["version"], created["ownerId"]) == (
        f"{entity.id_prefix}-1763451000000", 1, "journalist-1")
    item_id = created["id"]
    assert json.loads(created["data"])["segments"] == fields["segments"]

    got = data_of(call(tables, f"get{name}", JOURNALIST, id=item_id))
    assert got == created
    listed = data_of(call(tables, f"list{plural}", JOURNALIST))
    assert [item["id"] for item in listed["items"]] == [item_id]
    mine = data_of(call(tables, f"list{plural}ByOwner", JOURNALIST, ownerId="journalist-1"))
    assert [item["id"] for item in mine["items"]] == [item_id]
    if entity.scheduled:
        day = data_of(call(tables, f"list{plural}ByDate", JOURNALIST, scheduledDate="2025-11-18"))
        assert [item["id"] for item in day["items"]] == [item_id]

    updated = data_of(call(tables, f"update{name}", OTHER_JOURNALIST, input={
        "id": item_id, "expectedVersion": 1, "data": json.dumps({"title": "Journal (v2)"})}))
    data = json.loads(updated["data"])
    assert (updated["version"], updated["title"], updated["updatedBy"]) == (2, "Journal (v2)", "journalist-2")
    assert "segments" not in data and "author" not in data  # whole-document replace
    assert (data["createdAt"], data["ownerId"]) == (created["createdAt"], "journalist-1")

    deleted = data_of(call(tables, f"delete{name}", JOURNALIST, id=item_id, expectedVersion=2))
    assert deleted["version"] == 3 and deleted["deletedAt"]
    assert data_of(call(tables, f"list{plural}", JOURNALIST))["items"] == []
    assert data_of(call(tables, f"get{name}", JOURNALIST, id=item_id))["deletedAt"] == deleted["deletedAt"]
    assert "purgeAt" in stored(tables, entity, item_id) and "liveList" not in stored(tables, entity, item_id)
    trash = data_of(call(tables, f"listDeleted{plural}", JOURNALIST))["items"]
    assert [(i["id"], i["version"], i["deletedAt"]) for i in trash] == [(item_id, 3, deleted["deletedAt"])]

    restored = data_of(call(tables, f"restore{name}", ADMIN, id=item_id))
    assert restored["version"] == 4 and restored["deletedAt"] is None
    assert [i["id"] for i in data_of(call(tables, f"list{plural}", JOURNALIST))["items"]] == [item_id]
    assert data_of(call(tables, f"listDeleted{plural}", JOURNALIST))["items"] == []
    assert "trashList" not in stored(tables, entity, item_id) and "trashList" not in restored["data"]

    changes = data_of(call(tables, "changesSince", JOURNALIST, entity=entity.name, since=0))["items"]
    assert [(c["op"], c["version"]) for c in changes] == [("UPDATE", 4)]  # the item's last state

    purged = data_of(call(tables, f"purge{name}", ADMIN, id=item_id))
    assert purged["id"] == item_id and stored(tables, entity, item_id) is None
    assert data_of(call(tables, f"get{name}", JOURNALIST, id=item_id)) is None


def test_create_keeps_client_ids_and_generates_missing_ones(tables):
    news = BY_NAME["news"]
    assert create(tables, news, {"title": "a"}, "flash-info-natio-permanent")["id"] == "flash-info-natio-permanent"
    assert create(tables, news, {"title": "b"}, "1731913200")["id"] == "1731913200"
    generated = create(tables, news, {"title": "c"})["id"]
    assert generated.startswith("news-") and generated != create(tables, news, {"title": "d"})["id"]


def test_server_set_fields_from_the_client_are_ignored(tables):
    news = BY_NAME["news"]
    created = create(tables, news, {"title": "a", "version": 99, "ownerId": "someone-else", "createdAt": 1,
                            "liveList": "journals"})
    assert (created["version"], created["ownerId"]) == (1, "journalist-1")
    assert created["createdAt"] > 1 and stored(tables, news, created["id"])["liveList"] == {"S": "news"}


def test_create_refuses_an_id_that_exists_and_shows_the_stored_item(tables):
    create(tables, BY_NAME["news"], {"title": "first"}, "news-1")
    error = error_of(call(tables, "createNews", JOURNALIST, input={"id": "news-1", "data": '{"title": "second"}'}))
    assert error["errorType"] == "ConflictError"
    assert error["errorInfo"]["current"]["title"] == "first"


def test_stale_update_is_a_conflict_carrying_the_server_item_and_changes_nothing(tables):
    news = BY_NAME["news"]
    created = create(tables, news, {"title": "v1"}, "news-1")
    data_of(call(tables, "updateNews", JOURNALIST, input={"id": "news-1", "expectedVersion": 1, "data": '{"title": "v2"}'}))
    before = stored(tables, news, "news-1")
    error = error_of(call(tables, "updateNews", OTHER_JOURNALIST, input={
        "id": "news-1", "expectedVersion": created["version"], "data": '{"title": "stale"}'}))
    assert error["errorType"] == "ConflictError"
    assert "version 2" in error["message"]
    assert error["errorInfo"]["current"]["title"] == "v2"
    assert error["errorInfo"]["current"]["version"] == 2
    assert stored(tables, news, "news-1") == before


def test_a_write_racing_between_read_and_put_is_a_conflict_from_the_condition(tables, monkeypatch):
    """The version check that matters is the PutItem condition: simulate another editor saving
    between the resolver's read and its write."""
    create(tables, BY_NAME["news"], {"title": "v1"}, "news-1")
    real_read = api._read

    def read_then_someone_saves(tables, entity, item_id):
        current = real_read(tables, entity, item_id)
        monkeypatch.setattr(api, "_read", real_read)
        data_of(call(tables, "updateNews", OTHER_JOURNALIST, input={
            "id": item_id, "expectedVersion": 1, "data": '{"title": "theirs"}'}))
        return current

    monkeypatch.setattr(api, "_read", read_then_someone_saves)
    error = error_of(call(tables, "updateNews", JOURNALIST, input={
        "id": "news-1", "expectedVersion": 1, "data": '{"title": "mine"}'}))
    assert error["errorType"] == "ConflictError"
    assert error["errorInfo"]["current"]["title"] == "theirs"


def test_writes_to_a_tombstone_are_conflicts(tables):
    create(tables, BY_NAME["news"], {"title": "v1"}, "news-1")
    data_of(call(tables, "deleteNews", JOURNALIST, id="news-1", expectedVersion=1))
    for field, arguments in (
        ("updateNews", {"input": {"id": "news-1", "expectedVersion": 2, "data": "{}"}}),
        ("deleteNews", {"id": "news-1", "expectedVersion": 2}),
    ):
        error = error_of(call(tables, field, JOURNALIST, **arguments))
        assert error["errorType"] == "ConflictError" and error["errorInfo"]["current"]["deletedAt"]


@pytest.mark.parametrize("field, arguments", [
    ("updateNews", {"input": {"id": "news-404", "expectedVersion": 1, "data": "{}"}}),
    ("deleteNews", {"id": "news-404", "expectedVersion": 1}),
    ("restoreNews", {"id": "news-404"}),
    ("purgeNews", {"id": "news-404"}),
])
def test_missing_items_are_not_found(tables, field, arguments):
    error = error_of(call(tables, field, ADMIN, **arguments))
    assert error["errorType"] == "NotFoundError" and "news-404" in error["message"]


def test_restoring_a_live_item_is_refused(tables):
    create(tables, BY_NAME["news"], {"title": "v1"}, "news-1")
    assert error_of(call(tables, "restoreNews", ADMIN, id="news-1"))["errorType"] == "ValidationError"


@pytest.mark.parametrize("fields, says", [
    ({"title": "x", "audioData": "SUQzBAAAAAAA"}, "saveAudioFile"),
    ({"sounds": [{"id": "s1", "url": "data:audio/mpeg;base64,SUQzBAAA"}]}, "media bucket"),
    ({"duration": "trois minutes"}, "M:SS"),
    ({"title": "x" * 300_000}, "240 KB"),
    ({"title": "x" * 500_000}, "400 KB"),
])
def test_invalid_items_are_refused_with_what_to_fix(tables, fields, says):
    error = error_of(call(tables, "createNews", JOURNALIST, input={"data": json.dumps(fields)}))
    assert error["errorType"] == "ValidationError" and says in error["message"]
    assert data_of(call(tables, "listNews", JOURNALIST))["items"] == []


@pytest.mark.parametrize("field, arguments", [
    ("listNews", {"limit": 0}),
    ("listNews", {"limit": 1001}),
    ("listNews", {"nextToken": "not-a-token"}),
    ("getNews", {"id": ""}),
    ("createNews", {"input": {"data": "not json"}}),
    ("createNews", {"input": {"data": "[1, 2]"}}),
    ("updateNews", {"input": {"id": "news-1", "expectedVersion": -1, "data": "{}"}}),
    ("changesSince", {"entity": "habillage", "since": 0}),
    ("listNews", {"unknown": 1}),
])
def test_invalid_arguments_are_validation_errors(tables, field, arguments):
    assert error_of(call(tables, field, JOURNALIST, **arguments))["errorType"] == "ValidationError"


def test_unexpected_failures_are_internal_errors_without_a_stack_trace(tables, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("secret detail /var/task/handlers/resolver.py line 42")

    monkeypatch.setattr(api, "_read", broken)
    error = error_of(call(tables, "getNews", JOURNALIST, id="news-1"))
    assert error["errorType"] == "InternalError"
    assert "secret" not in error["message"] and "00000000-0000-4000-8000-000000000000" in error["message"]


@pytest.mark.parametrize("event", [
    {**appsync_event("getNews", {"id": "news-1"}, JOURNALIST), "info": {"parentTypeName": "Query", "fieldName": "getRadio"}},
    {**appsync_event("getNews", {"id": "news-1"}, JOURNALIST), "info": {"parentTypeName": "Mutation", "fieldName": "getNews"}},
    {**appsync_event("getNews", {"id": "news-1"}, JOURNALIST), "arguments": None},
    {"identity": JOURNALIST},
    [appsync_event("getNews", {"id": "news-1"}, JOURNALIST)],  # a batch: this resolver takes none
], ids=["unknown field", "field of another type", "no arguments", "no info", "batch"])
def test_events_no_field_of_the_schema_can_send_are_internal_errors(tables, event):
    """AppSync sends none of these: an envelope all the same, the request id to find the log."""
    error = error_of(resolver.build(tables)(event, LambdaContext()))
    assert error == {"errorType": "InternalError", "errorInfo": None, "message":
                     "internal error (request 00000000-0000-4000-8000-000000000000); please retry or report it"}


def test_normalisation_on_write(tables):
    created = create(tables, BY_NAME["news"], {
        "title": "x", "duration": "2:05", "audioDuration": "1:02:03",
        "expiresAt": "2025-11-18T07:30:00.000Z", "notes": "", "urgent": None, "pied": "fin",
    })
    data = json.loads(created["data"])
    assert (data["duration"], data["audioDuration"]) == (125, 3723)
    assert data["expiresAt"] == 1763451000000
    assert "notes" not in data and "urgent" not in data and data["pied"] == "fin"


def test_list_pages_over_more_than_one_megabyte_return_every_item_newest_first(tables):
    news = BY_NAME["news"]
    body = "é" * 2000  # 4 KB of UTF-8
    client = tables.dynamodb()
    for start in range(0, 400, 25):
        client.batch_write_item(RequestItems={tables.name(news): [
            {"PutRequest": {"Item": to_dynamodb(items.new_item(
                news, {"title": str(n), "content": body}, item_id=f"news-{n}",
                owner_id="journalist-1", updated_by="journalist-1", now_ms=1_700_000_000_000 + n))}}
            for n in range(start, start + 25)
        ]})
    seen, token, pages = [], None, 0
    while True:
        page = data_of(call(tables, "listNews", JOURNALIST, limit=1000, nextToken=token))
        seen += [item["id"] for item in page["items"]]
        pages += 1
        token = page["nextToken"]
        if not token:
            break
    assert pages >= 2  # DynamoDB's 1 MB page limit was hit
    assert seen == [f"news-{n}" for n in range(399, -1, -1)]


def test_lists_read_only_what_clients_get_and_items_stored_flat_whole(tables):
    news = BY_NAME["news"]
    create(tables, news, {"title": "packed", "category": "local"}, "news-1")
    # An item stored one attribute per field (before packing) stays listed with its fields.
    flat = {"id": "news-0", "title": "flat", "content": "c", "version": 3, "createdAt": 1, "updatedAt": 2,
            "ownerId": "journalist-1", "liveList": "news", "changeFeed": "news"}
    tables.dynamodb().put_item(TableName=tables.name(news), Item=to_dynamodb(flat))
    queries = []

    class Recording(Tables):
        """The test's tables, reached through a client that records each Query."""

        def dynamodb(self):
            client = super().dynamodb()

            def recorded(**request):
                queries.append(request)
                return client.query(**request)

            return types.SimpleNamespace(query=recorded, get_item=client.get_item)

    recording = Recording(tables.names, tables.endpoint_url, tables.region)
    listed = data_of(call(recording, "listNews", JOURNALIST))["items"]
    assert [(json.loads(i["data"])["title"], i["version"]) for i in listed] == [("packed", 1), ("flat", 3)]
    assert json.loads(listed[1]["data"]) == {key: value for key, value in flat.items()
                                             if key not in ("liveList", "changeFeed")}
    [query] = queries
    read = {query["ExpressionAttributeNames"][name] for name in query["ProjectionExpression"].split(", ")}
    assert read == {"id", "appFields", "version", "createdAt", "updatedAt", "ownerId", "updatedBy",
                    "deletedAt"}  # no index attribute


def test_changes_since_returns_changes_after_a_time_oldest_first_tombstones_included(tables):
    news = BY_NAME["news"]
    first = create(tables, news, {"title": "a"}, "news-1")
    second = create(tables, news, {"title": "b"}, "news-2")
    data_of(call(tables, "deleteNews", JOURNALIST, id="news-1", expectedVersion=1))
    changes = data_of(call(tables, "changesSince", JOURNALIST, entity="news", since=first["updatedAt"]))["items"]
    assert [(c["id"], c["op"]) for c in changes] == [("news-2", "CREATE"), ("news-1", "DELETE")]
    assert json.loads(changes[0]["item"])["title"] == "b" and changes[0]["changedBy"] == "journalist-1"
    assert changes[0]["changedAt"] == second["updatedAt"]


def test_the_trash_lists_only_tombstones_newest_deletion_first_reading_nothing_else(tables):
    news = BY_NAME["news"]
    ids = [create(tables, news, {"title": f"n{n}"}, f"news-{n}")["id"] for n in range(6)]
    for item_id in (ids[4], ids[1], ids[3]):  # deleted in this order
        data_of(call(tables, "deleteNews", JOURNALIST, id=item_id, expectedVersion=1))
    first = data_of(call(tables, "listDeletedNews", JOURNALIST, limit=2))
    rest = data_of(call(tables, "listDeletedNews", JOURNALIST, nextToken=first["nextToken"]))
    assert [i["id"] for i in first["items"] + rest["items"]] == [ids[3], ids[1], ids[4]]
    assert rest["nextToken"] is None
    # The index holds the 3 tombstones alone, not the 6 items: reading the trash reads no live item.
    read = tables.dynamodb().query(
        TableName=tables.name(news), IndexName="trash-deletedAt",
        KeyConditionExpression="trashList = :news", ExpressionAttributeValues={":news": {"S": "news"}})
    assert (read["Count"], read["ScannedCount"]) == (3, 3)
    assert sorted(i["id"] for i in data_of(call(tables, "listNews", JOURNALIST))["items"]) == sorted(
        [ids[0], ids[2], ids[5]])


def test_lists_by_owner_and_date_leave_out_tombstones_and_other_owners(tables):
    conductors = BY_NAME["conductors"]
    create(tables, conductors, {"title": "matinale", "date": "2025-11-18", "startTime": "06:00"}, "conductor-1")
    create(tables, conductors, {"title": "soir", "scheduledDate": "2025-11-18"}, "conductor-2",
           caller=OTHER_JOURNALIST)
    create(tables, conductors, {"title": "demain", "scheduledDate": "2025-11-19"}, "conductor-3")
    data_of(call(tables, "deleteConductor", JOURNALIST, id="conductor-3", expectedVersion=1))
    day = data_of(call(tables, "listConductorsByDate", JOURNALIST, scheduledDate="2025-11-18"))["items"]
    assert sorted(item["id"] for item in day) == ["conductor-1", "conductor-2"]
    mine = data_of(call(tables, "listConductorsByOwner", JOURNALIST, ownerId="journalist-1"))["items"]
    assert [item["id"] for item in mine] == ["conductor-1"]


def test_presence_fields_are_passed_to_the_presence_module(tables, monkeypatch):
    calls = []

    def called(*call, answer):
        assert call[1] is tables  # the resolver's own tables
        calls.append((call[0], call[2].sub, *call[3:]))
        return answer

    fake = types.SimpleNamespace(
        announce=lambda where, who, entity, item_id, field: called("announce", where, who, entity, item_id, field, answer={"ok": 1}),
        stop=lambda where, who, entity, item_id: called("stop", where, who, entity, item_id, answer={"ok": 2}),
        clear=lambda where, who, entity, item_id, editor: called("clear", where, who, entity, item_id, editor, answer={"ok": 3}),
        list_editors=lambda where, who, entity, item_id: called("list", where, who, entity, item_id, answer=[]),
    )
    monkeypatch.setattr(api, "presence", fake)
    assert data_of(call(tables, "announceEditing", JOURNALIST, entity="news", id="news-1", field="content")) == {"ok": 1}
    assert data_of(call(tables, "stopEditing", JOURNALIST, entity="news", id="news-1")) == {"ok": 2}
    assert data_of(call(tables, "clearEditing", ADMIN, entity="journals", id="journal-1", editorId="journalist-1")) == {"ok": 3}
    assert data_of(call(tables, "listEditors", JOURNALIST, entity="conductors", id="conductor-1")) == []
    assert calls == [
        ("announce", "journalist-1", "news", "news-1", "content"),
        ("stop", "journalist-1", "news", "news-1"),
        ("clear", "admin-1", "journals", "journal-1", "journalist-1"),
        ("list", "journalist-1", "conductors", "conductor-1"),
    ]
    assert error_of(call(tables, "listEditors", anonymous=True, entity="news", id="n"))["errorType"] == "Unauthorized"


def test_a_tombstone_is_purged_after_the_stacks_retention_setting(tables):
    a_week = resolver.build(tables, retention_days=7)
    created = data_of(call_with(a_week, "createNews", JOURNALIST, input={"id": "news-7", "data": json.dumps({"title": "t"})}))
    deleted = data_of(call_with(a_week, "deleteNews", JOURNALIST, id="news-7", expectedVersion=created["version"]))
    purge_at = int(stored(tables, BY_NAME["news"], "news-7")["purgeAt"]["N"])
    assert purge_at == int(deleted["deletedAt"]) // 1000 + 7 * 86400
    # The setting is the stack's: a client naming it is refused, whatever it asks for.
    again = data_of(call_with(a_week, "createNews", JOURNALIST, input={"id": "news-8", "data": "{}"}))
    refused = error_of(call_with(a_week, "deleteNews", JOURNALIST, id="news-8", expectedVersion=again["version"],
                                 retention_days=0))
    assert refused["errorType"] == "ValidationError" and "deleteNews takes other arguments" in refused["message"]
    assert "purgeAt" not in stored(tables, BY_NAME["news"], "news-8")
