"""Which CloudFront paths a stored change makes stale, and one invalidation per stream batch
(the invalidator Lambda, handlers/invalidator.py, runs this on the tables' streams).

The old invalidator sent `/*` for every stream batch. This one maps each record to the media
files its old and new images reference (when they change, or when the item is deleted) plus
the per-entity paths from configuration, then sends at most one `CreateInvalidation` per batch
with deduplicated paths (collapsed to per-prefix wildcards beyond `max_paths`). The
CallerReference is derived from the paths and the records' sequence numbers, so a replayed
batch is recognised by CloudFront instead of billed twice. When CloudFront refuses (too many
invalidations in progress, throttling, anything else), the records that needed the call are
reported in `batchItemFailures`, so Lambda retries them: nothing is dropped silently.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import quote, urlsplit

from newsroom.items import unpacked
from newsroom.observability import MetricUnit, logger, metrics
from newsroom.streams import StreamChange

# Fields that name a media file by URL or bucket key; other strings count only when they are
# URLs under the media prefix (a multitrack project's `tracks[].clips[].s3Url`: a clip still in
# the old editor's own bucket is not the site's to invalidate, so `s3Url` is not named here).
MEDIA_FIELDS = ("audioUrl", "audioKey", "imageUrl", "url")
_SAFE_PATH_CHARACTERS = "/*-_.~!$&'()+,;=:@%"
DEFAULT_MEDIA_PREFIX = "/media/"
DEFAULT_MAX_PATHS = 15


@dataclass(frozen=True)
class Rules:
    """What one distribution invalidates: media under `media_prefix`, the pages each entity's
    changes make stale (`per_entity`: {entity: [paths]}), at most `max_paths` paths a call."""

    media_prefix: str = DEFAULT_MEDIA_PREFIX
    per_entity: Mapping[str, list[str]] = field(default_factory=dict)
    max_paths: int = DEFAULT_MAX_PATHS

    def __post_init__(self) -> None:
        object.__setattr__(self, "media_prefix", "/" + (self.media_prefix or DEFAULT_MEDIA_PREFIX).strip("/") + "/")

    def stale_paths(self, change: StreamChange) -> set[str]:
        """The paths one change makes stale: media references that appeared, disappeared or
        were replaced (all of them when the item is deleted), and the entity's configured pages."""
        old, new = media_paths(change.old, self.media_prefix), media_paths(change.new, self.media_prefix)
        paths = (old | new) if change.deleted else (old ^ new)
        return paths | set(self.per_entity.get(change.entity.name, ()))


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


def invalidate(cloudfront: Callable[[], Any], distribution_id: str, rules: Rules,
               needing: list[tuple[dict[str, Any], set[str]]]) -> list[dict[str, str]]:
    """One invalidation for the stale paths of a batch's records (`needing`: each record with
    its paths), through the client `cloudfront()` makes (only when there is something to
    invalidate); the batch item failures to report: every record of `needing` when CloudFront
    refuses, none otherwise."""
    if not needing:
        metrics.add_metric(name="BatchesWithoutInvalidation", unit=MetricUnit.Count, value=1)
        return []
    paths = coalesce(set().union(*(found for _, found in needing)), rules.max_paths)
    sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record, _ in needing]
    try:
        cloudfront().create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths},
                "CallerReference": caller_reference(paths, sequence_numbers),
            },
        )
    except Exception as error:
        code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
        logger.warning("invalidation refused; records reported for retry", extra={"code": code})
        metrics.add_metric(name="InvalidationRetries", unit=MetricUnit.Count, value=len(needing))
        return [{"itemIdentifier": number} for number in sequence_numbers]
    metrics.add_metric(name="InvalidationCalls", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="InvalidatedPaths", unit=MetricUnit.Count, value=len(paths))
    return []
