"""What every Lambda entry point wraps its work in: Powertools' structured log (with the
invocation's context), trace and metrics around each invocation, and, for the stream consumers,
one BatchProcessor per build reporting failed records in `batchItemFailures` (the event source
mapping retries those only)."""
from __future__ import annotations

from typing import Any, Callable

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)

from newsroom.observability import logger, metrics, tracer

Handler = Callable[[dict, Any], dict]


def instrumented(handler: Handler) -> Handler:
    """`handler` with the invocation's context in every log line, its trace, and its metrics
    flushed at the end."""
    return logger.inject_lambda_context(
        tracer.capture_lambda_handler(capture_response=False)(metrics.log_metrics(handler))
    )


def stream_processor() -> BatchProcessor:
    """A partial-batch processor of DynamoDB stream records (one per build: it holds the batch
    being processed)."""
    return BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


def stream_consumer(record_handler: Callable[[dict], None]) -> Handler:
    """A handler calling `record_handler(raw stream record)` for each record of the batch; a
    record whose call raises is reported for retry, the others are done."""
    processor = stream_processor()

    def handler(event: dict, context: Any) -> dict:
        return process_partial_response(
            event=event, record_handler=lambda record: record_handler(record.raw_event),
            processor=processor, context=context,
        )

    return instrumented(handler)
