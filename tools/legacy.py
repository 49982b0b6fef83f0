"""Read the legacy stores (only read: nothing here writes) and collapse their duplicates.

Two sources hold the newsroom's data today:
- the old S3 store: one whole document per user at `users/{user}/data.json`;
- the current DynamoDB tables keyed `(id, createdAt)`, where one logical item can have many rows
  (writers used different `createdAt` values for the same id).

Both are read to the end of their pages: the old app ignored `LastEvaluatedKey` and silently lost
everything past the first megabyte.
"""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterator

from newsroom.entities import ENTITIES
from newsroom.items import epoch_ms
from newsroom.aws import from_dynamodb

# Where each entity's list lives in a legacy user document. The oldest documents say `conductor`.
DOCUMENT_LISTS = {
    "news": ("news",),
    "animations": ("animations",),
    "blocks": ("blocks",),
    "conductors": ("conductors", "conductor"),
    "journals": ("journals",),
}
# Page size of the reads; every read follows its continuation token to the end.
PAGE_SIZE = 500
DEFAULT_TABLES = {entity.name: f"saint-esprit-{entity.name}" for entity in ENTITIES}


@dataclass
class LegacyRecord:
    """One copy of one item as a legacy store holds it."""

    entity: str
    data: dict[str, Any]
    source: str  # "s3://bucket/users/x/data.json" or "dynamodb://table"
    legacy_user: str | None = None  # the S3 document's user name
    document_user_id: str | None = None  # the document's `userId` (a name or an old Cognito sub)
    document_saved_ms: int | None = None  # the document's `lastModified`
    object_modified_ms: int | None = None  # S3's LastModified of the document

    @property
    def id(self) -> str | None:
        value = self.data.get("id")
        if value is None or value == "":
            return None
        return str(value)  # legacy numeric ids are stored as strings from now on

    @property
    def created_ms(self) -> int | None:
        return epoch_ms(self.data.get("createdAt"))

    @property
    def updated_ms(self) -> int:
        """When this copy last changed: `updatedAt`, else `createdAt`, else when its document was
        saved (its `lastModified`, else S3's LastModified of the object), else 0 (never the time
        of the run: a re-run must see the same time)."""
        return (epoch_ms(self.data.get("updatedAt")) or self.created_ms or self.document_saved_ms
                or self.object_modified_ms or 0)

    @property
    def recency(self) -> tuple[int, int, int]:
        """Sort key of duplicates: the most recently updated wins; on a tie the DynamoDB row
        (the store the app writes today) beats an S3 document."""
        return (self.updated_ms, self.created_ms or 0, self.source.startswith("dynamodb"))


@dataclass
class Malformed:
    source: str
    error: str


@dataclass
class Duplicate:
    """The copies of one id that lost to a more recent one."""

    entity: str
    id: str
    kept: LegacyRecord
    dropped: list[LegacyRecord] = field(default_factory=list)

    def as_report(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "id": self.id,
            "kept": {"source": self.kept.source, "updatedAt": self.kept.updated_ms},
            "dropped": [{"source": r.source, "updatedAt": r.updated_ms} for r in self.dropped],
        }


def user_key(name: str) -> str:
    """How the old app named users: a display name lower-cased, without spaces or accents
    ("Morgane Poirier" → "morganepoirier")."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).lower()


def read_s3_documents(
    s3, bucket: str, prefix: str = "users/"
) -> Iterator[LegacyRecord | Malformed]:
    """Every item of every `users/{user}/data.json`; a document that is not valid JSON or not an
    object is yielded as Malformed (reported and skipped, never fatal)."""
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(
        Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": PAGE_SIZE}
    ):
        for summary in page.get("Contents", []):
            key = summary["Key"]
            parts = key[len(prefix):].split("/")
            if len(parts) != 2 or parts[1] != "data.json":
                continue
            source = f"s3://{bucket}/{key}"
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            try:
                document = json.loads(body)
            except (ValueError, UnicodeDecodeError) as error:
                yield Malformed(source, f"not valid JSON: {error}")
                continue
            if not isinstance(document, dict):
                yield Malformed(source, f"not a user document: a JSON {type(document).__name__}")
                continue
            modified_ms = int(summary["LastModified"].timestamp() * 1000)
            yield from _document_records(document, source, parts[0], modified_ms)


def _document_records(
    document: dict, source: str, legacy_user: str, modified_ms: int
) -> Iterator[LegacyRecord]:
    document_user_id = document.get("userId")
    saved_ms = epoch_ms(document.get("lastModified"))
    for entity, keys in DOCUMENT_LISTS.items():
        for key in keys:
            items = document.get(key) or []
            if isinstance(items, dict):  # a single conductor object in the oldest documents
                items = [items]
            for item in items:
                if isinstance(item, dict):
                    yield LegacyRecord(entity, item, source, legacy_user, document_user_id,
                                       saved_ms, modified_ms)


def read_dynamodb_tables(dynamodb, tables: dict[str, str]) -> Iterator[LegacyRecord]:
    """Every row of the legacy tables (`entity → table name`), page after page."""
    paginator = dynamodb.get_paginator("scan")
    for entity, table in tables.items():
        for page in paginator.paginate(
            TableName=table, ConsistentRead=True, PaginationConfig={"PageSize": PAGE_SIZE}
        ):
            for row in page.get("Items", []):
                yield LegacyRecord(entity, from_dynamodb(row), f"dynamodb://{table}")


def collapse_duplicates(
    records: list[LegacyRecord],
) -> tuple[list[LegacyRecord], list[Duplicate]]:
    """One record per (entity, id): the most recently updated. Returns the winners (in first-seen
    order) and, for each id that had several copies, what was dropped."""
    groups: dict[tuple[str, str], list[LegacyRecord]] = {}
    for record in records:
        groups.setdefault((record.entity, record.id), []).append(record)
    winners, duplicates = [], []
    for (entity, item_id), copies in groups.items():
        ordered = sorted(copies, key=lambda r: r.recency, reverse=True)
        winners.append(ordered[0])
        if len(ordered) > 1:
            duplicates.append(Duplicate(entity, item_id, ordered[0], ordered[1:]))
    return winners, duplicates
