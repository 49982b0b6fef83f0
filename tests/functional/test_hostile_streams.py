"""Stream records as Lambda delivers them when an item holds binary attributes (a job's
UpdateItem can write them): `B` and `BS` values arrive as base64 text, which boto3's
TypeDeserializer refuses. Both stream consumers must process such records instead of failing
them forever (a failed record is retried until it expires, blocking its shard)."""
from __future__ import annotations

import base64
import json

from newsroom.entities import BY_NAME
from newsroom.streams import StreamChange
from stream_records import CONTEXT, NAMED, batch, failed, record, stored
from test_invalidator import MEDIA, distribution, invalidated, invalidating  # noqa: F401 (fixture)
from test_publisher import appsync, fake_appsync, publishing  # noqa: F401 (fixtures)

NEWS = BY_NAME["news"]
WAVEFORM = bytes(range(256))


def as_lambda_delivers(stream_record: dict) -> dict:
    """boto3 serializes binaries as bytes; Lambda's JSON event carries them as base64 text."""
    def text(value):
        if isinstance(value, dict):
            return {key: (base64.b64encode(bytes(inner)).decode() if key == "B" else
                          [base64.b64encode(bytes(b)).decode() for b in inner] if key == "BS" else
                          text(inner)) for key, inner in value.items()}
        if isinstance(value, list):
            return [text(inner) for inner in value]
        return value

    delivered = dict(stream_record, dynamodb=text(stream_record["dynamodb"]))
    json.dumps(delivered)  # nothing but JSON, as Lambda hands it over
    return delivered


def with_binaries(item: dict) -> dict:
    return {**item, "waveform": WAVEFORM, "peaks": {WAVEFORM[:3], b"\x00"},
            "meta": {"thumbnail": b"\x89PNG", "parts": [b"\xff\xfe"]}}


def test_binary_attributes_are_decoded_from_base64():
    change = StreamChange.from_record(as_lambda_delivers(record(
        NAMED, NEWS, "INSERT", None, with_binaries(stored(NEWS, "news-bin")))), NAMED)
    assert bytes(change.new["waveform"]) == WAVEFORM
    assert {bytes(b) for b in change.new["peaks"]} == {WAVEFORM[:3], b"\x00"}
    assert bytes(change.new["meta"]["parts"][0]) == b"\xff\xfe"


def test_the_publisher_publishes_items_holding_binaries(appsync):
    before = stored(NEWS, "news-bin")
    after = with_binaries({**before, "version": 2, "updatedAt": before["updatedAt"] + 1})
    response = publishing(NAMED, appsync.url)(batch(
        as_lambda_delivers(record(NAMED, NEWS, "INSERT", None, with_binaries(before))),
        as_lambda_delivers(record(NAMED, NEWS, "MODIFY", with_binaries(before), after)),
    ), CONTEXT)
    assert failed(response) == []
    created, updated = appsync.changes()
    item = json.loads(updated["item"])
    # Clients get binaries as DynamoDB's JSON shows them: base64 text.
    assert base64.b64decode(item["waveform"]) == WAVEFORM
    assert base64.b64decode(item["meta"]["thumbnail"]) == b"\x89PNG"
    assert (created["op"], updated["op"], updated["version"]) == ("CREATE", "UPDATE", 2)


def test_the_invalidator_reads_records_holding_binaries(distribution):  # noqa: F811
    news = with_binaries(stored(NEWS, "news-bin", audioUrl=f"{MEDIA}/news-bin.mp3"))
    response = invalidating(distribution)(batch(
        as_lambda_delivers(record(NAMED, NEWS, "REMOVE", news, None))), CONTEXT)
    assert failed(response) == []
    assert invalidated(distribution) == [["/media/audio/eu-west-3:abc/news-bin.mp3"]]
