"""DynamoDB stream records in AWS's shape (tests/events/dynamodb_stream_event.json) for the
publisher and the invalidator: only the table, the operation and the images change."""
from __future__ import annotations

import copy
import itertools
from typing import Any

from appsync_calls import LambdaContext, event_fixture
from newsroom import items
from newsroom.aws import to_dynamodb
from newsroom.entities import Entity
from newsroom.tables import Tables

_sequence = itertools.count(200000000000000000000001)


def stored(entity: Entity, item_id: str, **fields: Any) -> dict[str, Any]:
    """An item as the API stores it (version 1, owner journalist-1)."""
    return items.new_item(entity, {"title": item_id, **fields}, item_id=item_id,
                          owner_id="journalist-1", updated_by="journalist-1", now_ms=1_763_451_000_000)


# Tables the records come from, when the consumer only reads their names (no table is needed).
NAMED = Tables.named("saint-esprit-test")


def record(tables: Tables, entity: Entity, event_name: str, old: dict | None, new: dict | None) -> dict[str, Any]:
    """A record of the stream of `entity`'s table among `tables`."""
    template = copy.deepcopy(event_fixture("dynamodb_stream_event.json")["Records"][0])
    stream = template["dynamodb"]
    stream.pop("NewImage", None)
    stream["Keys"] = {"id": {"S": (new or old)["id"]}}
    if old is not None:
        stream["OldImage"] = to_dynamodb(old)
    if new is not None:
        stream["NewImage"] = to_dynamodb(new)
    stream["SequenceNumber"] = str(next(_sequence))
    template["eventName"] = event_name
    template["eventSourceARN"] = (
        f"arn:aws:dynamodb:eu-west-3:000000000000:table/{tables.name(entity)}"
        "/stream/2025-11-18T07:30:00.000"
    )
    return template


def batch(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def failed(response: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


CONTEXT = LambdaContext(function_name="saint-esprit-stream")


def cloudfront_distribution() -> str:
    """A distribution in moto's CloudFront for the invalidator to invalidate (the local stack's
    own, devstack/provision.py); returns its id."""
    import boto3

    from devstack.provision import create_distribution

    return create_distribution(boto3.client("cloudfront"), "site")


def invalidations(distribution_id: str) -> list[list[str]]:
    """The paths of every invalidation moto's CloudFront holds, in the order they were made."""
    import boto3

    cloudfront = boto3.client("cloudfront")
    summaries = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"].get("Items", [])
    return [cloudfront.get_invalidation(DistributionId=distribution_id, Id=summary["Id"])
            ["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] for summary in summaries]
