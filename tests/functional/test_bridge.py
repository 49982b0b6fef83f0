"""The bridge (handlers/bridge.py) on records shaped like the legacy table's stream when the
station's jobs write into `saint-esprit-news` (keyed id + createdAt): each write becomes a
platform item like any other (listed, caught up), replays write nothing, a newer newsroom edit
is kept, duplicates collapse, and odd records fail alone, typed, without stopping the batch."""
from __future__ import annotations

import base64
import copy
import itertools
import json

import pytest

from appsync_calls import LambdaContext, call, data_of, event_fixture, identity
from newsroom import items
from handlers import bridge
from newsroom.entities import BY_NAME
from newsroom.legacy import LEGACY_WRITTEN_AT, SCHEDULED_JOBS
from newsroom.aws import from_dynamodb, to_dynamodb

NEWS = BY_NAME["news"]
LEGACY_TABLE = "saint-esprit-news"
STREAM_ARN = f"arn:aws:dynamodb:eu-west-3:000000000000:table/{LEGACY_TABLE}/stream/2026-11-24T18:00:00.000"
CONTEXT = LambdaContext(function_name="saint-esprit-bridge")
EDITOR = identity("journalist-1", "journalists")
_sequence = itertools.count(300000000000000000000001)
# A morning of the station: the recorder's write at 07:15 Paris (05:15 UTC), 18 Nov 2025.
MORNING_MS = 1_763_442_900_000


def job_record(row: dict | None, event_name: str = "INSERT", *, written_s: float | None = None,
               image: dict | None = None, source_arn: str = STREAM_ARN) -> dict:
    """A record of the legacy table's stream (NEW_AND_OLD_IMAGES) for one job write; `image`
    gives the new image in wire format as is (odd records)."""
    template = copy.deepcopy(event_fixture("dynamodb_stream_event.json")["Records"][0])
    stream = template["dynamodb"]
    stream.pop("NewImage")
    keys = row or {"id": "kto-invite-matinale-permanent", "createdAt": MORNING_MS}
    stream["Keys"] = {"id": {"S": str(keys.get("id"))}, "createdAt": {"N": str(keys.get("createdAt", 0))}}
    if image is not None:
        stream["NewImage"] = image
    elif row is not None and event_name != "REMOVE":
        stream["NewImage"] = to_dynamodb(row)
    if written_s is not None:
        stream["ApproximateCreationDateTime"] = written_s
    stream["SequenceNumber"] = str(next(_sequence))
    template["eventName"] = event_name
    template["eventSourceARN"] = source_arn
    return template


def carry(tables, *records: dict) -> list[str]:
    """Run the bridge into `tables` on one batch; the sequence numbers it reported failed."""
    response = bridge.build(tables, legacy_tables={LEGACY_TABLE: "news"})({"Records": list(records)}, CONTEXT)
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def sequence(record: dict) -> str:
    return record["dynamodb"]["SequenceNumber"]


def stored(tables, item_id: str) -> dict | None:
    """The platform item as read (`unpacked`)."""
    row = stored_row(tables, item_id)
    return items.unpacked(row) if row else None


def stored_row(tables, item_id: str) -> dict | None:
    """The platform item as stored."""
    found = tables.dynamodb().get_item(TableName=tables.name(NEWS), Key={"id": {"S": item_id}},
                                       ConsistentRead=True)
    return from_dynamodb(found["Item"]) if "Item" in found else None


def recorder_row(title: str, updated_ms: int | None, **fields) -> dict:
    """The KTO morning recorder's row: the permanent news, updated in place."""
    row = {"id": "kto-invite-matinale-permanent", "createdAt": 1_731_000_000_000, "title": title,
           "audioUrl": "https://saint-esprit-audio.s3.eu-west-3.amazonaws.com/recordings/kto-radio/"
                       "KTO-Radio-Matinale_latest.mp3",
           "duration": "14:48", "status": "ready", "userId": "system", **fields}
    if updated_ms is not None:
        row["updatedAt"] = updated_ms
    return row


def test_a_jobs_new_item_becomes_a_listed_and_caught_up_platform_item(tables):
    before = items.now_ms()
    row = {"id": "flash-info-natio-permanent", "createdAt": MORNING_MS, "title": "Flash national",
           "category": "national", "updatedAt": "2025-11-18T05:15:00.000Z", "duration": "3:05"}
    assert carry(tables, job_record(row)) == []
    item = stored(tables, row["id"])
    assert (item["version"], item["liveList"], item["changeFeed"]) == (1, "news", "news")
    assert item["ownerId"] == item["updatedBy"] == SCHEDULED_JOBS
    assert item["createdAt"] == MORNING_MS and item[LEGACY_WRITTEN_AT] == MORNING_MS
    # Stored packed, like an API write: the job's fields (and when it wrote them) in one attribute.
    row_stored = stored_row(tables, row["id"])
    assert set(row_stored) == {"id", "version", "createdAt", "updatedAt", "ownerId", "updatedBy",
                               "liveList", "changeFeed", items.APP_FIELDS}
    assert json.loads(row_stored[items.APP_FIELDS]) == {
        "title": "Flash national", "category": "national", "duration": 185, LEGACY_WRITTEN_AT: MORNING_MS}
    # The change enters the catch-up feed now, not at the job's (past) time.
    assert item["updatedAt"] >= before
    assert item["duration"] == 185 and item["title"] == "Flash national"
    assert [i["id"] for i in data_of(call(tables, "listNews"))["items"]] == [row["id"]]
    # since: strictly after; the bridge may stamp the item in the very millisecond of `before`.
    [change] = data_of(call(tables, "changesSince", entity="news", since=before - 1))["items"]
    assert (change["op"], change["id"], change["version"]) == ("CREATE", row["id"], 1)


def test_the_recorder_updating_a_permanent_news_replaces_it_keeping_owner_and_creation(tables):
    created = data_of(call(tables, "createNews", EDITOR, input={
        "id": "kto-invite-matinale-permanent", "data": json.dumps({"title": "Invité (migré)"})}))
    data_of(call(tables, "updateNews", EDITOR, input={"id": created["id"], "expectedVersion": 1,
                                              "data": json.dumps({"title": "Invité (relu)"})}))
    later = items.now_ms() + 60_000  # the job runs after the journalist's edit
    assert carry(tables, job_record(recorder_row("L'invité du 19/11", later))) == []
    item = stored(tables, created["id"])
    assert (item["version"], item["title"], item["duration"]) == (3, "L'invité du 19/11", 888)
    assert (item["ownerId"], item["createdAt"]) == ("journalist-1", created["createdAt"])
    assert item["updatedBy"] == SCHEDULED_JOBS and item[LEGACY_WRITTEN_AT] == later


def test_a_replayed_record_writes_nothing(tables):
    record = job_record(recorder_row("L'invité du 18/11", MORNING_MS))
    assert carry(tables, record) == []
    first = stored(tables, "kto-invite-matinale-permanent")
    # Lambda delivers the batch again; the stream is read again from its start.
    assert carry(tables, record, copy.deepcopy(record)) == []
    assert stored(tables, "kto-invite-matinale-permanent") == first


def test_a_newsroom_edit_after_the_jobs_write_wins_until_the_job_writes_again(tables):
    first = job_record(recorder_row("L'invité du 18/11", MORNING_MS))
    assert carry(tables, first) == []
    carried = stored(tables, "kto-invite-matinale-permanent")
    edited = data_of(call(tables, "updateNews", EDITOR, input={
        "id": carried["id"], "expectedVersion": 1, "data": json.dumps({"title": "Corrigé à la main"})}))
    # The job's write again (a replay), then a write the job made before the edit: both older.
    late_copy = job_record(recorder_row("L'invité du 18/11 (copie)", MORNING_MS + 1000))
    assert carry(tables, first, late_copy) == []
    assert stored(tables, carried["id"])["title"] == "Corrigé à la main"
    assert stored(tables, carried["id"])["version"] == edited["version"] == 2
    # The next morning the job writes the item again, with a newer updatedAt: the job wins.
    next_morning = items.now_ms() + 86_400_000
    assert carry(tables, job_record(recorder_row("L'invité du 19/11", next_morning))) == []
    item = stored(tables, carried["id"])
    assert (item["title"], item["version"], item["updatedBy"]) == ("L'invité du 19/11", 3, SCHEDULED_JOBS)


def test_a_second_job_write_soon_after_the_first_is_not_mistaken_for_an_older_one(tables):
    """The bridge stamps its own (later) clock on the item; the job's next write is compared
    with the job's previous write, not with the bridge's stamp."""
    assert carry(tables, job_record(recorder_row("Matinale", MORNING_MS))) == []
    assert stored(tables, "kto-invite-matinale-permanent")["updatedAt"] > MORNING_MS + 5000
    assert carry(tables, job_record(recorder_row("Matinale", MORNING_MS + 5000, audioDuration="14:48"))) == []
    item = stored(tables, "kto-invite-matinale-permanent")
    assert (item["version"], item["audioDuration"], item[LEGACY_WRITTEN_AT]) == (2, 888, MORNING_MS + 5000)


def test_rows_without_updated_at_are_ordered_by_the_streams_time_of_the_write(tables):
    assert carry(tables, job_record(recorder_row("07:00", None), written_s=MORNING_MS / 1000)) == []
    assert carry(tables, job_record(recorder_row("07:30", None), "MODIFY", written_s=MORNING_MS / 1000 + 1800)) == []
    item = stored(tables, "kto-invite-matinale-permanent")
    assert (item["title"], item["version"], item[LEGACY_WRITTEN_AT]) == ("07:30", 2, MORNING_MS + 1_800_000)
    # The older record delivered late does not bring the 07:00 text back.
    assert carry(tables, job_record(recorder_row("07:00", None), written_s=MORNING_MS / 1000)) == []
    assert stored(tables, "kto-invite-matinale-permanent")["title"] == "07:30"


@pytest.mark.parametrize("order", ["older first", "newer first"])
def test_duplicate_rows_of_one_id_collapse_into_one_item_the_latest_write_winning(tables, order):
    older = {"id": "kto-parole-associations", "createdAt": 1_700_000_000_000, "title": "Parole (ancien)",
             "updatedAt": MORNING_MS}
    newer = {**older, "createdAt": 1_760_000_000_000, "title": "Parole (récent)", "updatedAt": MORNING_MS + 1}
    rows = [older, newer] if order == "older first" else [newer, older]
    assert carry(tables, *(job_record(row) for row in rows)) == []
    listed = data_of(call(tables, "listNews"))["items"]
    assert [i["id"] for i in listed] == ["kto-parole-associations"]
    assert stored(tables, "kto-parole-associations")["title"] == "Parole (récent)"


def test_a_job_writing_again_an_item_deleted_in_the_newsroom_brings_it_back(tables):
    assert carry(tables, job_record(recorder_row("Matinale", MORNING_MS))) == []
    data_of(call(tables, "deleteNews", EDITOR, id="kto-invite-matinale-permanent", expectedVersion=1))
    assert carry(tables, job_record(recorder_row("Matinale", MORNING_MS))) == []  # the old write again
    assert items.is_tombstone(stored(tables, "kto-invite-matinale-permanent"))
    assert carry(tables, job_record(recorder_row("Matinale", items.now_ms() + 60_000))) == []
    item = stored(tables, "kto-invite-matinale-permanent")
    assert not items.is_tombstone(item) and item["liveList"] == "news" and "trashList" not in item


def test_a_removed_legacy_row_is_not_carried(tables):
    assert carry(tables, job_record(recorder_row("Matinale", MORNING_MS))) == []
    before = stored(tables, "kto-invite-matinale-permanent")
    assert carry(tables, job_record(recorder_row("Matinale", MORNING_MS), "REMOVE")) == []
    assert stored(tables, "kto-invite-matinale-permanent") == before


ODD_IMAGES = {
    "a binary value (as Lambda delivers it: base64 text)": {
        "id": {"S": "flash-binary"}, "createdAt": {"N": "1"},
        "cover": {"B": base64.b64encode(b"\x89PNG").decode()}},
    "a binary value nested in a list": {
        "id": {"S": "flash-binary-2"}, "createdAt": {"N": "1"},
        "sounds": {"L": [{"M": {"wave": {"BS": [base64.b64encode(b"\x00").decode()]}}}]}},
    "no id": {"createdAt": {"N": "1"}, "title": {"S": "sans id"}},
    "an id DynamoDB-typed as a map": {"id": {"M": {}}, "createdAt": {"N": "1"}},
    "a number that is not one": {"id": {"S": "flash-nan"}, "createdAt": {"N": "1"}, "duration": {"N": "abc"}},
    "an unknown wire type": {"id": {"S": "flash-x"}, "createdAt": {"N": "1"}, "title": {"X": "?"}},
    "base64 audio embedded": {"id": {"S": "flash-audio"}, "createdAt": {"N": "1"},
                              "audioData": {"S": "data:audio/mpeg;base64,SUQz"}},
    "a tombstone": {"id": {"S": "flash-deleted"}, "createdAt": {"N": "1"}, "deletedAt": {"N": "2"}},
    "over DynamoDB's item size": {"id": {"S": "flash-huge"}, "createdAt": {"N": "1"},
                                  "content": {"S": "x" * 300_000}},
    "no new image (a KEYS_ONLY stream)": {},
}


def test_odd_records_fail_alone_typed_while_the_rest_of_the_batch_is_carried(tables, caplog):
    odd = {reason: job_record(None, "MODIFY", image=image) for reason, image in ODD_IMAGES.items()}
    odd["a table the bridge does not know"] = job_record(
        recorder_row("?", MORNING_MS), source_arn=STREAM_ARN.replace(LEGACY_TABLE, "saint-esprit-audio"))
    good = job_record({"id": "flash-info-sport-permanent", "createdAt": MORNING_MS, "title": "Sport"})
    records = list(odd.values())
    records.insert(3, good)
    assert sorted(carry(tables, *records)) == sorted(sequence(r) for r in odd.values())
    assert stored(tables, "flash-info-sport-permanent")["title"] == "Sport"
    for item_id in ("flash-binary", "flash-nan", "flash-audio", "flash-deleted", "flash-huge"):
        assert stored(tables, item_id) is None
    reasons = [r.reason for r in caplog.records if r.getMessage() == "a legacy row cannot become a newsroom item"]
    assert len(reasons) == len(odd)
    reasons = " | ".join(reasons)
    for expected in ("cover is a binary value", "sounds[0].wave is a binary value", "id must be",
                     "not a readable DynamoDB item", "base64 audio", "tombstone", "KB",
                     "NEW_AND_OLD_IMAGES", "not a bridged legacy table"):
        assert expected in reasons
