"""The publisher against a local HTTP endpoint standing in for AppSync: one signed `publish`
mutation per stream record, payloads valid against the schema, failures reported per record."""
from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from graphql import execute_sync, parse, validate

from handlers import publisher
from handlers.entities import BY_NAME
from infra.appsync_schema import load
from stream_records import CONTEXT, batch, failed, name_tables, record, stored

NEWS, CONDUCTORS = BY_NAME["news"], BY_NAME["conductors"]


class FakeAppSync:
    """Captures each request; answers like AppSync (GraphQL errors for ids in `refuse`)."""

    def __init__(self):
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
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/graphql"

    def changes(self) -> list[dict]:
        return [request["body"]["variables"]["change"] for request in self.requests]


@pytest.fixture
def appsync(monkeypatch):
    name_tables(monkeypatch)
    fake = FakeAppSync()
    monkeypatch.setenv("GRAPHQL_URL", fake.url)
    yield fake
    fake.server.shutdown()


def test_each_record_is_one_signed_publish_mutation_valid_against_the_schema(appsync):
    response = publisher.handler(batch(
        record(NEWS, "INSERT", None, stored(NEWS, "news-1", duration=90))), CONTEXT)
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
    outside = {"id": "flash-info-natio-permanent", "title": "Flash", "content": "written by a scheduled job"}
    response = publisher.handler(batch(
        record(CONDUCTORS, "INSERT", None, live),
        record(CONDUCTORS, "MODIFY", live, edited),
        record(CONDUCTORS, "MODIFY", edited, tomb),
        record(CONDUCTORS, "MODIFY", tomb, back),
        record(CONDUCTORS, "REMOVE", back, None),
        record(NEWS, "INSERT", None, outside),
    ), CONTEXT)
    assert failed(response) == []
    assert [(c["entity"], c["op"], c["version"], c["changedBy"]) for c in appsync.changes()] == [
        ("conductors", "CREATE", 1, "journalist-1"),
        ("conductors", "UPDATE", 2, "journalist-2"),
        ("conductors", "DELETE", 3, "journalist-2"),
        ("conductors", "RESTORE", 4, "journalist-2"),
        ("conductors", "PURGE", 4, None),
        ("news", "CREATE", None, None),
    ]
    assert json.loads(appsync.changes()[1]["item"])["segments"] == [{"id": "s1", "type": "jingle", "duration": 5}]
    assert json.loads(appsync.changes()[2]["item"])["deletedAt"] == tomb["deletedAt"]
    assert appsync.changes()[5]["changedAt"] == 1_763_451_000_000  # the record's time: the job set none


def test_an_item_too_large_for_a_subscription_publishes_a_slim_change(appsync):
    # Written outside the API (the API refuses items over 240 KB): 300 KB of text.
    huge = {"id": "news-huge", "title": "x", "content": "x" * 300_000, "version": 7, "updatedAt": 5}
    assert failed(publisher.handler(batch(record(NEWS, "MODIFY", huge, huge)), CONTEXT)) == []
    [change] = appsync.changes()
    assert (change["id"], change["version"], change["op"], change["item"]) == ("news-huge", 7, "UPDATE", None)
    assert len(json.dumps(appsync.requests[0]["body"])) < 2000


def test_refused_or_unreachable_publishes_are_reported_per_record(appsync, monkeypatch):
    appsync.refuse.add("news-2")
    records = [record(NEWS, "INSERT", None, stored(NEWS, f"news-{n}")) for n in range(1, 4)]
    response = publisher.handler(batch(*records), CONTEXT)
    assert failed(response) == [records[1]["dynamodb"]["SequenceNumber"]]
    assert [c["id"] for c in appsync.changes()] == ["news-1", "news-2", "news-3"]

    with socket.socket() as closed:  # a free port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("GRAPHQL_URL", f"http://127.0.0.1:{port}/graphql")
    response = publisher.handler(batch(*records), CONTEXT)
    assert failed(response) == [r["dynamodb"]["SequenceNumber"] for r in records]


def test_a_record_from_an_unknown_table_fails_alone(appsync):
    good = record(NEWS, "INSERT", None, stored(NEWS, "news-1"))
    stray = record(NEWS, "INSERT", None, stored(NEWS, "news-2"))
    stray["eventSourceARN"] = stray["eventSourceARN"].replace("saint-esprit-test-news", "saint-esprit-audio")
    assert failed(publisher.handler(batch(good, stray), CONTEXT)) == [stray["dynamodb"]["SequenceNumber"]]
