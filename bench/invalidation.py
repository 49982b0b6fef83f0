"""Invalidation cost of a burst of 1,000 changes arriving in 10 stream batches.

The invalidator runs against moto's CloudFront on the same burst the old design would have
handled with one `/*` invalidation per batch. A quarter of the changes attach or replace audio
(six journalists, so six media folders); two batches are text-only edits. Target: at most one
CreateInvalidation per batch, none for a batch without cacheable changes.

CloudFront bills per path (a wildcard counts as one) beyond 1,000 free paths a month; `/*`
also empties the whole cache, so every asset and media file is fetched from S3 again.

Run: .venv/bin/python -m bench.invalidation     (from the repository's root)
"""
from __future__ import annotations

import contextlib
import io

from bench.lambda_events import context, stream_record
from bench.list_reads import local_aws
from devstack import process
from newsroom import items
from newsroom.tables import Tables

CHANGES, BATCHES = 1_000, 10
TEXT_ONLY_BATCHES = {3, 7}
JOURNALISTS = 6
MEDIA = "https://www.example.org/media/audio"


def stored(news, item_id: str, version: int, **fields) -> dict:
    """A news as the API stores it (owner journalist-1; the app's fields packed)."""
    item = items.new_item(news, {"title": item_id, **fields}, item_id=item_id, owner_id="journalist-1",
                          updated_by="journalist-1", now_ms=1_763_451_000_000)
    return {**item, "version": version}


def invalidations(cloudfront, distribution_id: str) -> list[list[str]]:
    """The paths of every invalidation moto's CloudFront holds, in the order they were made."""
    summaries = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"].get("Items", [])
    return [cloudfront.get_invalidation(DistributionId=distribution_id, Id=summary["Id"])
            ["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] for summary in summaries]


def burst(tables: Tables, news) -> tuple[list[list[dict]], int]:
    """10 batches of 100 stream records: edits of news, a quarter of them with new audio
    (outside the text-only batches); and how many replace their audio."""
    batches, replaced = [], 0
    for b in range(BATCHES):
        records = []
        for n in range(CHANGES // BATCHES):
            number = b * 100 + n
            folder = f"{MEDIA}/eu-west-3:journalist-{(number // 4) % JOURNALISTS}"
            new_audio = b not in TEXT_ONLY_BATCHES and n % 4 == 0
            replaced += new_audio
            before = stored(news, f"news-{number}", 1, audioUrl=f"{folder}/news-{number}-v1.mp3")
            after = stored(news, f"news-{number}", 2, title="relu",
                           audioUrl=f"{folder}/news-{number}-v{2 if new_audio else 1}.mp3")
            records.append(stream_record(tables, news, "MODIFY", before, after))
        batches.append(records)
    return batches, replaced


def main() -> None:
    from devstack.provision import create_distribution
    from handlers import invalidator
    from newsroom import aws
    from newsroom.entities import BY_NAME

    process.set_up()
    with local_aws("bench-invalidation") as tables:
        cloudfront = aws.client("cloudfront", tables.endpoint_url, tables.region)
        distribution_id = create_distribution(cloudfront, "bench-media")
        handler = invalidator.build(tables, distribution_id=distribution_id)
        batches, replaced = burst(tables, BY_NAME["news"])
        calls_per_batch, paths_per_batch = [], []
        for records in batches:
            before = invalidations(cloudfront, distribution_id)
            with contextlib.redirect_stdout(io.StringIO()):  # Powertools metrics lines
                response = handler({"Records": records}, context("saint-esprit-invalidator"))
            assert response["batchItemFailures"] == []
            made = invalidations(cloudfront, distribution_id)[len(before):]
            calls_per_batch.append(len(made))
            paths_per_batch.append(sum(len(paths) for paths in made))

    old_calls = old_paths = BATCHES  # "/*" for every batch
    new_calls, new_paths = sum(calls_per_batch), sum(paths_per_batch)
    idle = [calls_per_batch[b] for b in sorted(TEXT_ONLY_BATCHES)]
    print(f"burst: {CHANGES} changes in {BATCHES} batches; {len(TEXT_ONLY_BATCHES)} batches text-only; "
          f"{replaced} audio replacements ({replaced * 2} media paths stale: the old file and the new)")
    print(f"CreateInvalidation calls: {new_calls} (old design {old_calls}) = {new_calls / old_calls:.2f}x; "
          f"max per batch {max(calls_per_batch)} (target <= 1); text-only batches {idle} (target 0)")
    print(f"billed paths: {new_paths} (old design {old_paths}, each '/*') = {new_paths / old_paths:.2f}x; "
          f"per batch {paths_per_batch}")
    print(f"at $0.005 per path beyond the free 1,000 a month: {new_paths} paths = ${new_paths * 0.005:.2f} "
          f"for this burst if the free tier is used up (old design ${old_paths * 0.005:.2f})")
    print(f"cache emptied: 0 times (old design {old_calls} times: every cached file refetched after each batch)")


if __name__ == "__main__":
    main()
