"""The legacy migration against moto, with fixtures shaped like the newsroom's real data
(tests/fixtures/legacy: S3 user documents, DynamoDB rows keyed (id, createdAt), owner mapping)."""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import boto3
import botocore.client
import pytest

from newsroom.entities import BY_NAME, ENTITIES
from newsroom.items import APP_FIELDS, new_item, unpacked
from newsroom.aws import from_dynamodb, to_dynamodb
from newsroom.tables import variable
from tools import legacy
from tools.migrate import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "legacy"
MEDIA_BASE_URL = "https://newsroom.example/media"
SUB_CLARA = "c3d9e8f1-2a4b-4c6d-9e0f-1a2b3c4d5e6f"
# What the fixtures hold once duplicates collapse (the news without an id is rejected).
ITEMS = {"news": 8, "animations": 3, "blocks": 1, "conductors": 3, "journals": 1, "multitracks": 3}


def fixture_rows(entity: str) -> list[dict]:
    return json.loads((FIXTURES / "dynamodb" / f"saint-esprit-{entity}.json").read_text(), parse_float=Decimal)


@pytest.fixture
def legacy_store(tables, request, monkeypatch):
    """The legacy bucket (user documents + old audio), legacy tables keyed (id, createdAt) and an
    empty media bucket, all loaded from the fixtures; names unique to the test. The target tables
    are named in the TABLE_* variables, as an operator exports them (or passes --target-tables)."""
    for name, table in tables.env().items():
        monkeypatch.setenv(name, table)
    prefix = f"legacy{abs(hash(request.node.nodeid)) % 10**8}"
    s3, dynamodb = boto3.client("s3"), boto3.client("dynamodb")
    bucket, media = f"{prefix}-audio", f"{prefix}-media"
    for name in (bucket, media):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    for path in sorted((FIXTURES / "s3").rglob("*")):
        if path.is_file():
            s3.put_object(Bucket=bucket, Key=path.relative_to(FIXTURES / "s3").as_posix(), Body=path.read_bytes())
    legacy_tables = {}
    for entity in ENTITIES:
        table = f"{prefix}-{entity.name}"
        dynamodb.create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"},
                       {"AttributeName": "createdAt", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                  {"AttributeName": "createdAt", "AttributeType": "N"}],
        )
        for row in fixture_rows(entity.name):
            dynamodb.put_item(TableName=table, Item=to_dynamodb(row))
        legacy_tables[entity.name] = table
    yield {"bucket": bucket, "media": media, "tables": legacy_tables, "targets": tables}
    for table in legacy_tables.values():
        dynamodb.delete_table(TableName=table)


def migrate(store, tmp_path, *extra):
    args = ["--legacy-bucket", store["bucket"], "--media-bucket", store["media"],
            "--media-base-url", MEDIA_BASE_URL, "--report", str(tmp_path / "report.json")]
    for entity, table in store["tables"].items():
        args += ["--legacy-table", f"{entity}={table}"]
    if "--user-pool-id" not in extra:
        args += ["--owners", str(FIXTURES / "owners.json")]
    report = main(args + list(extra))
    assert json.loads((tmp_path / "report.json").read_text()) == report
    return report


def target(store, entity: str) -> dict[str, dict]:
    """The migrated table of an entity, by id, each item as read (`unpacked`)."""
    return {item_id: unpacked(row) for item_id, row in stored_rows(store, entity).items()}


def stored_rows(store, entity: str) -> dict[str, dict]:
    """The migrated table of an entity, by id, each item as stored."""
    tables = store["targets"]
    pages = tables.dynamodb().get_paginator("scan").paginate(TableName=tables.name(entity))
    return {row["id"]["S"]: from_dynamodb(row) for page in pages for row in page["Items"]}


def everything(store) -> dict[str, dict]:
    return {entity.name: target(store, entity.name) for entity in ENTITIES}


def bucket_contents(bucket: str) -> dict[str, bytes]:
    s3 = boto3.client("s3")
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def legacy_snapshot(store) -> dict:
    dynamodb = boto3.client("dynamodb")
    rows = {table: sorted(json.dumps(r, sort_keys=True) for r in dynamodb.scan(TableName=table)["Items"])
            for table in store["tables"].values()}
    return {"s3": bucket_contents(store["bucket"]), "rows": rows}


def created(report) -> dict[str, int]:
    return {name: counts["created"] for name, counts in report["entities"].items()}


def test_first_run_migrates_every_legacy_shape_and_leaves_the_sources_untouched(legacy_store, tmp_path):
    before = legacy_snapshot(legacy_store)
    report = migrate(legacy_store, tmp_path)
    assert legacy_snapshot(legacy_store) == before, "the legacy stores must only be read"

    assert created(report) == ITEMS
    news, conductors = target(legacy_store, "news"), target(legacy_store, "conductors")
    # 16 rows of one Flash Info id → one item, the most recently updated row (the 10th edition).
    flash = news["flash-info-natio-permanent"]
    assert flash["content"] == "Édition 10 du flash national."
    # Stored packed: DynamoDB's own attributes on top, the app's fields in one JSON attribute.
    for entity in ENTITIES:
        for row in stored_rows(legacy_store, entity.name).values():
            assert set(row) - {"id", "version", "createdAt", "updatedAt", "ownerId", "updatedBy",
                               "liveList", "changeFeed", "scheduledDate"} == {APP_FIELDS}, row
    assert json.loads(stored_rows(legacy_store, "news")["flash-info-natio-permanent"][APP_FIELDS])["content"] == (
        "Édition 10 du flash national.")
    assert flash["version"] == 1 and flash["updatedAt"] == 1731000000000 + 9 * 3600_000 + 999_999_000
    flash_duplicates = next(d for d in report["duplicates"] if d["id"] == "flash-info-natio-permanent")
    assert len(flash_duplicates["dropped"]) == 15
    assert report["entities"]["news"]["duplicates_merged"] == 16  # 15 Flash Info + 1 S3 copy
    # Fixed-id items migrate like any other; numeric ids become strings; "M:SS" → seconds.
    assert {"kto-invite-matinale-permanent", "flash-info-sport-permanent", "1700000000000"} <= set(news)
    assert news["1700000000000"]["duration"] == 90 and news["flash-info-sport-permanent"]["duration"] == 60
    # ISO timestamps → epoch ms, kept from the legacy item.
    assert news["1700000000000"]["createdAt"] == 1763395331000  # 2025-11-17T16:02:11.000Z
    assert news["1700000000000"]["updatedAt"] == 1763405100000  # 2025-11-17T18:45:00.000Z
    # The DynamoDB row (newer) beats the S3 copy of the same news.
    assert news["news-1731950000000"]["title"] == "Marché de Noël : ouverture samedi"
    # `conductor` (oldest documents) and `conductors` both land; segments deep-equal, untouched.
    simon = json.loads((FIXTURES / "s3/users/simonmarty/data.json").read_text())["conductor"][0]
    assert conductors["conductor-1731600000000"]["segments"] == simon["segments"]
    assert conductors["conductor-1731600000000"]["scheduledDate"] == "2025-11-18"
    assert "conductor-1731700000000" in conductors
    main_rows = fixture_rows("conductors")
    assert conductors["conductor-main"]["segments"] == main_rows[-1]["segments"]  # 5 copies → latest
    # Owners: user name, old sub (mapped), author's user name; unknown → fallback, reported.
    assert news["1700000000000"]["ownerId"] == "new-sub-simon"
    assert news["news-1731950000000"]["ownerId"] == "new-sub-clara"
    assert conductors["conductor-main"]["ownerId"] == "new-sub-morgane"
    assert news["news-1731970000000"]["ownerId"] == "legacy-migration"
    assert report["unmappedOwners"]["items"]["0f0e0d0c-0b0a-4099-8877-665544332211"] == 1
    assert news["news-1731970000000"]["author"] == "Bénévole Anne"  # author kept as written
    # Malformed documents are reported and skipped; an item without id is rejected, with a reason.
    assert sorted(m["source"].rsplit("/", 2)[1] for m in report["malformedDocuments"]) == [
        "morganepoirier", "testradio"]
    assert [(r["entity"], r["reason"]) for r in report["rejected"]] == [("news", "no id")]


def test_multitrack_projects_keep_their_newest_save(legacy_store, tmp_path):
    """The editor added a row (a new createdAt) at each save of a project: the newest row is the
    project, the others are reported as merged duplicates."""
    report = migrate(legacy_store, tmp_path)
    projects = target(legacy_store, "multitracks")
    assert set(projects) == {"multitrack-1731900000000-k3f9a", "multitrack-1731800000000-p0q1z",
                             "multitrack-1731700000000-a1b2c"}
    saved_three_times = projects["multitrack-1731900000000-k3f9a"]
    newest = fixture_rows("multitracks")[2]
    assert saved_three_times["name"] == "Reportage marché de Noël (final)"
    assert saved_three_times["tracks"] == newest["tracks"]  # clips kept as saved, in order
    assert (saved_three_times["version"], saved_three_times["updatedAt"]) == (1, 1731901200000)
    # Rows without updatedAt: the newest createdAt wins; "M:SS" durations become seconds.
    assert projects["multitrack-1731800000000-p0q1z"]["name"] == "Chronique patrimoine (v2)"
    assert projects["multitrack-1731800000000-p0q1z"]["duration"] == 105
    counts = report["entities"]["multitracks"]
    assert (counts["read"], counts["created"], counts["duplicates_merged"]) == (6, 3, 3)
    merged = next(d for d in report["duplicates"] if d["id"] == "multitrack-1731900000000-k3f9a")
    assert merged["kept"]["updatedAt"] == 1731901200000
    assert [d["updatedAt"] for d in merged["dropped"]] == [1731900600000, 1731900000000]
    # The editor wrote userId "unknown" on every project: the fallback owner, reported.
    assert {p["ownerId"] for p in projects.values()} == {"legacy-migration"}
    assert report["unmappedOwners"]["items"]["unknown"] == 3


def test_an_item_without_any_time_takes_its_documents_s3_modification_time(legacy_store, tmp_path):
    """No updatedAt, no createdAt, a document without lastModified: the item was last written
    when its document was (S3's LastModified), not at epoch 0."""
    s3 = boto3.client("s3")
    document = {"userId": "simonmarty", "news": [{"id": "news-undated", "title": "Sans date"}]}
    s3.put_object(Bucket=legacy_store["bucket"], Key="users/anonyme/data.json", Body=json.dumps(document).encode())
    modified = s3.head_object(Bucket=legacy_store["bucket"], Key="users/anonyme/data.json")["LastModified"]
    migrate(legacy_store, tmp_path)
    undated = target(legacy_store, "news")["news-undated"]
    assert undated["createdAt"] == undated["updatedAt"] == int(modified.timestamp() * 1000) > 0


def test_embedded_base64_audio_moves_to_the_media_bucket(legacy_store, tmp_path):
    migrate(legacy_store, tmp_path)
    item = target(legacy_store, "news")["news-1731910000000"]
    document = json.loads((FIXTURES / "s3/users/simonmarty/data.json").read_text())
    data_url = next(n for n in document["news"] if n.get("id") == "news-1731910000000")["audioData"]
    audio = base64.b64decode(data_url.split(",", 1)[1])
    key = f"media/audio/migrated/news-1731910000000-{hashlib.sha256(audio).hexdigest()[:12]}.mp3"
    assert "audioData" not in item
    assert item["audioKey"] == key and item["audioSize"] == len(audio)
    assert item["audioUrl"] == f"{MEDIA_BASE_URL}/{key.removeprefix('media/')}"
    stored = boto3.client("s3").get_object(Bucket=legacy_store["media"], Key=key)
    assert stored["Body"].read() == audio and stored["ContentType"] == "audio/mpeg"
    # Without --copy-public-audio, audio in the old bucket keeps its URL.
    assert target(legacy_store, "news")["news-1731900000000"]["audioUrl"].startswith("https://saint-esprit-audio.s3.")


def test_second_run_changes_nothing(legacy_store, tmp_path):
    migrate(legacy_store, tmp_path)
    tables, media = everything(legacy_store), bucket_contents(legacy_store["media"])
    again = migrate(legacy_store, tmp_path)
    assert everything(legacy_store) == tables and bucket_contents(legacy_store["media"]) == media
    for name, counts in again["entities"].items():
        assert counts["unchanged"] == ITEMS[name], name
        assert counts["created"] == counts["updated"] == counts["skipped_newer"] == 0, name
    assert again["audio"]["bytesStored"] == 0


def test_an_item_newer_in_the_target_is_kept_and_an_older_one_is_replaced(legacy_store, tmp_path):
    client = boto3.client("dynamodb")
    news = BY_NAME["news"]
    edited_since = new_item(news, {"title": "Edited in the new app"}, item_id="news-1731950000000",
                            owner_id="new-sub-clara", updated_by="new-sub-clara", now_ms=1800000000000)
    stale = new_item(news, {"title": "An older copy"}, item_id="kto-invite-matinale-permanent",
                     owner_id="someone", updated_by="someone", now_ms=1700000000000)
    for item in (edited_since, stale):
        client.put_item(TableName=legacy_store["targets"].name(news), Item=to_dynamodb(item))
    report = migrate(legacy_store, tmp_path)
    counts = report["entities"]["news"]
    assert counts["skipped_newer"] == 1 and counts["updated"] == 1
    stored = target(legacy_store, "news")
    assert stored_rows(legacy_store, "news")["news-1731950000000"] == edited_since
    kto = stored["kto-invite-matinale-permanent"]
    assert kto["title"] == "L'invité de la matinale (KTO)" and kto["version"] == 2
    assert kto["ownerId"] == "someone" and kto["updatedAt"] == 1731500000000


@contextlib.contextmanager
def connection_lost_after(writes: int):
    """Every DynamoDB client of the process dies after `writes` item writes (a lost connection,
    a ^C), until the block ends."""
    original = botocore.client.BaseClient._make_api_call
    left = writes

    def calling(client, operation_name, params):
        nonlocal left
        if client.meta.service_model.service_name == "dynamodb" and operation_name == "PutItem":
            if left == 0:
                raise ConnectionError("connection lost mid-migration")
            left -= 1
        return original(client, operation_name, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.client.BaseClient, "_make_api_call", calling)
        yield


def test_a_crashed_run_resumes_by_running_again(legacy_store, tmp_path):
    with connection_lost_after(7), pytest.raises(ConnectionError):
        migrate(legacy_store, tmp_path)
    assert sum(len(items) for items in everything(legacy_store).values()) == 7
    resumed = migrate(legacy_store, tmp_path)
    assert sum(c["unchanged"] for c in resumed["entities"].values()) == 7
    assert sum(c["created"] for c in resumed["entities"].values()) == sum(ITEMS.values()) - 7
    assert {name: len(items) for name, items in everything(legacy_store).items()} == ITEMS


def test_dry_run_writes_nothing_and_reports_what_would_happen(legacy_store, tmp_path):
    report = migrate(legacy_store, tmp_path, "--dry-run", "--copy-public-audio")
    assert report["dryRun"] is True and created(report) == ITEMS
    assert everything(legacy_store) == {entity.name: {} for entity in ENTITIES}
    assert bucket_contents(legacy_store["media"]) == {}


def test_copy_public_audio_rewrites_urls_to_the_media_path(legacy_store, tmp_path):
    report = migrate(legacy_store, tmp_path, "--copy-public-audio")
    item = target(legacy_store, "news")["news-1731900000000"]
    key = "media/audio/migrated/simonmarty/news-1731900000000.mp3"
    assert item["audioKey"] == key and item["audioUrl"] == f"{MEDIA_BASE_URL}/audio/migrated/simonmarty/news-1731900000000.mp3"
    original = (FIXTURES / "s3/audio/simonmarty/news-1731900000000").read_bytes()
    assert bucket_contents(legacy_store["media"])[key] == original
    assert report["audio"]["publicCopied"] == 1 and report["audio"]["embeddedMoved"] == 1


def test_owners_found_in_the_user_pool(legacy_store, tmp_path):
    cognito = boto3.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="newsroom")["UserPool"]["Id"]
    subs = {}
    for username, attributes in (
        ("simon", [{"Name": "preferred_username", "Value": "SimonMarty"}]),
        ("clara", [{"Name": "email", "Value": "clarabert@example.org"}]),
    ):
        cognito.admin_create_user(UserPoolId=pool, Username=username, UserAttributes=attributes)
        user = cognito.admin_get_user(UserPoolId=pool, Username=username)
        subs[username] = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
    migrate(legacy_store, tmp_path, "--user-pool-id", pool)
    news = target(legacy_store, "news")
    assert news["1700000000000"]["ownerId"] == subs["simon"]
    assert target(legacy_store, "animations")["animation-1731960000000"]["ownerId"] == subs["clara"]
    assert news["flash-info-natio-permanent"]["ownerId"] == "legacy-migration"


def test_every_page_of_the_legacy_stores_is_read(legacy_store, tmp_path, monkeypatch):
    """The old app read only the first page of each scan; the migration must follow them all."""
    monkeypatch.setattr(legacy, "PAGE_SIZE", 2)
    report = migrate(legacy_store, tmp_path, "--dry-run")
    assert created(report) == ITEMS
    assert report["entities"]["news"]["read"] == 16 + 4 + 5
    assert report["entities"]["multitracks"]["read"] == 6


def test_target_tables_can_come_from_the_stack_output(legacy_store, tmp_path, monkeypatch, tables):
    """`--target-tables "$(pulumi stack output tableNames --json)"` instead of TABLE_* variables."""
    stack_output = {entity.name: tables.name(entity) for entity in ENTITIES}
    for entity in ENTITIES:
        monkeypatch.delenv(variable(entity.name))
    report = migrate(legacy_store, tmp_path, "--target-tables", json.dumps(stack_output))
    assert created(report) == ITEMS
    assert len(target(legacy_store, "conductors")) == ITEMS["conductors"]


def test_a_deleted_item_in_the_source_is_not_brought_back(legacy_store, tmp_path):
    """A restored platform table used as a source (docs/runbooks/restore-table.md) holds
    tombstones: when the latest copy of an id is deleted, the id stays deleted."""
    deleted = {"id": "news-1731980000000", "createdAt": 1731980000000, "updatedAt": 1731990000000,
               "deletedAt": 1731990000000, "title": "Supprimée", "version": 3}
    earlier = {**deleted, "createdAt": 1731970000001, "updatedAt": 1731985000000, "deletedAt": None}
    client = boto3.client("dynamodb")
    for row in (deleted, {k: v for k, v in earlier.items() if v is not None}):
        client.put_item(TableName=legacy_store["tables"]["news"], Item=to_dynamodb(row))
    report = migrate(legacy_store, tmp_path)
    assert "news-1731980000000" not in target(legacy_store, "news")
    assert {"entity": "news", "id": "news-1731980000000", "source": f"dynamodb://{legacy_store['tables']['news']}",
            "reason": "deleted (tombstone): not migrated"} in report["rejected"]


def test_base64_audio_nested_in_sounds_is_moved_too(legacy_store, tmp_path):
    clip = b"ID3\x03\x00" + bytes(range(200))
    document = {"userId": "tiphainesellier", "lastModified": 1731990000000, "news": [
        {"id": "news-1731990000000", "title": "Reportage", "createdAt": 1731990000000, "sounds": [
            {"id": "s1", "name": "Interview", "url": "data:audio/wav;base64," + base64.b64encode(clip).decode()},
            {"id": "s2", "name": "Ambiance", "url": ""}]}]}
    boto3.client("s3").put_object(Bucket=legacy_store["bucket"], Key="users/tiphainesellier/data.json",
                                  Body=json.dumps(document).encode())
    migrate(legacy_store, tmp_path)
    sounds = target(legacy_store, "news")["news-1731990000000"]["sounds"]
    key = f"media/audio/migrated/news-1731990000000-{hashlib.sha256(clip).hexdigest()[:12]}.wav"
    assert sounds == [{"id": "s1", "name": "Interview", "url": f"{MEDIA_BASE_URL}/audio/migrated/{key.rsplit('/', 1)[1]}"},
                      {"id": "s2", "name": "Ambiance", "url": ""}]
    assert bucket_contents(legacy_store["media"])[key] == clip
