"""Turn stored changes into the CloudFront paths they make stale, and invalidate only those.

The old invalidator sent `/*` for every stream batch. This one maps each record to the media
files its old and new images reference (when they change, or when the item is deleted) plus
the per-entity paths from configuration, then sends at most one `CreateInvalidation` per batch
with deduplicated paths (collapsed to per-prefix wildcards beyond MAX_INVALIDATION_PATHS).
The CallerReference is derived from the paths and the records' sequence numbers, so a replayed
batch is recognised by CloudFront instead of billed twice. When CloudFront refuses (too many
invalidations in progress, throttling, anything else), the records that needed the call are
reported in `batchItemFailures`, so Lambda retries them: nothing is dropped silently.

Env: DISTRIBUTION_ID, MEDIA_PATH_PREFIX (default /media/), INVALIDATION_PATHS (JSON
{entity: [paths]}, default {}), MAX_INVALIDATION_PATHS (default 15).
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Iterable
from urllib.parse import quote, urlsplit

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from newsroom.items import unpacked
from newsroom.observability import MetricUnit, logger, metrics, tracer
from newsroom.streams import StreamChange
from newsroom.aws import client

processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)

# Fields that name a media file by URL or bucket key; other strings count only when they are
# URLs under the media prefix (a multitrack project's `tracks[].clips[].s3Url`: a clip still in
# the old editor's own bucket is not the site's to invalidate, so `s3Url` is not named here).
MEDIA_FIELDS = ("audioUrl", "audioKey", "imageUrl", "url")
_SAFE_PATH_CHARACTERS = "/*-_.~!$&'()+,;=:@%"


def media_prefix() -> str:
    prefix = os.environ.get("MEDIA_PATH_PREFIX") or "/media/"
    return "/" + prefix.strip("/") + "/"


def _path(value: str, named: bool, prefix: str) -> str | None:
    """The CloudFront path of a media reference: a URL's path, or a bucket key (`media/...`)."""
    value = value.strip()
    if value.startswith(("http://", "https://")):
        path = urlsplit(value).path
    elif value.startswith(prefix.lstrip("/")) or (named and value and "://" not in value):
        path = "/" + value.lstrip("/")
    else:
        return None
    if not named and not path.startswith(prefix):
        return None
    return quote(path, safe=_SAFE_PATH_CHARACTERS) if path not in ("", "/") else None


def media_paths(item: dict[str, Any] | None, prefix: str) -> set[str]:
    """Every media path an item references, at any depth (`sounds[].url` included)."""
    found: set[str] = set()

    def walk(value: Any, field: str | None) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, key)
        elif isinstance(value, list):
            for inner in value:
                walk(inner, field)
        elif isinstance(value, str):
            path = _path(value, field in MEDIA_FIELDS, prefix)
            if path:
                found.add(path)

    walk(unpacked(item) if item else {}, None)  # the packed app fields hold the media URLs
    return found


def configured_paths() -> dict[str, list[str]]:
    return json.loads(os.environ.get("INVALIDATION_PATHS") or "{}")


def stale_paths(change: StreamChange, prefix: str, per_entity: dict[str, list[str]]) -> set[str]:
    """The paths one change makes stale: media references that appeared, disappeared or were
    replaced (all of them when the item is deleted), and the entity's configured pages."""
    old, new = media_paths(change.old, prefix), media_paths(change.new, prefix)
    paths = (old | new) if change.deleted else (old ^ new)
    return paths | set(per_entity.get(change.entity.name, ()))


def _depth(path: str) -> int:
    return len([part for part in path.rstrip("*").split("/") if part])


def _parent_wildcard(path: str) -> str:
    parts = [part for part in path.rstrip("*").split("/") if part]
    return "/" + "/".join(parts[:-1]) + ("/*" if len(parts) > 1 else "*")


def coalesce(paths: Iterable[str], bound: int) -> list[str]:
    """Deduplicated paths; while there are more than `bound`, the deepest ones collapse into a
    wildcard for their folder (`/media/audio/u1/*`, then `/media/audio/*`, ... `/*`)."""
    paths = set(paths)
    while len(paths) > max(bound, 1):
        deepest = max(_depth(path) for path in paths)
        paths = {_parent_wildcard(p) if _depth(p) == deepest else p for p in paths}
        wildcards = [p[:-1] for p in paths if p.endswith("*")]
        paths = {p for p in paths if not any(p != w + "*" and p.startswith(w) for w in wildcards)}
    return sorted(paths)


def caller_reference(paths: list[str], sequence_numbers: Iterable[str]) -> str:
    """The same batch (same records, same paths) always gets the same reference."""
    digest = hashlib.sha256()
    for part in [*paths, "#", *sorted(sequence_numbers)]:
        digest.update(part.encode() + b"\n")
    return digest.hexdigest()


def _stale_paths_of_record(record: DynamoDBRecord) -> set[str]:
    return stale_paths(StreamChange.from_record(record.raw_event), media_prefix(), configured_paths())


def invalidate(paths: list[str], reference: str) -> None:
    client("cloudfront").create_invalidation(
        DistributionId=os.environ["DISTRIBUTION_ID"],
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": reference,
        },
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict, context: Any) -> dict:
    with processor(event["Records"], _stale_paths_of_record, context):
        outcomes = processor.process()
    failures = list(processor.response()["batchItemFailures"])
    # Records whose paths this call covers: if the call fails, they are the ones to retry.
    needing = [(record, paths) for status, paths, record in outcomes if status == "success" and paths]
    if not needing:
        metrics.add_metric(name="BatchesWithoutInvalidation", unit=MetricUnit.Count, value=1)
        return {"batchItemFailures": failures}
    bound = int(os.environ.get("MAX_INVALIDATION_PATHS") or 15)
    paths = coalesce(set().union(*(found for _, found in needing)), bound)
    sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record, _ in needing]
    try:
        invalidate(paths, caller_reference(paths, sequence_numbers))
    except Exception as error:
        code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
        logger.warning("invalidation refused; records reported for retry", extra={"code": code})
        metrics.add_metric(name="InvalidationRetries", unit=MetricUnit.Count, value=len(needing))
        failures += [{"itemIdentifier": number} for number in sequence_numbers]
        return {"batchItemFailures": failures}
    metrics.add_metric(name="InvalidationCalls", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="InvalidatedPaths", unit=MetricUnit.Count, value=len(paths))
    return {"batchItemFailures": failures}
