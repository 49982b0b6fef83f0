"""How one row of the legacy stores becomes a platform item: the rule the one-off migration
(tools/migrate.py) and the bridge that keeps carrying the scheduled jobs' writes
(newsroom/bridging.py) both apply, so an item is carried over the same way whoever carries it.

- The item is built by the API's own rules (newsroom.items: normalisation, versions, owner).
- It is written only if the platform lacks it or holds an older version of it, with a
  conditional write: an edit made through the API meanwhile is never overwritten.
- "Older" compares when the legacy store wrote the row with when the platform item was last
  written (`last_written`). Replaying a row therefore writes nothing, and of several rows of one
  id the most recently written wins, whatever order they arrive in.
"""
from __future__ import annotations

from typing import Any

from newsroom.aws import from_dynamodb, to_dynamodb
from newsroom.entities import INDEX_ATTRIBUTES, SYSTEM_ATTRIBUTES, Entity
from newsroom.errors import ValidationError
from newsroom.items import (
    check_size, epoch_ms, is_tombstone, new_item, replaced_item, unpacked, version_of,
)
from newsroom.tables import Tables

# Who the bridge writes as: `updatedBy` of every write it carries, `ownerId` of the items the
# jobs create (no newsroom account ran the job).
SCHEDULED_JOBS = "scheduled-jobs"
# On an item the bridge wrote: when the job wrote the row (epoch ms). The item's own `updatedAt`
# is the bridge's clock, so that the change enters the catch-up feed when it happens.
LEGACY_WRITTEN_AT = "legacyWrittenAt"
_NOT_APP_FIELDS = set(SYSTEM_ATTRIBUTES) | set(INDEX_ATTRIBUTES) | {"id", LEGACY_WRITTEN_AT}


def last_written(stored: dict[str, Any]) -> int:
    """When a legacy row must have been written to replace this stored item: when the job
    wrote the row the bridge carried last (the bridge's own write comes later and must not hide
    the job's next one), else the item's `updatedAt` (an edit in the newsroom, the migration)."""
    written_at = unpacked(stored).get(LEGACY_WRITTEN_AT)  # packed with the app's fields
    if stored.get("updatedBy") == SCHEDULED_JOBS and written_at is not None:
        return epoch_ms(written_at) or 0
    return epoch_ms(stored.get("updatedAt")) or 0


def app_fields(item: dict[str, Any]) -> dict[str, Any]:
    """The fields the newsroom wrote (what "unchanged" compares), packed or not."""
    return {key: value for key, value in unpacked(item).items() if key not in _NOT_APP_FIELDS}


def refuse_tombstone(data: dict[str, Any]) -> None:
    """ValidationError for a row whose latest copy says "deleted" (a restored platform table
    as a source): carrying it over must not bring it back to life."""
    if data.get("deletedAt") is not None:
        raise ValidationError("deleted (tombstone): not migrated")


def carry_over(
    tables: Tables,
    entity: Entity,
    data: dict[str, Any],
    *,
    item_id: str,
    owner: str,
    written_ms: int,
    created_ms: int | None,
    writer: str | None = None,
    now_ms: int | None = None,
    dry_run: bool = False,
) -> str:
    """Write one legacy row's item unless the platform already holds it or something newer.

    `written_ms`: when the legacy store wrote the row. `writer` (default `owner`) is recorded as
    `updatedBy`. Without `now_ms` (the migration) the item keeps the legacy times; with it (the
    bridge) the item is stamped with that clock and remembers `written_ms` in LEGACY_WRITTEN_AT.
    Returns `created`, `updated`, `unchanged` (the platform holds the same fields) or
    `skipped_newer` (the platform holds a later edit, kept). ValidationError when the row cannot
    become an item (a tombstone, embedded audio, too large...)."""
    refuse_tombstone(data)
    writer = writer or owner
    if now_ms is not None:
        data = {**data, LEGACY_WRITTEN_AT: written_ms}
    stamp = written_ms if now_ms is None else now_ms
    candidate = new_item(entity, data, item_id=item_id, owner_id=owner, updated_by=writer,
                         now_ms=stamp, created_at=created_ms or written_ms)
    check_size(candidate)
    dynamodb, table = tables.dynamodb(), tables.name(entity)
    found = dynamodb.get_item(TableName=table, Key={"id": {"S": item_id}}, ConsistentRead=True)
    stored = from_dynamodb(found["Item"]) if "Item" in found else None
    if stored is None:
        return _put(dynamodb, table, candidate, "created", "attribute_not_exists(id)", {}, dry_run)
    if not is_tombstone(stored) and app_fields(stored) == app_fields(candidate):
        return "unchanged"
    if last_written(stored) >= written_ms:
        return "skipped_newer"
    # An older version (an earlier run over a staler row, a job's previous write, an edit the
    # job now supersedes): replaced like an API update would, version + 1, owner and createdAt
    # kept. A tombstone is replaced too: the job wrote the item again after it was deleted.
    replacement = replaced_item(entity, stored, data, updated_by=writer, now_ms=stamp)
    check_size(replacement)
    if "version" in stored:
        condition, values = "version = :seen", {":seen": {"N": str(version_of(stored))}}
    else:
        condition, values = "attribute_not_exists(version)", {}
    return _put(dynamodb, table, replacement, "updated", condition, values, dry_run)


def _put(dynamodb, table: str, item: dict, outcome: str, condition: str, values: dict,
         dry_run: bool) -> str:
    if dry_run:
        return outcome
    extra = {"ExpressionAttributeValues": values} if values else {}
    try:
        dynamodb.put_item(TableName=table, Item=to_dynamodb(item), ConditionExpression=condition, **extra)
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return "skipped_newer"  # someone saved it through the API meanwhile: theirs stays
    return outcome
