"""Push every stored change to the API's subscribers, whoever made it (the publisher Lambda,
handlers/publisher.py, runs this on each record of the tables' streams).

Each DynamoDB stream record of a write through the API becomes one `publish` mutation, signed
with SigV4 using the function's own credentials (its role may call only that mutation); AppSync
fans it out to `onTChanged` subscribers. An item too large for a subscription message goes out
without `item`, so clients refetch it. A record that could not be published raises, so the
batch reports it in `batchItemFailures` and it is retried.

A write made outside the API (the scheduled Flash Info jobs write straight into the tables) is
first adopted: one conditional UpdateItem gives it what API writes carry (the next version, the
index attributes that put it in lists and in the catch-up feed, the owner and creation time of
the item it replaced) and packs the fields it wrote as plain attributes (newsroom.items
`packed`: stored like an API write). That update is itself a stream record, published like any
API write, so subscribers get the item once, with a version their checks accept.
"""
from __future__ import annotations

import json
import ssl
import threading
import urllib.request
from typing import Any

from newsroom import items
from newsroom.aws import to_dynamodb
from newsroom.observability import MetricUnit, logger, metrics
from newsroom.streams import StreamChange
from newsroom.tables import Tables

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


class AppSyncEndpoint:
    """Where changes are published: the API's GraphQL URL, signed for `region` with the
    process's credentials, over TLS trusting the default authorities and `cafile` (an extra CA:
    the local stack's own). Credentials and TLS context are made on first use (a cold start
    that publishes nothing makes neither) and kept for the warm invocations."""

    def __init__(self, url: str, region: str, cafile: str | None = None):
        self.url, self.region, self.cafile = url, region, cafile
        self._made: tuple[Any, ssl.SSLContext] | None = None
        self._lock = threading.Lock()

    def _credentials_and_tls(self) -> tuple[Any, ssl.SSLContext]:
        with self._lock:
            if self._made is None:
                import boto3  # first use only: keeps the cold import small

                tls = ssl.create_default_context()
                if self.cafile:
                    tls.load_verify_locations(cafile=self.cafile)
                self._made = (boto3.Session().get_credentials(), tls)
            return self._made

    def signed_request(self, body: bytes) -> urllib.request.Request:
        """A POST to AppSync signed with SigV4 for the `appsync` service."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        credentials, _ = self._credentials_and_tls()
        request = AWSRequest(
            method="POST", url=self.url, data=body, headers={"Content-Type": "application/json"}
        )
        SigV4Auth(credentials.get_frozen_credentials(), "appsync", self.region).add_auth(request)
        return urllib.request.Request(self.url, data=body, headers=dict(request.headers), method="POST")

    def publish(self, change: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps({"query": PUBLISH_MUTATION, "variables": {"change": change}}).encode()
        request = self.signed_request(body)
        _, tls = self._credentials_and_tls()
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS, context=tls) as response:
            answer = json.loads(response.read() or b"{}")
        if answer.get("errors"):
            raise PublishFailed(json.dumps(answer["errors"])[:500])
        return answer.get("data") or {}


def adopt(tables: Tables, record: StreamChange) -> bool:
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
    client = tables.dynamodb()
    try:
        client.update_item(
            TableName=tables.name(record.entity),
            Key={"id": {"S": record.new["id"]}},
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_dynamodb(values),
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def publish_record(tables: Tables, appsync: AppSyncEndpoint, record: dict[str, Any]) -> None:
    """Adopt or publish the write one stream record of `tables` shows (raises to have the
    record retried)."""
    stream_change = StreamChange.from_record(record, tables)
    if items.written_outside_the_api(stream_change.old, stream_change.new):
        adopted = adopt(tables, stream_change)
        metrics.add_metric(name="WritesAdopted" if adopted else "AdoptionsOvertaken",
                           unit=MetricUnit.Count, value=1)
        logger.info("adopted a write made outside the API" if adopted else
                    "a write made outside the API changed again before its adoption",
                    extra={"entity": stream_change.entity.name, "id": stream_change.new["id"]})
        return  # the adoption's own record (or the later write's) is what gets published
    change = change_of(stream_change)
    appsync.publish(change)
    if change["item"] is None:
        metrics.add_metric(name="SlimChanges", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ChangesPublished", unit=MetricUnit.Count, value=1)
    logger.debug("published", extra={"entity": change["entity"], "op": change["op"], "id": change["id"]})
