"""The stream pollers' Lambda semantics: records shaped as Lambda delivers them, and partial
batch failures retried from the first failed record, a bounded number of times."""
from __future__ import annotations

import datetime
import json
from pathlib import Path

from devstack.streams import MAX_ATTEMPTS, Consumer, lambda_record

ARN = "arn:aws:dynamodb:eu-west-3:123456789012:table/news/stream/2025-11-18T00:00:00.000"
EVENTS = Path(__file__).resolve().parents[1] / "events"


def _moto_record(sequence: str) -> dict:
    """A record as boto3 returns it from moto's get_records."""
    return {
        "eventID": f"e{sequence}", "eventName": "INSERT", "eventVersion": "1.0",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime.datetime(2025, 11, 18, 7, 0, tzinfo=datetime.timezone.utc),
            "Keys": {"id": {"S": f"news-{sequence}"}},
            "NewImage": {"id": {"S": f"news-{sequence}"}, "blob": {"B": b"\x00\x01"}},
            "SequenceNumber": sequence, "SizeBytes": 10, "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def test_records_get_what_lambda_adds_and_moto_omits():
    record = lambda_record(_moto_record("100"), ARN, "eu-west-3")
    assert record["eventSourceARN"] == ARN
    assert record["awsRegion"] == "eu-west-3"
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1763449200
    assert record["dynamodb"]["NewImage"]["blob"] == {"B": "AAE="}
    json.dumps(record)  # Lambda events are JSON
    # Same keys as AWS's own example event (tests/events).
    example = json.loads((EVENTS / "dynamodb_stream_event.json").read_text())["Records"][0]
    assert set(record) == set(example)


def _consumer(answers):
    """A consumer whose handler reports the given failures, batch after batch."""
    batches = []

    def handler(event, context):
        batches.append([r["dynamodb"]["SequenceNumber"] for r in event["Records"]])
        failed = answers.pop(0) if answers else []
        return {"batchItemFailures": [{"itemIdentifier": s} for s in failed]}

    return Consumer("publisher", handler), batches


def _feed(consumer, sequences):
    consumer.pending.setdefault(ARN, []).extend(
        lambda_record(_moto_record(s), ARN, "eu-west-3") for s in sequences)


def test_a_partial_failure_is_retried_from_the_first_failed_record():
    consumer, batches = _consumer([["2"], []])
    _feed(consumer, ["1", "2", "3"])
    consumer.deliver(ARN, "eu-west-3")
    consumer.deliver(ARN, "eu-west-3")
    assert batches == [["1", "2", "3"], ["2", "3"]]
    assert consumer.pending[ARN] == []


def test_a_crashing_handler_retries_the_whole_batch_then_gives_up():
    calls = []

    def handler(event, context):
        calls.append(len(event["Records"]))
        raise RuntimeError("AppSync unreachable")

    consumer = Consumer("publisher", handler)
    _feed(consumer, ["1", "2"])
    for _ in range(MAX_ATTEMPTS + 1):
        consumer.deliver(ARN, "eu-west-3")
    assert calls == [2] * MAX_ATTEMPTS  # bounded retries, then the records are dropped
    assert consumer.pending[ARN] == []


def test_a_backlog_goes_out_in_batches_of_at_most_one_hundred():
    consumer, batches = _consumer([])
    _feed(consumer, [str(i) for i in range(250)])
    while consumer.deliver(ARN, "eu-west-3"):
        pass
    assert [len(batch) for batch in batches] == [100, 100, 50]
