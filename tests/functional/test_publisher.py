"""The publisher against a local HTTP endpoint standing in for AppSync: one signed `publish`
mutation per stream record, payloads valid against the schema, failures reported per record."""
from __future__ import annotations

import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from graphql import execute_sync, parse, validate

from handlers import publisher
from infra.appsync_schema import load
from newsroom.entities import BY_NAME
from stream_records import CONTEXT, NAMED, batch, failed, record, stored

NEWS, CONDUCTORS = BY_NAME["news"], BY_NAME["conductors"]


class FakeAppSync:
    """Captures each request; answers like AppSync (GraphQL errors for ids in `refuse`)."""

    def __init__(self, certificate=None):
        self.requests: list[dict] = []
        self.refuse: set[str] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                change = body["variables"]["change"]
                answer = ({"data": {"publish": None}, "errors": [{"message": "refused", "errorType": "Unauthorized"}]}
                          if change["id"] in fake.refuse else {"data": {"publish": change}})
                payload = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if certificate is not None:  # devstack.tls's: a server certificate signed by its own CA
            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.load_cert_chain(certificate.cert_path, certificate.key_path)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"{scheme}://127.0.0.1:{self.server.server_port}/graphql"

    def changes(self) -> list[dict]:
        return [request["body"]["variables"]["change"] for request in self.requests]


@pytest.fixture
def fake_appsync():
    fake = FakeAppSync()
    yield fake
    fake.server.shutdown()


@pytest.fixture
def appsync(fake_appsync):
    """The fake AppSync, publishing API writes only (the records' NAMED tables need not exist)."""
    return fake_appsync


def publishing(tables, appsync_url: str):
    """The publisher of `tables`' changes to the API at `appsync_url`."""
    return publisher.build(tables, graphql_url=appsync_url, region="eu-west-3")


def test_each_record_is_one_signed_publish_mutation_valid_against_the_schema(appsync):
    response = publishing(NAMED, appsync.url)(batch(
        record(NAMED, NEWS, "INSERT", None, stored(NEWS, "news-1", duration=90))), CONTEXT)
    assert failed(response) == []
    [request] = appsync.requests
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert request["path"] == "/graphql"
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert "/eu-west-3/appsync/aws4_request" in headers["authorization"]
    assert "Signature=" in headers["authorization"] and "SignedHeaders=" in headers["authorization"]
    assert headers["x-amz-date"] and headers["x-amz-security-token"] == "testing"

    schema, body = load(), request["body"]
    document = parse(body["query"])
    assert validate(schema, document) == []
    result = execute_sync(schema, document, root_value={"publish": lambda _info, change: change},
                          variable_values=body["variables"])
    assert result.errors is None
    published = result.data["publish"]
    assert set(published) == {"entity", "op", "id", "version", "item", "changedBy", "changedAt"}
    assert (published["entity"], published["op"], published["id"], published["version"]) == ("news", "CREATE", "news-1", 1)
    assert json.loads(published["item"])["duration"] == 90
    assert "liveList" not in json.loads(published["item"])
    assert published["changedBy"] == "journalist-1" and published["changedAt"] == 1_763_451_000_000


def test_ops_follow_the_item_life_cycle(appsync):
    live = stored(CONDUCTORS, "conductor-1", segments=[{"id": "s1", "type": "jingle", "duration": 5}])
    edited = {**live, "version": 2, "updatedAt": live["updatedAt"] + 1, "updatedBy": "journalist-2"}
    tomb = {**edited, "version": 3, "deletedAt": edited["updatedAt"] + 1, "updatedAt": edited["updatedAt"] + 1}
    back = {**edited, "version": 4, "updatedAt": tomb["updatedAt"] + 1}
    response = publishing(NAMED, appsync.url)(batch(
        record(NAMED, CONDUCTORS, "INSERT", None, live),
        record(NAMED, CONDUCTORS, "MODIFY", live, edited),
        record(NAMED, CONDUCTORS, "MODIFY", edited, tomb),
        record(NAMED, CONDUCTORS, "MODIFY", tomb, back),
        record(NAMED, CONDUCTORS, "REMOVE", back, None),
    ), CONTEXT)
    assert failed(response) == []
    assert [(c["entity"], c["op"], c["version"], c["changedBy"]) for c in appsync.changes()] == [
        ("conductors", "CREATE", 1, "journalist-1"),
        ("conductors", "UPDATE", 2, "journalist-2"),
        ("conductors", "DELETE", 3, "journalist-2"),
        ("conductors", "RESTORE", 4, "journalist-2"),
        ("conductors", "PURGE", 4, None),
    ]
    assert json.loads(appsync.changes()[1]["item"])["segments"] == [{"id": "s1", "type": "jingle", "duration": 5}]
    assert json.loads(appsync.changes()[2]["item"])["deletedAt"] == tomb["deletedAt"]
    assert appsync.changes()[4]["changedAt"] == 1_763_451_000_000  # a purge: the record's time


def test_an_item_too_large_for_a_subscription_publishes_a_slim_change(appsync):
    # Over 240 KB (the API refuses such items, a job's write adopted as version 7 may not).
    before = {**stored(NEWS, "news-huge"), "version": 6}
    huge = {**before, "content": "x" * 300_000, "version": 7}
    assert failed(publishing(NAMED, appsync.url)(batch(record(NAMED, NEWS, "MODIFY", before, huge)), CONTEXT)) == []
    [change] = appsync.changes()
    assert (change["id"], change["version"], change["op"], change["item"]) == ("news-huge", 7, "UPDATE", None)
    assert len(json.dumps(appsync.requests[0]["body"])) < 2000


def test_refused_or_unreachable_publishes_are_reported_per_record(appsync):
    appsync.refuse.add("news-2")
    records = [record(NAMED, NEWS, "INSERT", None, stored(NEWS, f"news-{n}")) for n in range(1, 4)]
    response = publishing(NAMED, appsync.url)(batch(*records), CONTEXT)
    assert failed(response) == [records[1]["dynamodb"]["SequenceNumber"]]
    assert [c["id"] for c in appsync.changes()] == ["news-1", "news-2", "news-3"]

    with socket.socket() as closed:  # a free port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    unreachable = publishing(NAMED, f"http://127.0.0.1:{port}/graphql")
    response = unreachable(batch(*records), CONTEXT)
    assert failed(response) == [r["dynamodb"]["SequenceNumber"] for r in records]


def test_over_tls_the_publisher_trusts_the_ca_it_is_given(tmp_path, monkeypatch):
    """The local stack's API speaks TLS with a certificate of its own CA: the publisher built
    with that CA publishes; without it, the record fails (the process-wide trust store,
    SSL_CERT_FILE, has no say)."""
    from devstack import tls

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    certificate = tls.generate(tmp_path)
    fake = FakeAppSync(certificate)
    try:
        news = record(NAMED, NEWS, "INSERT", None, stored(NEWS, "news-1"))
        trusting = publisher.build(NAMED, graphql_url=fake.url, region="eu-west-3", cafile=str(certificate.ca_path))
        assert failed(trusting(batch(news), CONTEXT)) == []
        assert [change["id"] for change in fake.changes()] == ["news-1"]
        untrusting = publishing(NAMED, fake.url)
        assert failed(untrusting(batch(news), CONTEXT)) == [news["dynamodb"]["SequenceNumber"]]
        assert len(fake.changes()) == 1
    finally:
        fake.server.shutdown()


def test_a_record_from_an_unknown_table_fails_alone(appsync):
    good = record(NAMED, NEWS, "INSERT", None, stored(NEWS, "news-1"))
    stray = record(NAMED, NEWS, "INSERT", None, stored(NEWS, "news-2"))
    stray["eventSourceARN"] = stray["eventSourceARN"].replace(NAMED.name(NEWS), "saint-esprit-audio")
    assert failed(publishing(NAMED, appsync.url)(batch(good, stray), CONTEXT)) == [stray["dynamodb"]["SequenceNumber"]]


# ---------------------------------------------------------------- writes made outside the API
def _get(tables, entity, item_id):
    from newsroom.aws import from_dynamodb

    found = tables.dynamodb().get_item(TableName=tables.name(entity), Key={"id": {"S": item_id}})
    return from_dynamodb(found["Item"]) if "Item" in found else None


def _fields(tables, entity, item_id):
    """The stored item as readers see it (packed fields spread, plain attributes winning)."""
    from newsroom.items import unpacked

    return unpacked(_get(tables, entity, item_id))


def _job_writes(tables, entity, item):
    """A scheduled job's PutItem straight into the table, as the Flash Info jobs do."""
    from newsroom.aws import to_dynamodb

    tables.dynamodb().put_item(TableName=tables.name(entity), Item=to_dynamodb(item))


def test_a_jobs_new_item_is_adopted_then_published_once_as_version_one(tables, fake_appsync):
    from appsync_calls import call, data_of

    job_item = {"id": "flash-info-natio-permanent", "title": "Flash national", "category": "national"}
    _job_writes(tables, NEWS, job_item)
    assert failed(publishing(tables, fake_appsync.url)(batch(record(tables, NEWS, "INSERT", None, job_item)), CONTEXT)) == []
    assert fake_appsync.changes() == []  # not yet: the adoption's own record follows
    adopted = _get(tables, NEWS, job_item["id"])
    assert (adopted["version"], adopted["liveList"], adopted["changeFeed"]) == (1, "news", "news")
    assert adopted["createdAt"] == adopted["updatedAt"] > 1_763_451_000_000
    assert "ownerId" not in adopted and "updatedBy" not in adopted

    assert failed(publishing(tables, fake_appsync.url)(batch(record(tables, NEWS, "MODIFY", job_item, adopted)), CONTEXT)) == []
    [change] = fake_appsync.changes()
    assert (change["op"], change["id"], change["version"], change["changedBy"]) == (
        "CREATE", job_item["id"], 1, None)
    assert json.loads(change["item"])["title"] == "Flash national"
    assert "liveList" not in json.loads(change["item"])
    # What the adoption is for: the item is listed like any other (reload, catch-up).
    assert [i["id"] for i in data_of(call(tables, "listNews"))["items"]] == [job_item["id"]]
    assert [c["id"] for c in data_of(call(tables, "changesSince", entity="news", since=0))["items"]] == [job_item["id"]]


def test_a_job_replacing_an_api_item_gets_the_next_version_its_owner_and_creation_time(tables, fake_appsync):
    from appsync_calls import call, data_of, error_of, identity

    editor = identity("journalist-1", "journalists")
    created = data_of(call(tables, "createNews", editor, input={"id": "kto-invite-matinale-permanent",
                                                        "data": json.dumps({"title": "Invité"})}))
    edited = data_of(call(tables, "updateNews", editor, input={"id": created["id"], "expectedVersion": 1,
                                                       "data": json.dumps({"title": "Invité (v2)"})}))
    before = _get(tables, NEWS, created["id"])
    job_item = {"id": created["id"], "title": "Invité du jour (job)"}
    _job_writes(tables, NEWS, job_item)
    assert failed(publishing(tables, fake_appsync.url)(batch(record(tables, NEWS, "MODIFY", before, job_item)), CONTEXT)) == []
    adopted = _get(tables, NEWS, created["id"])
    assert adopted["version"] == edited["version"] + 1 == 3
    assert (adopted["ownerId"], adopted["createdAt"]) == ("journalist-1", created["createdAt"])
    assert adopted["updatedAt"] > edited["updatedAt"]
    assert _fields(tables, NEWS, created["id"])["title"] == "Invité du jour (job)"
    # An editor still on version 2 is told, not allowed to overwrite the job's text.
    stale = error_of(call(tables, "updateNews", editor, input={"id": created["id"], "expectedVersion": 2,
                                                       "data": json.dumps({"title": "mine"})}))
    assert stale["errorType"] == "ConflictError"


def test_a_jobs_partial_update_bumps_the_version_and_forgets_the_last_editor(tables, fake_appsync):
    from appsync_calls import call, data_of, identity

    created = data_of(call(tables, "createNews", identity("journalist-1", "journalists"), input={
        "id": "flash-info-sport-permanent", "data": json.dumps({"title": "Sport"})}))
    before = _get(tables, NEWS, created["id"])
    tables.dynamodb().update_item(
        TableName=tables.name(NEWS), Key={"id": {"S": created["id"]}},
        UpdateExpression="SET title = :t", ExpressionAttributeValues={":t": {"S": "Sport (résultats)"}})
    after = _get(tables, NEWS, created["id"])
    assert after["version"] == 1  # the job did not version its write
    assert failed(publishing(tables, fake_appsync.url)(batch(record(tables, NEWS, "MODIFY", before, after)), CONTEXT)) == []
    adopted = _get(tables, NEWS, created["id"])
    assert (adopted["version"], _fields(tables, NEWS, created["id"])["title"]) == (2, "Sport (résultats)")
    assert "updatedBy" not in adopted and adopted["ownerId"] == "journalist-1"
    # Packed again: the job's plain attribute moved into the app fields, over the older title.
    assert "title" not in adopted and json.loads(adopted["appFields"]) == {"title": "Sport (résultats)"}
    assert fake_appsync.changes() == []


def test_a_job_writing_the_same_field_again_before_its_adoption_is_adopted_from_the_later_write(
        tables, fake_appsync):
    job_item = {"id": "flash-info-natio-permanent", "title": "Flash de 6 h", "category": "national"}
    _job_writes(tables, NEWS, job_item)
    first = _get(tables, NEWS, job_item["id"])
    tables.dynamodb().update_item(  # the job's next write, before the publisher ran
        TableName=tables.name(NEWS), Key={"id": {"S": job_item["id"]}},
        UpdateExpression="SET title = :t", ExpressionAttributeValues={":t": {"S": "Flash de 7 h"}})
    second = _get(tables, NEWS, job_item["id"])
    # The first record's adoption would pack "Flash de 6 h" over the later write: it stands down.
    assert failed(publishing(tables, fake_appsync.url)(batch(record(tables, NEWS, "INSERT", None, first)), CONTEXT)) == []
    assert _get(tables, NEWS, job_item["id"]) == second
    assert failed(publishing(tables, fake_appsync.url)(batch(record(tables, NEWS, "MODIFY", first, second)), CONTEXT)) == []
    adopted = _get(tables, NEWS, job_item["id"])
    assert adopted["version"] == 1 and "title" not in adopted
    assert _fields(tables, NEWS, job_item["id"])["title"] == "Flash de 7 h"


def test_an_adoption_replayed_or_overtaken_by_a_purge_writes_nothing(tables, fake_appsync):
    job_item = {"id": "kto-parole-associations", "title": "Parole"}
    _job_writes(tables, NEWS, job_item)
    inserted = record(tables, NEWS, "INSERT", None, job_item)
    assert failed(publishing(tables, fake_appsync.url)(batch(inserted), CONTEXT)) == []
    adopted = _get(tables, NEWS, job_item["id"])
    # Lambda delivers the record again (a retried batch): the item is adopted already.
    assert failed(publishing(tables, fake_appsync.url)(batch(inserted), CONTEXT)) == []
    assert _get(tables, NEWS, job_item["id"]) == adopted

    gone = {"id": "kto-cri-de-la-terre", "title": "Cri"}
    _job_writes(tables, NEWS, gone)
    tables.dynamodb().delete_item(TableName=tables.name(NEWS), Key={"id": {"S": gone["id"]}})
    assert failed(publishing(tables, fake_appsync.url)(batch(record(tables, NEWS, "INSERT", None, gone)), CONTEXT)) == []
    assert _get(tables, NEWS, gone["id"]) is None  # not brought back by its adoption
    assert fake_appsync.changes() == []
