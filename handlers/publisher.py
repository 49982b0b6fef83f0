"""Push every stored change to the API's subscribers, whoever made it.

Each DynamoDB stream record of a write through the API becomes one `publish` mutation, signed
with SigV4 using the function's own credentials (its role may call only that mutation); AppSync
fans it out to `onTChanged` subscribers. An item too large for a subscription message goes out
without `item`, so clients refetch it. A record that could not be published is reported in
`batchItemFailures` and retried.

A write made outside the API (the scheduled Flash Info jobs write straight into the tables) is
first adopted: one conditional UpdateItem gives it what API writes carry (the next version, the
index attributes that put it in lists and in the catch-up feed, the owner and creation time of
the item it replaced) and packs the fields it wrote as plain attributes (newsroom.items
`packed`: stored like an API write). That update is itself a stream record, published like any API write, so
subscribers get the item once, with a version their checks accept.
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

from newsroom import items
from newsroom.observability import MetricUnit, logger, metrics, tracer
from newsroom.streams import StreamChange
from newsroom.aws import dynamodb, to_dynamodb

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


def adopt(record: StreamChange) -> bool:
    """Adopt an item written outside the API (see the module's doc); False when it changed
    again or went away meanwhile: the record of that later write takes over."""
    sets, removes = items.adoption(record.entity, record.old, record.new, now_ms=items.now_ms())
    names = {f"#set{n}": name for n, name in enumerate(sets)}
    names.update({f"#remove{n}": name for n, name in enumerate(removes)})
    values = {f":set{n}": value for n, value in enumerate(sets.values())}
    # Only the write this record saw: never one made since, never an item deleted since. The
    # plain fields it packs and removes must still hold what the record saw: a job writing the
    # same field again meanwhile (versions unchanged) is adopted from its own record instead.
    if record.new.get("version") is None:
        condition = "attribute_exists(id) AND attribute_not_exists(version)"
    else:
        condition = "attribute_exists(id) AND version = :seen"
        values[":seen"] = record.new["version"]
    for n, name in enumerate(items.plain_fields(record.entity, record.new)):
        names[f"#seen{n}"] = name
        values[f":seen{n}"] = record.new[name]
        condition += f" AND #seen{n} = :seen{n}"
    expression = "SET " + ", ".join(f"#set{n} = :set{n}" for n in range(len(sets)))
    expression += " REMOVE " + ", ".join(f"#remove{n}" for n in range(len(removes)))
    client = dynamodb()
    try:
        client.update_item(
            TableName=record.entity.table_name(),
            Key={"id": {"S": record.new["id"]}},
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_dynamodb(values),
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def publish_record(record: DynamoDBRecord) -> None:
    stream_change = StreamChange.from_record(record.raw_event)
    if items.written_outside_the_api(stream_change.old, stream_change.new):
        adopted = adopt(stream_change)
        metrics.add_metric(name="WritesAdopted" if adopted else "AdoptionsOvertaken",
                           unit=MetricUnit.Count, value=1)
        logger.info("adopted a write made outside the API" if adopted else
                    "a write made outside the API changed again before its adoption",
                    extra={"entity": stream_change.entity.name, "id": stream_change.new["id"]})
        return  # the adoption's own record (or the later write's) is what gets published
    change = change_of(stream_change)
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
