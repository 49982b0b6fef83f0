"""Realistic newsroom items written straight into the local stack's tables, in their stored
form (newsroom.items.new_item: the same indexes and system fields as an API write), many at a
time: the e2e load test and bench/load.py fill the tables this way.
"""
from __future__ import annotations

import time
from itertools import islice
from typing import Iterator

from newsroom.entities import BY_NAME
from newsroom.items import new_item
from newsroom.aws import to_dynamodb

# DynamoDB takes at most 25 writes per BatchWriteItem.
BATCH = 25
PARAGRAPH = ("Le conseil municipal a voté hier soir le budget de la saison culturelle, "
             "après un débat de plus de deux heures sur la rénovation du théâtre. ")


def _fields(entity: str, n: int) -> dict:
    """What the app writes for one item (sizes as in DOMAIN.md: a news is 1.7-4 KB)."""
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
    definition = BY_NAME[entity]
    now = int(time.time() * 1000)
    for n in range(count):
        yield new_item(definition, _fields(entity, n), item_id=f"{prefix}-{definition.id_prefix}-{n}",
                       owner_id=owner_id, updated_by=owner_id, now_ms=now - count + n)


def seed(stack, counts: dict[str, int], owner: str = "journalist", prefix: str = "seed") -> list[dict]:
    """Write `counts` ({entity: how many}) items owned by a demo user; returns them all."""
    dynamodb = stack.dynamodb
    written = []
    for entity, count in counts.items():
        table = stack.table_env[BY_NAME[entity].table_env]
        items = stored_items(entity, count, stack.subs[owner], prefix)
        while batch := list(islice(items, BATCH)):
            requests = [{"PutRequest": {"Item": to_dynamodb(item)}} for item in batch]
            while requests:
                unprocessed = dynamodb.batch_write_item(RequestItems={table: requests})["UnprocessedItems"]
                requests = unprocessed.get(table, [])
            written.extend(batch)
    return written
