"""The invalidator Lambda: the CloudFront paths each batch of the tables' streams makes stale,
invalidated in one call (newsroom/invalidation.py); records whose invalidation CloudFront
refused are reported in `batchItemFailures` to be retried.

Environment: the tables' `TABLE_*`, DISTRIBUTION_ID, MEDIA_PATH_PREFIX (default /media/),
INVALIDATION_PATHS (JSON {entity: [paths]}, default {}), MAX_INVALIDATION_PATHS (default 15).
"""
from __future__ import annotations

import functools
import json
from typing import Any, Mapping

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from handlers.environment import Misconfigured, from_environment, integer, required
from handlers.runtime import Handler, instrumented, stream_processor
from newsroom import aws, invalidation
from newsroom.streams import StreamChange
from newsroom.tables import Tables


def build(
    tables: Tables,
    *,
    distribution_id: str,
    media_prefix: str = invalidation.DEFAULT_MEDIA_PREFIX,
    invalidation_paths: Mapping[str, list[str]] | None = None,
    max_paths: int = invalidation.DEFAULT_MAX_PATHS,
) -> Handler:
    """The invalidator of `distribution_id` for `tables`' changes (newsroom.invalidation.Rules
    for the other arguments)."""
    rules = invalidation.Rules(media_prefix, dict(invalidation_paths or {}), max_paths)
    cloudfront = functools.partial(aws.client, "cloudfront", tables.endpoint_url, tables.region)
    processor = stream_processor()

    def stale_paths(record: DynamoDBRecord) -> set[str]:
        return rules.stale_paths(StreamChange.from_record(record.raw_event, tables))

    @instrumented
    def handler(event: dict, context: Any) -> dict:
        with processor(event["Records"], stale_paths, context):
            outcomes = processor.process()
        failures = list(processor.response()["batchItemFailures"])
        # Records whose paths the call covers: if it fails, they are the ones to retry.
        needing = [(record, paths) for status, paths, record in outcomes if status == "success" and paths]
        failures += invalidation.invalidate(cloudfront, distribution_id, rules, needing)
        return {"batchItemFailures": failures}

    return handler


def _deployed(environ: Mapping[str, str]) -> Handler:
    try:
        paths = json.loads(environ.get("INVALIDATION_PATHS") or "{}")
    except ValueError:
        raise Misconfigured("environment variable INVALIDATION_PATHS is not JSON") from None
    return build(
        Tables.from_env(environ),
        distribution_id=required(environ, "DISTRIBUTION_ID"),
        media_prefix=environ.get("MEDIA_PATH_PREFIX") or invalidation.DEFAULT_MEDIA_PREFIX,
        invalidation_paths=paths,
        max_paths=integer(environ, "MAX_INVALIDATION_PATHS", invalidation.DEFAULT_MAX_PATHS),
    )


handler = from_environment(_deployed)
