"""What the two stream consumers (publisher, invalidator) read from a DynamoDB stream record:
which entity's table it came from, and its old and new items as plain values."""
from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any

from newsroom import items
from newsroom.entities import ENTITIES, Entity
from newsroom.aws import from_dynamodb


def entity_of(event_source_arn: str) -> Entity:
    """The entity whose table emitted the record (`...:table/<name>/stream/<label>`), found
    through the same TABLE_* variables the resolver uses."""
    table = event_source_arn.split(":table/", 1)[-1].split("/stream/", 1)[0]
    for entity in ENTITIES:
        if os.environ.get(entity.table_env) == table:
            return entity
    raise LookupError(f"stream of table {table!r} belongs to no entity (TABLE_* variables)")


def _binaries_decoded(value: Any) -> Any:
    """A stream image as boto3's deserializer wants it: Lambda's JSON event carries binary
    attributes (`B`, `BS`, at any depth) as base64 text, the deserializer takes bytes."""
    if isinstance(value, list):
        return [_binaries_decoded(inner) for inner in value]
    if not isinstance(value, dict):
        return value
    decoded = {}
    for kind, inner in value.items():
        if kind == "B" and isinstance(inner, str):
            inner = base64.b64decode(inner)
        elif kind == "BS" and isinstance(inner, list):
            inner = [base64.b64decode(b) if isinstance(b, str) else b for b in inner]
        else:
            inner = _binaries_decoded(inner)
        decoded[kind] = inner
    return decoded


def _image(image: dict[str, Any] | None) -> dict[str, Any] | None:
    return from_dynamodb(_binaries_decoded(image)) if image else None


@dataclass(frozen=True)
class StreamChange:
    entity: Entity
    event_name: str  # INSERT | MODIFY | REMOVE
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    approximate_ms: int
    sequence_number: str

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "StreamChange":
        stream = record["dynamodb"]
        old, new = stream.get("OldImage"), stream.get("NewImage")
        return cls(
            entity=entity_of(record["eventSourceARN"]),
            event_name=record["eventName"],
            old=_image(old),
            new=_image(new),
            approximate_ms=int(float(stream.get("ApproximateCreationDateTime", 0)) * 1000),
            sequence_number=stream["SequenceNumber"],
        )

    @property
    def op(self) -> str:
        """The API's ChangeOp: tombstones are deletes, a cleared tombstone is a restore, a
        record removed from the table (TTL or purge) is a purge."""
        if self.event_name == "REMOVE":
            return "PURGE"
        if items.is_tombstone(self.new):
            return "DELETE"
        if self.event_name == "MODIFY" and items.is_tombstone(self.old):
            return "RESTORE"
        # Version 1 in a MODIFY: a write made outside the API, just adopted (handlers/publisher.py).
        created = self.event_name == "INSERT" or items.version_of(self.new) == 1
        return "CREATE" if created else "UPDATE"

    @property
    def deleted(self) -> bool:
        return self.op in ("DELETE", "PURGE")
