"""The real-time WebSocket endpoint, driven the way aws-amplify v6 drives AppSync's: the whole
protocol, changes made through the API or straight into a table reaching other subscribers,
per-entity filtering, and refusals."""
from __future__ import annotations

import asyncio
import base64
import json
import ssl
import time

import pytest
import websockets

from newsroom_calls import ON_ANIMATION, ON_NEWS

DELIVERY_SECONDS = 1.0


def test_full_protocol_init_ack_ka_start_data_stop_complete(realtime, create_news):
    async def scenario():
        async with realtime("journalist2") as client:
            assert client.connection.subprotocol == "graphql-ws"
            assert client.acknowledgement == {
                "type": "connection_ack", "payload": {"connectionTimeoutMs": 300000}
            }
            id, answer = await client.subscribe("subscription { onNewsChanged { id op } }")
            assert answer == {"type": "start_ack", "id": id}
            news = await asyncio.to_thread(create_news, "Protocole")
            message = await client.next_data()
            # Only the selected fields travel.
            assert message == {"type": "data", "id": id,
                               "payload": {"data": {"onNewsChanged": {"id": news["id"],
                                                                       "op": "CREATE"}}}}
            # Keep-alives go on while the connection is idle (every 0.5 s in these tests).
            for _ in range(2):
                assert await client.receive(timeout=1, skip_keepalive=False) == {"type": "ka"}
            await client.send({"type": "stop", "id": id})
            assert await client.receive() == {"type": "complete", "id": id}
            await asyncio.to_thread(create_news, "Après stop")
            with pytest.raises(asyncio.TimeoutError):
                await client.receive(timeout=0.5)

    asyncio.run(scenario())


def test_a_mutation_reaches_another_users_subscription_within_a_second(
        stack, realtime, create_news):
    async def scenario():
        async with realtime("journalist2") as watcher:
            id, _ = await watcher.subscribe(ON_NEWS)
            news = await asyncio.to_thread(create_news, "Flash 7h", "journalist")
            sent = time.monotonic()
            message = await watcher.next_data(timeout=DELIVERY_SECONDS)
            elapsed = time.monotonic() - sent
            change = message["payload"]["data"]["onNewsChanged"]
            assert change["entity"] == "news" and change["op"] == "CREATE"
            assert change["id"] == news["id"] and change["version"] == 1
            assert json.loads(change["item"])["title"] == "Flash 7h"
            assert change["changedBy"] == stack.subs["journalist"]
            assert elapsed < DELIVERY_SECONDS

    asyncio.run(scenario())


def test_each_entity_subscription_gets_only_its_entity(realtime, call, create_news):
    async def scenario():
        async with realtime() as client:
            news_id, _ = await client.subscribe(ON_NEWS)
            animation_id, _ = await client.subscribe(ON_ANIMATION)
            news = await asyncio.to_thread(create_news, "Seulement news")
            first = await client.next_data()
            assert first["id"] == news_id
            assert first["payload"]["data"]["onNewsChanged"]["id"] == news["id"]
            status, body = await asyncio.to_thread(call, (
                "mutation($i: CreateItemInput!) { createAnimation(input: $i) { id } }"),
                {"i": {"data": json.dumps({"title": "Météo", "category": "meteo"})}})
            assert status == 200 and "errors" not in body, body
            second = await client.next_data()
            assert second["id"] == animation_id
            assert second["payload"]["data"]["onAnimationChanged"]["entity"] == "animations"
            with pytest.raises(asyncio.TimeoutError):
                await client.receive(timeout=0.5)  # neither reached the other subscription

    asyncio.run(scenario())


def test_a_direct_table_write_reaches_subscribers_once_and_stays_listed(stack, realtime, call):
    item_id = f"flash-info-natio-permanent-{time.time_ns()}"

    async def scenario():
        async with realtime() as client:
            await client.subscribe(ON_NEWS)
            await asyncio.to_thread(
                stack.dynamodb.put_item,
                TableName=stack.tables.name("news"),
                Item={"id": {"S": item_id}, "title": {"S": "Flash national"}},
            )
            message = await client.next_data(timeout=3)
            change = message["payload"]["data"]["onNewsChanged"]
            assert (change["id"], change["op"], change["version"]) == (item_id, "CREATE", 1)
            assert json.loads(change["item"])["title"] == "Flash national"
            assert change["changedBy"] is None
            with pytest.raises(asyncio.TimeoutError):
                await client.receive(timeout=0.5)  # adopted, then published once

    asyncio.run(scenario())
    # Adopted by the publisher: in the live list after a reload, like any item.
    status, body = call("query { listNews(limit: 1000) { items { id version } } }")
    assert status == 200 and {"id": item_id, "version": 1} in body["data"]["listNews"]["items"]


def test_a_bad_token_gets_connection_error_and_the_socket_closes(realtime):
    async def scenario():
        client = realtime(raw_token="not-a-token")
        async with client:
            error = client.acknowledgement
            assert error["type"] == "connection_error"
            assert error["payload"]["errors"][0]["errorType"] == "UnauthorizedException"
            assert error["payload"]["errors"][0]["errorCode"] == 401
            with pytest.raises(websockets.ConnectionClosed):
                await client.receive(timeout=3)

    asyncio.run(scenario())


def test_subscriptions_are_authorised_one_by_one(realtime, create_news):
    async def scenario():
        async with realtime() as client:
            bad_id, answer = await client.subscribe(ON_NEWS, token="expired-or-forged")
            assert answer["type"] == "error" and answer["id"] == bad_id
            assert answer["payload"]["errors"][0]["errorType"] == "UnauthorizedException"
            invalid_id, answer = await client.subscribe("subscription { onNewsChanged { nope } }")
            assert answer["type"] == "error" and answer["id"] == invalid_id
            query_id, answer = await client.subscribe("{ listNews { items { id } } }")
            assert answer["type"] == "error"
            good_id, answer = await client.subscribe(ON_NEWS)  # the connection is still fine
            assert answer == {"type": "start_ack", "id": good_id}
            await asyncio.to_thread(create_news, "Toujours là")
            assert (await client.next_data())["id"] == good_id

    asyncio.run(scenario())


def test_the_graphql_ws_subprotocol_is_required(stack, token):
    async def scenario():
        with pytest.raises(websockets.InvalidStatus):
            async with websockets.connect(
                stack.realtime_url, ssl=ssl.create_default_context(cafile=str(stack.ca_path)),
            ):
                pass

    asyncio.run(scenario())


def test_older_clients_may_pass_the_header_as_a_query_parameter(stack, token):
    header = base64.b64encode(json.dumps({"Authorization": token("journalist"),
                                          "host": f"127.0.0.1:{stack.port}"}).encode()).decode()

    async def scenario():
        async with websockets.connect(
            f"{stack.realtime_url}?header={header}&payload=e30=",
            ssl=ssl.create_default_context(cafile=str(stack.ca_path)),
            subprotocols=["graphql-ws"],
        ) as connection:
            await connection.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await connection.recv())["type"] == "connection_ack"

    asyncio.run(scenario())


def test_presence_mutations_reach_on_presence_changed(stack, realtime, call, create_news):
    news = create_news("En cours d'édition")

    async def scenario():
        async with realtime("journalist2") as client:
            id, _ = await client.subscribe(
                "subscription { onPresenceChanged { entity id editorId active } }")
            status, body = await asyncio.to_thread(call, (
                "mutation($id: ID!) { announceEditing(entity: news, id: $id, field: \"title\") "
                "{ entity id editorId active } }"), {"id": news["id"]})
            assert status == 200 and "errors" not in body, body
            message = await client.next_data()
            assert message["payload"]["data"]["onPresenceChanged"] == {
                "entity": "news", "id": news["id"], "editorId": stack.subs["journalist"],
                "active": True,
            }

    asyncio.run(scenario())


def test_one_subscription_that_cannot_be_rendered_never_stops_the_others():
    """Before `start` checked its parts, a string of variables was stored and made every
    publish on that entity raise, for everyone; a render that fails now ends that subscription
    alone, with an error to its owner."""
    from devstack.gateway import Gateway
    from devstack.identity import USER_POOL, Caller
    from devstack.realtime import Connection, Realtime, Subscription

    gateway = Gateway(lambda event, context: None, "eu-west-3")
    realtime = Realtime(gateway, authenticate=lambda token, ip: None)
    caller = Caller(USER_POOL, {"sub": "u", "groups": ["journalists"]})
    operation = gateway.operation(ON_NEWS)
    broken, healthy = Connection(websocket=None), Connection(websocket=None)
    broken.subscriptions["b"] = Subscription("onNewsChanged", operation, "not-an-object", caller)
    healthy.subscriptions["h"] = Subscription("onNewsChanged", operation, {}, caller)
    realtime.connections.update({broken, healthy})
    change = {"entity": "news", "op": "CREATE", "id": "news-1", "version": 1, "item": "{}",
              "changedBy": "u", "changedAt": 1.0}

    assert realtime.publish("publish", change) == 1
    assert healthy.outbox.get_nowait()["payload"]["data"]["onNewsChanged"]["id"] == "news-1"
    error = broken.outbox.get_nowait()
    assert (error["type"], error["id"]) == ("error", "b") and "b" not in broken.subscriptions
    assert realtime.publish("publish", change) == 1  # the next change too
