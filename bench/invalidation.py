"""Invalidation cost of a burst of 1,000 changes arriving in 10 stream batches.

The invalidator runs against moto's CloudFront on the same burst the old design would have
handled with one `/*` invalidation per batch. A quarter of the changes attach or replace audio
(six journalists, so six media folders); two batches are text-only edits. Target: at most one
CreateInvalidation per batch, none for a batch without cacheable changes.

CloudFront bills per path (a wildcard counts as one) beyond 1,000 free paths a month; `/*`
also empties the whole cache, so every asset and media file is fetched from S3 again.

Run: .venv/bin/python bench/invalidation.py
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "functional"))

from list_reads import local_aws  # noqa: E402  (bench/ is the script's folder)

CHANGES, BATCHES = 1_000, 10
TEXT_ONLY_BATCHES = {3, 7}
JOURNALISTS = 6
MEDIA = "https://www.example.org/media/audio"


def burst(news) -> list[list[dict]]:
    """10 batches of 100 stream records: edits of news, a quarter of them with new audio."""
    from stream_records import record, stored

    batches = []
    for b in range(BATCHES):
        records = []
        for n in range(CHANGES // BATCHES):
            number = b * 100 + n
            folder = f"{MEDIA}/eu-west-3:journalist-{(number // 4) % JOURNALISTS}"
            before = stored(news, f"news-{number}", audioUrl=f"{folder}/news-{number}-v1.mp3")
            after = {**before, "title": "relu", "version": 2}
            if b not in TEXT_ONLY_BATCHES and n % 4 == 0:
                after["audioUrl"] = f"{folder}/news-{number}-v2.mp3"
            records.append(record(news, "MODIFY", before, after))
        batches.append(records)
    return batches


def main() -> None:
    from handlers import invalidator
    from newsroom.entities import BY_NAME
    from stream_records import CONTEXT, batch, cloudfront_distribution, invalidations

    with local_aws("bench-invalidation"):
        os.environ["DISTRIBUTION_ID"] = distribution_id = cloudfront_distribution()
        batches = burst(BY_NAME["news"])
        calls_per_batch, paths_per_batch = [], []
        for records in batches:
            before = invalidations(distribution_id)
            with contextlib.redirect_stdout(io.StringIO()):  # Powertools metrics lines
                response = invalidator.handler(batch(*records), CONTEXT)
            assert response["batchItemFailures"] == []
            made = invalidations(distribution_id)[len(before):]
            calls_per_batch.append(len(made))
            paths_per_batch.append(sum(len(paths) for paths in made))
        precise = sum(1 for records in batches for r in records
                      if r["dynamodb"]["NewImage"]["audioUrl"] != r["dynamodb"]["OldImage"]["audioUrl"]) * 2

    old_calls = old_paths = BATCHES  # "/*" for every batch
    new_calls, new_paths = sum(calls_per_batch), sum(paths_per_batch)
    idle = [calls_per_batch[b] for b in sorted(TEXT_ONLY_BATCHES)]
    print(f"burst: {CHANGES} changes in {BATCHES} batches; {len(TEXT_ONLY_BATCHES)} batches text-only; "
          f"{precise // 2} audio replacements ({precise} media paths stale)")
    print(f"CreateInvalidation calls: {new_calls} (old design {old_calls}) = {new_calls / old_calls:.2f}x; "
          f"max per batch {max(calls_per_batch)} (target <= 1); text-only batches {idle} (target 0)")
    print(f"billed paths: {new_paths} (old design {old_paths}, each '/*') = {new_paths / old_paths:.2f}x; "
          f"per batch {paths_per_batch}")
    print(f"at $0.005 per path beyond the free 1,000 a month: {new_paths} paths = ${new_paths * 0.005:.2f} "
          f"for this burst if the free tier is used up (old design ${old_paths * 0.005:.2f})")
    print(f"cache emptied: 0 times (old design {old_calls} times: every cached file refetched after each batch)")


if __name__ == "__main__":
    main()
