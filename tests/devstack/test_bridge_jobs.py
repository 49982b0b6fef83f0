"""The scheduled jobs keep feeding the newsroom: a job-shaped PutItem into the local stack's
legacy table (`<prefix>-legacy-news`, keyed id + createdAt, as `saint-esprit-news`) reaches a
subscriber through the bridge, the platform table and the publisher, and is listed; the job
updating its permanent news in place reaches them as an update."""
from __future__ import annotations

import asyncio
import json

from newsroom.aws import to_dynamodb
from newsroom_calls import LIST_NEWS, ON_NEWS

# Stream poll, bridge, platform stream poll, publish: well within this.
DELIVERY_SECONDS = 5.0


def job_writes(stack, row: dict) -> None:
    """What the Flash Info downloader does: a PutItem straight into the legacy table."""
    stack.dynamodb.put_item(TableName=f"{stack.prefix}-legacy-news", Item=to_dynamodb(row))


def test_a_jobs_put_item_into_the_legacy_table_reaches_a_subscriber(stack, realtime, call):
    row = {"id": "kto-chronique-patrimoine", "createdAt": 1_763_442_000_000,
           "title": "Chronique patrimoine", "category": "kto", "status": "ready",
           "audioUrl": "https://saint-esprit-audio.s3.eu-west-3.amazonaws.com/recordings/kto/patrimoine.mp3",
           "duration": "4:12", "updatedAt": "2025-11-18T05:00:00.000Z"}

    async def scenario():
        async with realtime("journalist2") as watcher:
            await watcher.subscribe(ON_NEWS)
            await asyncio.to_thread(job_writes, stack, row)
            created = (await watcher.next_data(timeout=DELIVERY_SECONDS))["payload"]["data"]["onNewsChanged"]
            assert (created["op"], created["id"], created["version"]) == ("CREATE", row["id"], 1)
            assert created["changedBy"] == "scheduled-jobs"
            item = json.loads(created["item"])
            assert (item["title"], item["duration"], item["createdAt"]) == ("Chronique patrimoine", 252, row["createdAt"])

            # The next import updates the permanent news in place (same key, newer updatedAt).
            await asyncio.to_thread(job_writes, stack, {**row, "title": "Chronique patrimoine (19/11)",
                                                        "updatedAt": "2025-11-19T05:00:00.000Z"})
            updated = (await watcher.next_data(timeout=DELIVERY_SECONDS))["payload"]["data"]["onNewsChanged"]
            assert (updated["op"], updated["id"], updated["version"]) == ("UPDATE", row["id"], 2)
            assert json.loads(updated["item"])["title"] == "Chronique patrimoine (19/11)"

    asyncio.run(scenario())
    status, body = call(LIST_NEWS)
    assert status == 200 and "errors" not in body, body
    listed = {item["id"]: item["title"] for item in body["data"]["listNews"]["items"]}
    assert listed[row["id"]] == "Chronique patrimoine (19/11)"
