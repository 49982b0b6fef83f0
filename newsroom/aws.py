"""AWS access shared by the handlers: one client per service and process, created on first use
and reused across warm invocations; endpoint from the SDK's standard `AWS_ENDPOINT_URL` (how
the tests and the local stack point the handlers at moto). Plus DynamoDB's wire-format codecs."""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any



@lru_cache(maxsize=8)
def _client(service: str, endpoint: str | None):
    import boto3  # imported on first use: keeps the handlers' cold import small

    return boto3.client(service)


def client(service: str):
    """A boto3 client (a new one only if the endpoint changed, as between test sessions)."""
    return _client(service, os.environ.get("AWS_ENDPOINT_URL"))


def dynamodb():
    return client("dynamodb")


@lru_cache(maxsize=1)
def _codecs():
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


def to_dynamodb(item: dict[str, Any]) -> dict[str, Any]:
    """A plain item (str, Decimal, int, bool, None, list, dict) in DynamoDB's wire format."""
    serializer = _codecs()[0]
    return {key: serializer.serialize(value) for key, value in item.items()}


def from_dynamodb(image: dict[str, Any]) -> dict[str, Any]:
    """An item in DynamoDB's wire format (GetItem, Query, stream images) as plain values."""
    deserializer = _codecs()[1]
    return {key: deserializer.deserialize(value) for key, value in image.items()}
