"""Push every stored change to the API's subscribers, whoever made it.

Each DynamoDB stream record (writes through the API, and writes made outside it such as the
scheduled Flash Info jobs) becomes one `publish` mutation, signed with SigV4 using the function's
own credentials (its role may call only that mutation); AppSync fans it out to `onTChanged`
subscribers. An item too large for a subscription message goes out without `item`, so clients
refetch it. A record that could not be published is reported in `batchItemFailures` and retried.
"""
from __future__ import annotations

import json
import os
import ssl
import urllib.request
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from handlers import items
from handlers.observability import MetricUnit, logger, metrics, tracer
from handlers.streams import StreamChange

processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)

# Subscribers receive only the fields the mutation selects: select every Change field.
PUBLISH_MUTATION = (
    "mutation Publish($change: ChangeInput!) "
    "{ publish(change: $change) { entity op id version item changedBy changedAt } }"
)
TIMEOUT_SECONDS = 10


class PublishFailed(Exception):
    """AppSync refused or failed the publish mutation; the record is retried."""


def change_of(record: StreamChange) -> dict[str, Any]:
    """The `ChangeInput` for one stream record."""
    stored = record.old if record.event_name == "REMOVE" else record.new
    change = items.to_change(
        record.entity, stored, op=record.op, with_item=items.fits_subscription(stored)
    )
    if record.event_name == "REMOVE":
        # A purge (TTL or an admin) leaves no image saying who made it or when.
        change.update(changedBy=None, changedAt=record.approximate_ms)
    elif not change["changedAt"]:  # written outside the API without timestamps
        change["changedAt"] = record.approximate_ms
    return change


@lru_cache(maxsize=1)
def _credentials():
    import boto3  # first use only: keeps the cold import small

    return boto3.Session().get_credentials()


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    # The default trust store; SSL_CERT_FILE (the local stack's own CA) is honoured by OpenSSL.
    return ssl.create_default_context()


def signed_request(url: str, body: bytes) -> urllib.request.Request:
    """A POST to AppSync signed with SigV4 for the `appsync` service."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(
        method="POST", url=url, data=body, headers={"Content-Type": "application/json"}
    )
    region = os.environ.get("AWS_REGION") or os.environ["AWS_DEFAULT_REGION"]
    SigV4Auth(_credentials().get_frozen_credentials(), "appsync", region).add_auth(request)
    return urllib.request.Request(url, data=body, headers=dict(request.headers), method="POST")


def publish(change: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps({"query": PUBLISH_MUTATION, "variables": {"change": change}}).encode()
    request = signed_request(os.environ["GRAPHQL_URL"], body)
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS, context=_tls()) as response:
        answer = json.loads(response.read() or b"{}")
    if answer.get("errors"):
        raise PublishFailed(json.dumps(answer["errors"])[:500])
    return answer.get("data") or {}


def publish_record(record: DynamoDBRecord) -> None:
    change = change_of(StreamChange.from_record(record.raw_event))
    publish(change)
    if change["item"] is None:
        metrics.add_metric(name="SlimChanges", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ChangesPublished", unit=MetricUnit.Count, value=1)
    logger.debug("published", extra={"entity": change["entity"], "op": change["op"], "id": change["id"]})


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict, context: Any) -> dict:
    return process_partial_response(
        event=event, record_handler=publish_record, processor=processor, context=context
    )
