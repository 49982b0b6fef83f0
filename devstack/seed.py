"""Realistic newsroom items written straight into the local stack's tables, in their stored
form (newsroom.items.new_item: the same indexes and system fields as an API write), many at a
time: the e2e load test and the browser benchmarks (bench/load.py, bench/app_session.py) fill
the tables this way.

    written = seed(stack, {"news": 3000, "conductors": 500}, prefix="load")
"""
from __future__ import annotations

import time
from itertools import islice
from typing import Iterator

from newsroom.aws import to_dynamodb
from newsroom.entities import BY_NAME
from newsroom.items import new_item

# DynamoDB takes at most 25 writes per BatchWriteItem.
BATCH = 25
PARAGRAPH = ("Le conseil municipal a voté hier soir le budget de la saison culturelle, "
             "après un débat de plus de deux heures sur la rénovation du théâtre. ")


def app_fields(entity: str, n: int) -> dict:
    """What the station's app writes for one item, at the sizes docs/domain.md gives (a news
    about 3 KB, a conductor of 12 segments about 2 KB)."""
    title = f"{entity} {n:05d}"
    if entity in ("news", "animations"):
        return {"title": title, "content": PARAGRAPH * 18, "lancement": PARAGRAPH, "pied": "Fin.",
                "status": "ready", "category": "local" if entity == "news" else "chronique",
                "author": "Rédaction", "scheduledDate": "2026-11-24", "duration": 45}
    if entity == "conductors":
        segments = [{"id": f"seg-{i}", "type": "news", "title": f"Segment {i}", "content": f"news-{i}",
                     "duration": 60, "order": i} for i in range(12)]
        return {"title": title, "scheduledDate": "2026-11-24", "author": "Rédaction", "segments": segments}
    if entity == "journals":
        return {"title": title, "scheduledDate": "2026-11-24", "scheduledTime": "07:00",
                "newsIds": [f"news-{i}" for i in range(8)], "targetDuration": 900, "tolerance": 30}
    return {"title": title, "author": "Rédaction", "plannedDuration": "5:00",
            "items": [{"type": "news", "id": f"news-{i}", "order": i} for i in range(5)]}


def stored_items(entity: str, count: int, owner_id: str, prefix: str) -> Iterator[dict]:
    """`count` items of `entity` in their stored form, ids `<prefix>-<id prefix>-<n>`."""
    definition = BY_NAME[entity]
    now = int(time.time() * 1000)
    for n in range(count):
        yield new_item(definition, app_fields(entity, n), item_id=f"{prefix}-{definition.id_prefix}-{n}",
                       owner_id=owner_id, updated_by=owner_id, now_ms=now - count + n)


def write_batches(dynamodb, table: str, stored: list[dict] | Iterator[dict]) -> None:
    """Write stored items in batches of 25, retrying what DynamoDB leaves unprocessed."""
    rows = iter(stored)
    while batch := list(islice(rows, BATCH)):
        requests = [{"PutRequest": {"Item": to_dynamodb(item)}} for item in batch]
        while requests:
            unprocessed = dynamodb.batch_write_item(RequestItems={table: requests})["UnprocessedItems"]
            requests = unprocessed.get(table, [])


def seed(stack, counts: dict[str, int], owner: str = "journalist", prefix: str = "seed") -> list[dict]:
    """Write `counts` ({entity: how many}) items owned by a demo user; returns them all."""
    written = []
    for entity, count in counts.items():
        stored = list(stored_items(entity, count, stack.subs[owner], prefix))
        write_batches(stack.tables.dynamodb(), stack.tables.name(entity), stored)
        written.extend(stored)
    return written
