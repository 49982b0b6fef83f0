"""Two local stacks in one process, at the same time: each has its own tables (its prefix), its
own functions built for them (handlers.<x>.build) and its own subscribers, and neither writes
the process environment. moto's state is shared by the process; nothing else is."""
from __future__ import annotations

import asyncio
import json
import os

from devstack.client import RealtimeClient, graphql
from devstack.stack import Stack
from newsroom_calls import CREATE_NEWS, LIST_NEWS, ON_NEWS

DELIVERY_SECONDS = 5.0  # API write or stream poll, then publish: well within this
QUIET_SECONDS = 1.0  # how long a subscriber must then stay silent


def _create(stack: Stack, news_id: str, title: str) -> None:
    answer = graphql(stack.graphql_url, CREATE_NEWS, {"input": {
        "id": news_id, "data": json.dumps({"title": title})}},
        token=stack.sign_in("journalist")["AccessToken"], ca_path=stack.ca_path).json()
    assert "errors" not in answer, answer


def _listed(stack: Stack) -> set[str]:
    answer = graphql(stack.graphql_url, LIST_NEWS, token=stack.sign_in("journalist")["AccessToken"],
                     ca_path=stack.ca_path).json()
    return {item["id"] for item in answer["data"]["listNews"]["items"]}


async def _changes(client: RealtimeClient, expected: set[str]) -> list[str]:
    """The ids of the changes a subscriber gets until it has seen `expected`, and then until it
    stays quiet (what should never have reached it would come meanwhile)."""
    seen: list[str] = []
    deadline = asyncio.get_running_loop().time() + DELIVERY_SECONDS
    while not expected <= set(seen):
        remaining = deadline - asyncio.get_running_loop().time()
        assert remaining > 0, f"only {seen} arrived, expected {sorted(expected)}"
        seen.append((await client.next_data(timeout=remaining))["payload"]["data"]["onNewsChanged"]["id"])
    try:
        while True:
            seen.append((await client.next_data(timeout=QUIET_SECONDS))["payload"]["data"]["onNewsChanged"]["id"])
    except asyncio.TimeoutError:
        return seen


def test_two_stacks_in_one_process_keep_their_data_and_subscribers_apart(tmp_path):
    environment = dict(os.environ)
    one = Stack(port=0, state_dir=tmp_path / "one", prefix="two-stacks-one")
    two = Stack(port=0, state_dir=tmp_path / "two", prefix="two-stacks-two")
    try:
        one.start()
        two.start()
        assert dict(os.environ) == environment, "a stack wrote the process environment"
        assert one.tables.name("news") != two.tables.name("news")

        async def scenario():
            async with RealtimeClient(one.realtime_url, one.sign_in("journalist2")["AccessToken"],
                                      one.ca_path) as on_one, \
                    RealtimeClient(two.realtime_url, two.sign_in("journalist2")["AccessToken"],
                                   two.ca_path) as on_two:
                await on_one.subscribe(ON_NEWS)
                await on_two.subscribe(ON_NEWS)
                await asyncio.to_thread(_create, one, "news-of-one", "Conseil municipal")
                await asyncio.to_thread(_create, two, "news-of-two", "Marché de Noël")
                # A write straight into stack two's table (as the scheduled jobs write): its
                # stream pollers hand it to its publisher, which publishes to its subscribers.
                await asyncio.to_thread(
                    two.dynamodb.put_item, TableName=two.tables.name("news"),
                    Item={"id": {"S": "flash-of-two"}, "title": {"S": "Flash régional"}})
                assert set(await _changes(on_one, {"news-of-one"})) == {"news-of-one"}
                assert set(await _changes(on_two, {"news-of-two", "flash-of-two"})) == \
                    {"news-of-two", "flash-of-two"}

        asyncio.run(scenario())
        assert _listed(one) == {"news-of-one"}
        assert _listed(two) == {"news-of-two", "flash-of-two"}
        assert dict(os.environ) == environment, "a stack wrote the process environment"
    finally:
        two.stop()
        one.stop()
    assert dict(os.environ) == environment, "a stack's stop changed the process environment"
