"""The hostile-input suite: the local stack attacked as the platform will be, over its real
protocols (HTTPS GraphQL, the real-time WebSocket, /media), one case per threat of
docs/security.md. Every case must hold: a typed refusal (401, Unauthorized, ValidationError, a
400 with `errors`, an `error` message on the socket), never a 500, a silent close or a broken
stack for everyone else.

Run alone: `.venv/bin/python -m pytest tests/devstack/test_hostile.py -v` (each case is one line;
the count of held cases is what docs/security.md quotes).
"""
from __future__ import annotations

import asyncio
import json
import ssl
import time
import uuid

import pytest
import requests
import websockets
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.client import RealtimeClient, header_subprotocol
from infra.appsync_schema import QUERY_DEPTH_LIMIT, RESOLVER_COUNT_LIMIT
from newsroom_calls import CREATE_NEWS, LIST_NEWS, ON_NEWS, PUBLISH, UPDATE_NEWS
from test_graphql_http import _claims, _mint

ON_PRESENCE = "subscription { onPresenceChanged { entity id editorId active } }"
QUIET_SECONDS = 0.5  # how long "nothing arrives" is watched


# ------------------------------------------------------------------------------- helpers
def post(stack, body: bytes | str, token: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = token
    return requests.post(stack.graphql_url, data=body, headers=headers,
                         verify=str(stack.ca_path), timeout=30)


def gql(stack, token, query, variables=None) -> tuple[int, dict]:
    response = post(stack, json.dumps({"query": query, "variables": variables or {}}), token)
    return response.status_code, response.json()


def error_types(body: dict) -> list[str]:
    return [error.get("errorType") for error in body.get("errors") or []]


@pytest.fixture(scope="module")
def outsider(stack):
    """A pool account in no newsroom group (an account the station's Hosted UI may create)."""
    idp = stack.client("cognito-idp")
    username, password = f"outsider-{uuid.uuid4().hex[:8]}", "Outsider-Passw0rd!"
    idp.admin_create_user(UserPoolId=stack.config["userPoolId"], Username=username,
                          MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=stack.config["userPoolId"], Username=username,
                                Password=password, Permanent=True)
    return idp.initiate_auth(
        ClientId=stack.config["userPoolClientId"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]["AccessToken"]


@pytest.fixture
def news(stack, token):
    """A journalist's news item: (id, version)."""
    status, body = gql(stack, token("journalist"), CREATE_NEWS, {"input": {
        "id": f"news-hostile-{uuid.uuid4().hex[:10]}", "data": json.dumps({"title": "Rédaction"})}})
    assert status == 200 and "errors" not in body, body
    return body["data"]["createNews"]["id"]


def still_serving(stack, token) -> None:
    """The stack still answers everyone after the attack."""
    status, body = gql(stack, token("journalist2"), LIST_NEWS)
    assert status == 200 and "errors" not in body, body


async def no_data(client: RealtimeClient) -> None:
    with pytest.raises(asyncio.TimeoutError):
        await client.receive(timeout=QUIET_SECONDS)


# ---------------------------------------------------------------------------------- auth
BAD_TOKENS = {
    "no token": lambda stack: None,
    "garbage token": lambda stack: "not-a-jwt",
    "expired token": lambda stack: _mint(_claims(stack, exp=int(time.time()) - 10)),
    "token of a foreign pool": lambda stack: _mint(_claims(
        stack, iss=f"https://cognito-idp.{stack.region}.amazonaws.com/{stack.region}_foreign")),
    "token signed by a foreign key": lambda stack: _mint(
        _claims(stack), rsa.generate_private_key(65537, 2048)),
    "token of another app client": lambda stack: _mint(_claims(stack, client_id="other-client")),
    "refresh-use token": lambda stack: _mint(_claims(stack, token_use="refresh")),
}


@pytest.mark.parametrize("kind", BAD_TOKENS)
def test_auth_http_refuses(stack, kind):
    response = post(stack, json.dumps({"query": LIST_NEWS}), BAD_TOKENS[kind](stack))
    assert response.status_code == 401
    assert error_types(response.json()) == ["UnauthorizedException"]


@pytest.mark.parametrize("kind", [k for k in BAD_TOKENS if k != "no token"])
def test_auth_socket_refuses_the_connection(stack, kind):
    async def scenario():
        async with RealtimeClient(stack.realtime_url, BAD_TOKENS[kind](stack), stack.ca_path) as client:
            assert client.acknowledgement["type"] == "connection_error"
            with pytest.raises(websockets.ConnectionClosed):
                await client.receive(timeout=3)

    asyncio.run(scenario())


def test_auth_expired_token_at_start_gets_error(stack, realtime):
    async def scenario():
        async with realtime() as client:
            id, answer = await client.subscribe(ON_NEWS, token=BAD_TOKENS["expired token"](stack))
            assert answer["type"] == "error" and answer["id"] == id

    asyncio.run(scenario())


@pytest.mark.parametrize("query", [LIST_NEWS, "{ getNews(id: \"news-1\") { id } }"])
def test_auth_no_group_reads_nothing(stack, outsider, query):
    status, body = gql(stack, outsider, query)
    assert "Unauthorized" in error_types(body), body
    assert not any((body.get("data") or {}).values())


def test_auth_no_group_writes_nothing(stack, outsider):
    status, body = gql(stack, outsider, CREATE_NEWS, {"input": {
        "id": "news-outsider", "data": json.dumps({"title": "Intrus"})}})
    assert "Unauthorized" in error_types(body), body
    assert body["data"] == {"createNews": None}


@pytest.mark.parametrize("subscription", [ON_NEWS, ON_PRESENCE])
def test_auth_no_group_subscribes_to_nothing(stack, outsider, create_news, subscription):
    async def scenario():
        async with RealtimeClient(stack.realtime_url, outsider, stack.ca_path) as client:
            id, answer = await client.subscribe(subscription)
            assert answer["type"] == "error" and answer["id"] == id, answer
            assert answer["payload"]["errors"][0]["errorType"] == "UnauthorizedException"
            await asyncio.to_thread(create_news, "Pas pour les intrus")
            await no_data(client)

    asyncio.run(scenario())


# -------------------------------------------------------------------------------- groups
def test_groups_volunteer_cannot_update_a_journalists_item(stack, token, news):
    _, body = gql(stack, token("volunteer"), UPDATE_NEWS, {"input": {
        "id": news, "expectedVersion": 1, "data": json.dumps({"title": "Vandalisme"})}})
    assert error_types(body) == ["Unauthorized"]
    _, body = gql(stack, token("journalist"), "query($id: ID!) { getNews(id: $id) { title version } }",
                  {"id": news})
    assert body["data"]["getNews"] == {"title": "Rédaction", "version": 1}


@pytest.mark.parametrize("mutation", [
    "mutation($id: ID!) { deleteNews(id: $id, expectedVersion: 1) { id } }",
    "mutation($id: ID!) { purgeNews(id: $id) { id } }",
    "mutation($id: ID!) { restoreNews(id: $id) { id } }",
])
def test_groups_volunteer_cannot_delete_purge_or_restore(stack, token, news, mutation):
    _, body = gql(stack, token("volunteer"), mutation, {"id": news})
    assert error_types(body) == ["Unauthorized"], body
    _, body = gql(stack, token("journalist"), "query($id: ID!) { getNews(id: $id) { version deletedAt } }",
                  {"id": news})
    assert body["data"]["getNews"] == {"version": 1, "deletedAt": None}


def test_groups_volunteer_cannot_clear_someone_elses_presence(stack, token, news):
    _, body = gql(stack, token("journalist"),
                  "mutation($id: ID!) { announceEditing(entity: news, id: $id) { editorId } }", {"id": news})
    editor = body["data"]["announceEditing"]["editorId"]
    _, body = gql(stack, token("volunteer"),
                  "mutation($id: ID!, $e: ID!) { clearEditing(entity: news, id: $id, editorId: $e) { id } }",
                  {"id": news, "e": editor})
    assert error_types(body) == ["Unauthorized"], body


def test_groups_signed_in_users_cannot_publish_fake_changes(stack, token):
    _, body = gql(stack, token("admin"), PUBLISH, {"change": {
        "entity": "news", "op": "DELETE", "id": "news-1", "changedAt": 1.0}})
    assert error_types(body) == ["Unauthorized"] and body["data"] == {"publish": None}


# ----------------------------------------------------------------------- bad input: items
def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


HOSTILE_ITEMS = {
    "duration inf": ("News", {"duration": "inf"}, "duration"),
    "duration nan": ("News", {"duration": "nan"}, "duration"),
    "duration 1e400": ("News", {"duration": "1e400"}, "duration"),
    "duration of 50 digits": ("News", {"duration": "9" * 50 + ":00"}, "duration"),
    "40-digit integer": ("News", {"count": 1234567890123456789012345678901234567890}, "count"),
    "number 1e200": ("News", {"count": 1e200}, "count"),
    "number 1e-200": ("News", {"count": 1e-200}, "count"),
    "JSON nested 1,000 deep": ("News", '{"segments": %s}' % _nested(1000), "segments"),
    "JSON nested 40 deep": ("News", '{"segments": %s}' % _nested(40), "segments"),
    "lone surrogate in a title": ("News", '{"title": "Flash \\ud800"}', "title"),
    "index key over 2,048 bytes": ("Journal", {"scheduledDate": "2025-11-18" + "x" * 2100},
                                   "scheduledDate"),
    "empty field name": ("News", {"": "sans nom"}, '""'),
    "empty field name nested": ("News", {"sounds": [{"": 1}]}, "sounds[0]"),
}


@pytest.mark.parametrize("case", HOSTILE_ITEMS)
def test_bad_input_item_values_are_validation_errors_naming_the_field(stack, token, case):
    type_name, data, field = HOSTILE_ITEMS[case]
    text = data if isinstance(data, str) else json.dumps(data)
    _, body = gql(stack, token("journalist"),
                  f"mutation($i: CreateItemInput!) {{ create{type_name}(input: $i) {{ id }} }}",
                  {"i": {"data": text}})
    assert error_types(body) == ["ValidationError"], body
    assert field in body["errors"][0]["message"]
    still_serving(stack, token)


def test_bad_input_lone_surrogate_in_an_id(stack, token):
    body = '{"query": "mutation($i: CreateItemInput!) { createNews(input: $i) { id } }", ' \
           '"variables": {"i": {"id": "news-\\udc00", "data": "{}"}}}'
    answer = post(stack, body, token("journalist")).json()
    assert error_types(answer) == ["ValidationError"] and "id" in answer["errors"][0]["message"]


# --------------------------------------------------------------------- bad input: requests
MALFORMED_BODIES = {
    "variables as a string": json.dumps({"query": LIST_NEWS, "variables": "{}"}),
    "variables as a list": json.dumps({"query": LIST_NEWS, "variables": [1]}),
    "operationName as a number": json.dumps({"query": LIST_NEWS, "operationName": 5}),
    "operationName as a list": json.dumps({"query": LIST_NEWS, "operationName": ["a"]}),
    "body not an object": "[1, 2]",
    "body not JSON": "query { listNews }",
    "body nested 100,000 deep": _nested(100_000),
}


@pytest.mark.parametrize("case", MALFORMED_BODIES)
def test_bad_input_malformed_requests_are_400_with_errors(stack, token, case):
    response = post(stack, MALFORMED_BODIES[case], token("journalist"))
    assert response.status_code == 400
    assert error_types(response.json()) == ["MalformedHttpRequestException"]
    still_serving(stack, token)


HOSTILE_DOCUMENTS = {
    "deeply nested literal": "{ listNews(limit: %s) { items { id } } }" % _nested(5000),
    "deeply nested selection": "{ listNews " + "{ items " * 3000 + "}" * 3001,
    "selection over the depth limit": "{ listNews { items { id " + "{ a " * QUERY_DEPTH_LIMIT
                                      + "}" * QUERY_DEPTH_LIMIT + " } } }",
    "fragment cycle": "{ listNews { items { ...A } } } fragment A on News { id ...A }",
    "resolvers over the count limit": "{ " + " ".join(
        f"n{n}: listNews(limit: 1) {{ items {{ id }} }}" for n in range(RESOLVER_COUNT_LIMIT + 1)) + " }",
}


@pytest.mark.parametrize("case", HOSTILE_DOCUMENTS)
def test_bad_input_hostile_documents_are_refused_before_running(stack, token, case):
    status, body = gql(stack, token("journalist"), HOSTILE_DOCUMENTS[case])
    assert status == 200 and body["data"] is None
    assert error_types(body) and set(error_types(body)) == {"ValidationError"}, body
    still_serving(stack, token)


def test_bad_input_a_thousand_list_aliases_are_refused_at_once(stack, token):
    query = "{ " + " ".join(f"a{n}: listNews(limit: 1000) {{ items {{ id data }} }}"
                            for n in range(1000)) + " }"
    started = time.monotonic()
    status, body = gql(stack, token("volunteer"), query)
    elapsed = time.monotonic() - started
    assert body["data"] is None and f"limit of {RESOLVER_COUNT_LIMIT}" in body["errors"][0]["message"]
    assert elapsed < 1.0, f"took {elapsed:.2f} s"


# ------------------------------------------------------------------- bad input: the socket
FRAMES = {
    "binary frame": b"\x00\x01binary",
    "JSON list frame": "[1, 2]",
    "JSON string frame": '"start"',
    "JSON null frame": "null",
    "not JSON": "start please",
    "frame nested 100,000 deep": _nested(100_000),
    "stop with a list id": json.dumps({"type": "stop", "id": ["x"]}),
    "start without payload": json.dumps({"type": "start", "id": "p1", "payload": [1]}),
}


@pytest.mark.parametrize("case", FRAMES)
def test_bad_input_socket_frames_get_an_error_and_the_connection_goes_on(realtime, create_news, case):
    async def scenario():
        async with realtime() as client:
            await client.connection.send(FRAMES[case])
            answer = await client.receive()
            assert answer["type"] in ("error", "complete"), answer
            id, ack = await client.subscribe(ON_NEWS)
            assert ack == {"type": "start_ack", "id": id}
            await asyncio.to_thread(create_news, "Toujours servi")
            assert (await client.next_data())["id"] == id

    asyncio.run(scenario())


def _start(id: str, data, extensions) -> dict:
    return {"type": "start", "id": id, "payload": {"data": data, "extensions": extensions}}


START_PAYLOADS = {
    "variables as a string": lambda auth: _start("s1", json.dumps({"query": ON_NEWS, "variables": "x"}),
                                                 {"authorization": auth}),
    "variables as a list": lambda auth: _start("s1", json.dumps({"query": ON_NEWS, "variables": [1]}),
                                               {"authorization": auth}),
    "operationName as a number": lambda auth: _start(
        "s1", json.dumps({"query": ON_NEWS, "operationName": 7}), {"authorization": auth}),
    "data a JSON list": lambda auth: _start("s1", json.dumps([ON_NEWS]), {"authorization": auth}),
    "data not text": lambda auth: _start("s1", {"query": ON_NEWS}, {"authorization": auth}),
    "extensions a list": lambda auth: _start("s1", json.dumps({"query": ON_NEWS}), [auth]),
    "subscription nested 3,000 deep": lambda auth: _start(
        "s1", json.dumps({"query": "subscription { onNewsChanged " + "{ id " * 3000 + "}" * 3000 + " }"}),
        {"authorization": auth}),
}


@pytest.mark.parametrize("case", START_PAYLOADS)
def test_bad_input_start_payloads_get_an_error_and_others_keep_their_data(realtime, create_news, case):
    async def scenario():
        async with realtime("journalist2") as bystander, realtime() as attacker:
            watched, _ = await bystander.subscribe(ON_NEWS)
            await attacker.send(START_PAYLOADS[case](attacker._auth()))
            answer = await attacker.receive()
            assert answer["type"] == "error" and answer["id"] == "s1", answer
            await asyncio.to_thread(create_news, "Pour tous les autres")
            assert (await bystander.next_data())["id"] == watched
            await no_data(attacker)  # the refused subscription never got registered

    asyncio.run(scenario())


# --------------------------------------------------------------------------------- media
def _media(stack, path: str) -> requests.Response:
    return requests.get(stack.url + path, verify=str(stack.ca_path), timeout=10)


@pytest.mark.parametrize("path", ["/media/a%00b.mp3", "/media/%ff%fe.mp3", "/media/" + "a" * 2000 + ".mp3",
                                  "/media/..%2f..%2fconfig.json"])
def test_media_odd_paths_are_not_found(stack, path):
    response = _media(stack, path)
    assert response.status_code == 404, response.status_code


@pytest.mark.parametrize("key, content_type", [
    ("stored-xss.html", "text/html"), ("stored-xss.svg", "image/svg+xml"),
    ("stored-xss.mp3", "text/html"),
])
def test_media_uploaded_markup_is_sandboxed(stack, key, content_type):
    stack.client("s3").put_object(
        Bucket=stack.config["mediaBucket"], Key=f"media/audio/volunteer/{key}",
        Body=b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(document.cookie)'/>",
        ContentType=content_type)
    response = _media(stack, f"/media/audio/volunteer/{key}")
    assert response.status_code == 200
    policy = response.headers.get("content-security-policy", "")
    assert "sandbox" in policy and "default-src 'none'" in policy, response.headers
    assert response.headers.get("content-disposition", "").startswith("attachment")
    assert response.headers.get("x-content-type-options") == "nosniff"


# ------------------------------------------------------------------------------- fan-out
def test_fanout_a_subscriber_that_vanishes_does_not_stop_the_others(stack, token, realtime, create_news):
    async def scenario():
        async with realtime("journalist2") as bystander:
            watched, _ = await bystander.subscribe(ON_NEWS)
            vanishing = await websockets.connect(
                stack.realtime_url, ssl=ssl.create_default_context(cafile=str(stack.ca_path)),
                subprotocols=["graphql-ws", header_subprotocol(
                    {"Authorization": token("journalist"), "host": bystander.host})])
            await vanishing.send(json.dumps({"type": "connection_init"}))
            await vanishing.recv()
            await vanishing.send(json.dumps({"type": "start", "id": "v", "payload": {
                "data": json.dumps({"query": ON_NEWS}),
                "extensions": {"authorization": {"Authorization": token("journalist")}}}}))
            vanishing.transport.abort()  # no close frame: the TCP connection just drops
            for title in ("Après la coupure", "Encore"):
                await asyncio.to_thread(create_news, title)
                assert (await bystander.next_data())["id"] == watched

    asyncio.run(scenario())


def test_fanout_after_every_bad_write_changes_still_reach_subscribers(stack, token, realtime, create_news):
    async def scenario():
        async with realtime("journalist2") as bystander:
            watched, _ = await bystander.subscribe(ON_NEWS)
            for type_name, data, _ in HOSTILE_ITEMS.values():
                text = data if isinstance(data, str) else json.dumps(data)
                await asyncio.to_thread(
                    gql, stack, token("journalist"),
                    f"mutation($i: CreateItemInput!) {{ create{type_name}(input: $i) {{ id }} }}",
                    {"i": {"data": text}})
            news = await asyncio.to_thread(create_news, "Après les attaques")
            message = await bystander.next_data(timeout=3)
            assert message["id"] == watched
            assert message["payload"]["data"]["onNewsChanged"]["id"] == news["id"]

    asyncio.run(scenario())
