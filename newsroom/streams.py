"""What the two stream consumers (publisher, invalidator) read from a DynamoDB stream record:
which entity's table it came from, and its old and new items as plain values."""
from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from newsroom import items
from newsroom.aws import from_dynamodb
from newsroom.entities import Entity
from newsroom.tables import Tables


def table_of(event_source_arn: str) -> str:
    """The table that emitted a stream record (`...:table/<name>/stream/<label>`)."""
    return event_source_arn.split(":table/", 1)[-1].split("/stream/", 1)[0]


def entity_of(event_source_arn: str, tables: Tables) -> Entity:
    """The entity whose table emitted the record; LookupError for a table not among `tables`."""
    return tables.entity_of(table_of(event_source_arn))


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
    def from_record(cls, record: dict[str, Any], tables: Tables) -> "StreamChange":
        """The change one record of a stream of `tables` shows."""
        stream = record["dynamodb"]
        old, new = stream.get("OldImage"), stream.get("NewImage")
        return cls(
            entity=entity_of(record["eventSourceARN"], tables),
            event_name=record["eventName"],
            old=_image(old),
            new=_image(new),
            approximate_ms=int(float(stream.get("ApproximateCreationDateTime", 0)) * 1000),
            sequence_number=stream["SequenceNumber"],
        )

    @property
    def op(self) -> str:
        """The API's ChangeOp of this write (newsroom.items.change_op, the one rule)."""
        return items.change_op(self.new, previous=self.old, inserted=self.event_name == "INSERT",
                               removed=self.event_name == "REMOVE")

    @property
    def deleted(self) -> bool:
        return self.op in ("DELETE", "PURGE")
