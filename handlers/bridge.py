"""The bridge Lambda: each record of the legacy tables' streams carried into the platform's
tables (newsroom/bridging.py); records that cannot become an item are reported in
`batchItemFailures` (retried a bounded number of times, then sent to the failure queue).

Environment: `LEGACY_TABLES` (JSON: legacy table name → entity, e.g.
`{"saint-esprit-news": "news"}`) and the platform's `TABLE_*` variables.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from handlers.environment import Handler, Misconfigured, from_environment
from newsroom import bridging
from newsroom.observability import logger, metrics, tracer
from newsroom.tables import Tables


def build(tables: Tables, *, legacy_tables: Mapping[str, str]) -> Handler:
    """The bridge from the legacy tables named in `legacy_tables` (legacy table name → entity
    name) into `tables`; ValueError when a value is not an entity."""
    bridged = bridging.bridged_entities(legacy_tables)
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)

    def carry_record(record: DynamoDBRecord) -> None:
        bridging.carry_record(tables, bridged, record.raw_event)

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def handler(event: dict, context: Any) -> dict:
        return process_partial_response(
            event=event, record_handler=carry_record, processor=processor, context=context
        )

    return handler


def _deployed(environ: Mapping[str, str]) -> Handler:
    try:
        return build(Tables.from_env(environ), legacy_tables=json.loads(environ.get("LEGACY_TABLES") or "{}"))
    except ValueError as error:  # JSONDecodeError is one
        raise Misconfigured(f"environment variable LEGACY_TABLES: {error}") from None


handler = from_environment(_deployed)
