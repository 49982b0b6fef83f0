"""The publisher Lambda: each record of the tables' streams adopted or published
(newsroom/publishing.py), failed records reported in `batchItemFailures` to be retried.

Environment: the tables' `TABLE_*`, `GRAPHQL_URL` (the API) and `AWS_REGION` (its region)."""
from __future__ import annotations

from typing import Any, Mapping

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from handlers.environment import Handler, from_environment, required
from newsroom import publishing
from newsroom.observability import logger, metrics, tracer
from newsroom.tables import Tables


def build(tables: Tables, *, graphql_url: str, region: str, cafile: str | None = None) -> Handler:
    """The publisher of `tables`' changes to the API at `graphql_url` in `region`; `cafile`: an
    extra CA to trust for it (the local stack's own)."""
    appsync = publishing.AppSyncEndpoint(graphql_url, region, cafile)
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)

    def publish_record(record: DynamoDBRecord) -> None:
        publishing.publish_record(tables, appsync, record.raw_event)

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def handler(event: dict, context: Any) -> dict:
        return process_partial_response(
            event=event, record_handler=publish_record, processor=processor, context=context
        )

    return handler


def _deployed(environ: Mapping[str, str]) -> Handler:
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or required(environ, "AWS_REGION")
    return build(Tables.from_env(environ), graphql_url=required(environ, "GRAPHQL_URL"), region=region)


handler = from_environment(_deployed)
