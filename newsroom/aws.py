"""AWS access shared by the core: one client per service, endpoint and region, created on first
use and reused across warm invocations. Without an explicit endpoint the SDK's own rules apply
(its standard `AWS_ENDPOINT_URL`, how the tests point the functions at moto); the local stack
passes its moto endpoint explicitly (newsroom/tables.py). Plus DynamoDB's wire-format codecs."""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=16)
def _client(service: str, endpoint_url: str | None, region: str | None, sdk_endpoint: str | None):
    import boto3  # imported on first use: keeps the handlers' cold import small

    return boto3.client(service, endpoint_url=endpoint_url, region_name=region)


def client(service: str, endpoint_url: str | None = None, region: str | None = None):
    """A boto3 client; a new one only for another endpoint or region (the SDK's standard
    variable is part of the key: it changes between test sessions)."""
    return _client(service, endpoint_url, region, os.environ.get("AWS_ENDPOINT_URL"))


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
