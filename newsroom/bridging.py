"""Carry the scheduled jobs' writes from the legacy tables into the platform, as they happen
(the bridge Lambda, handlers/bridge.py, runs this on each record of the legacy tables' streams).

The station's jobs (Flash Info downloader, KTO morning recorder, RSS imports) keep writing into
the legacy table `saint-esprit-news`, keyed `(id, createdAt)`, after the cut-over. This function
consumes that table's stream and applies the migration's own rule to each row
(newsroom.legacy.carry_over): the row becomes a complete platform item (version, index
attributes, owner), written with a conditional PutItem. That write is a record of the platform
table's stream like any API write, so the publisher publishes it and the invalidator
invalidates it: the item is listed, caught up and pushed to every open newsroom.

- When the job wrote the row: its `updatedAt`, else the stream's time of the write. A row
  replaces the platform item only if written after the item's last write
  (newsroom.legacy.last_written): a journalist's edit made after the job's write stays until the
  job writes that item again. A row whose fields the platform already holds writes nothing, so
  replays (retried batches, a stream read from its start) write nothing.
- Duplicates: every row of one id lands on the same platform item (keyed by id alone); the most
  recently written wins whatever order the rows arrive in.
- REMOVE (a row deleted from the legacy table) is not carried: the platform owns deletions
  since the cut-over (the newsroom deletes through the app), and the jobs only create and update
  (a removed row is housekeeping or a duplicate being cleaned up). Counted, never an error.
- A record that cannot become an item (no new image, no id, a binary attribute, base64 audio,
  over the size limits, a tombstone) is a ValidationError naming why: reported in
  `batchItemFailures`, retried a bounded number of times, then sent to the failure queue whose
  alarm tells a human. The rest of the batch is carried.
"""
from __future__ import annotations

import decimal
from typing import Any, Mapping

from newsroom import items
from newsroom.aws import from_dynamodb
from newsroom.entities import BY_NAME, Entity
from newsroom.errors import ValidationError
from newsroom.legacy import SCHEDULED_JOBS, carry_over
from newsroom.observability import MetricUnit, logger, metrics
from newsroom.streams import table_of
from newsroom.tables import Tables

# The metric each outcome of newsroom.legacy.carry_over counts under.
OUTCOME_METRICS = {
    "created": "LegacyWritesCarried",
    "updated": "LegacyWritesCarried",
    "unchanged": "LegacyWritesUnchanged",
    "skipped_newer": "LegacyWritesOlderThanPlatform",
}


def bridged_entities(legacy_tables: Mapping[str, str]) -> dict[str, Entity]:
    """`{legacy table name: entity name}` → `{legacy table name: Entity}`; ValueError naming
    what is not an entity."""
    if not isinstance(legacy_tables, Mapping):
        raise ValueError("the bridged tables must be an object of legacy table → entity")
    unknown = sorted(str(name) for name in legacy_tables.values()
                     if not isinstance(name, str) or name not in BY_NAME)
    if unknown:
        raise ValueError(f"{unknown} are not entities: one of {', '.join(BY_NAME)}")
    return {table: BY_NAME[name] for table, name in legacy_tables.items()}


def legacy_entity(event_source_arn: str, bridged: Mapping[str, Entity]) -> Entity:
    """The entity whose legacy table emitted the record, among the `bridged` ones."""
    table = table_of(event_source_arn)
    if table not in bridged:
        raise LookupError(f"stream of table {table!r} is not a bridged legacy table (LEGACY_TABLES)")
    return bridged[table]


def _binary_attribute(image: dict[str, Any], path: str = "") -> str | None:
    """The path of the first binary value (`B`/`BS`) in a wire-format image, if any."""
    for name, value in image.items():
        where = f"{path}.{name}" if path else str(name)
        if not isinstance(value, dict):
            continue
        if "B" in value or "BS" in value:
            return where
        inner = value.get("M")
        if isinstance(inner, dict) and (found := _binary_attribute(inner, where)):
            return found
        for n, element in enumerate(value.get("L") or []):
            if isinstance(element, dict) and (found := _binary_attribute({f"[{n}]": element}, where)):
                return found.replace(".[", "[")
    return None


def legacy_row(image: Any) -> dict[str, Any]:
    """A legacy row's new image as plain values; ValidationError when it is none or holds what
    no newsroom item can (binary values: the app writes JSON, a job writing bytes is a bug)."""
    if not isinstance(image, dict) or not image:
        raise ValidationError("the record has no new image: the legacy table's stream must show "
                              "NEW_AND_OLD_IMAGES (docs/runbooks/cut-over.md)")
    binary = _binary_attribute(image)
    if binary is not None:
        raise ValidationError(f"{binary} is a binary value: a newsroom item holds JSON values only")
    try:
        return from_dynamodb(image)
    except (TypeError, ValueError, AttributeError, decimal.DecimalException) as error:
        raise ValidationError(f"the new image is not a readable DynamoDB item: {error}") from None


def carry_record(tables: Tables, bridged: Mapping[str, Entity], raw: dict[str, Any]) -> None:
    """Carry the write one record of a `bridged` legacy table's stream shows into `tables`;
    raises (ValidationError, LookupError) to report the record failed."""
    stream = raw.get("dynamodb") or {}
    try:
        entity = legacy_entity(raw.get("eventSourceARN") or "", bridged)
        if raw.get("eventName") == "REMOVE":
            metrics.add_metric(name="LegacyRemovalsIgnored", unit=MetricUnit.Count, value=1)
            logger.info("a legacy row was removed: not carried (the platform owns deletions)",
                        extra={"entity": entity.name, "keys": stream.get("Keys")})
            return
        row = legacy_row(stream.get("NewImage"))
        item_id = items.client_id(row.get("id"))
        written_ms = items.epoch_ms(row.get("updatedAt")) or int(
            float(stream.get("ApproximateCreationDateTime") or 0) * 1000)
        outcome = carry_over(
            tables, entity, row, item_id=item_id, owner=SCHEDULED_JOBS, writer=SCHEDULED_JOBS,
            written_ms=written_ms, created_ms=items.epoch_ms(row.get("createdAt")),
            now_ms=items.now_ms(),
        )
    except (ValidationError, LookupError) as error:
        metrics.add_metric(name="LegacyRowsRejected", unit=MetricUnit.Count, value=1)
        logger.warning("a legacy row cannot become a newsroom item",
                       extra={"source": raw.get("eventSourceARN"), "keys": stream.get("Keys"),
                              "reason": str(error), "sequence": stream.get("SequenceNumber")})
        raise
    metrics.add_metric(name=OUTCOME_METRICS[outcome], unit=MetricUnit.Count, value=1)
    logger.info("legacy write " + outcome, extra={"entity": entity.name, "id": item_id})
