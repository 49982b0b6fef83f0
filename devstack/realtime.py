"""AppSync's real-time WebSocket protocol, served at `/graphql/realtime`.

As AppSync (and aws-amplify v6's AWSAppSyncRealTimeProvider) speak it: subprotocol `graphql-ws`;
the connection's auth headers as JSON in a `header-<base64url>` subprotocol entry (or, for older
clients, base64 in the `header` query parameter); `connection_init` → `connection_ack` with
`connectionTimeoutMs`, then `ka` at once and periodically; `start` (payload `data` = JSON of
{query, variables}, `extensions.authorization` = the subscription's own auth headers) →
`start_ack` or `error`; `data` messages with the subscriber's selection; `stop` → `complete`.
Only user pool tokens open connections here (the API's subscribers are signed-in users), and a
subscription field's `cognito_groups` are enforced at `start`.

Hostile input gets an `error` message and the connection goes on: a binary or non-object frame,
a `start` whose parts have the wrong JSON type; and one subscriber whose selection cannot be
rendered loses that subscription, never the others' messages.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from graphql import OperationType
from starlette.websockets import WebSocket, WebSocketDisconnect

from devstack.gateway import Gateway, Operation, RequestError, request_parts
from devstack.identity import Caller, Unauthenticated

log = logging.getLogger("devstack.realtime")

SUBPROTOCOL = "graphql-ws"
CONNECTION_TIMEOUT_MS = 300_000


def _decode_header(encoded: str) -> dict[str, Any]:
    """The auth headers a client packs into the subprotocol (base64url, unpadded) or the
    `header` query parameter (base64)."""
    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        decoded = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
        headers = json.loads(decoded)
    except (binascii.Error, ValueError):
        return {}
    return headers if isinstance(headers, dict) else {}


def connection_headers(websocket: WebSocket) -> dict[str, Any]:
    for protocol in websocket.scope.get("subprotocols", []):
        if protocol.startswith("header-"):
            return _decode_header(protocol[len("header-"):])
    encoded = websocket.query_params.get("header")
    return _decode_header(encoded) if encoded else {}


def _message(kind: str, id: str | None = None, payload: Any = None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": kind}
    if id is not None:
        message["id"] = id
    if payload is not None:
        message["payload"] = payload
    return message


def _errors(error_type: str, message: str, code: int | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"errorType": error_type, "message": message}
    if code is not None:
        error["errorCode"] = code
    return {"errors": [error]}


@dataclass
class Subscription:
    field: str  # onNewsChanged, ...
    operation: Operation
    variables: dict[str, Any]
    caller: Caller


@dataclass(eq=False)  # identity semantics: connections live in a set
class Connection:
    websocket: WebSocket
    outbox: asyncio.Queue = field(default_factory=asyncio.Queue)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)

    def send(self, message: dict[str, Any]) -> None:
        self.outbox.put_nowait(message)


class Realtime:
    """The subscribers of one gateway, and the WebSocket endpoint that registers them.

    Lives in the server's event loop: `publish` must be called from it.
    """

    def __init__(self, gateway: Gateway, authenticate: Callable[[str, str], Caller],
                 keepalive_seconds: float = 30.0):
        self.gateway = gateway
        # (token, source ip) → Caller; raises Unauthenticated.
        self.authenticate = authenticate
        self.keepalive_seconds = keepalive_seconds
        self.connections: set[Connection] = set()

    # ------------------------------------------------------------------------------ fan-out
    def publish(self, mutation_field: str, value: Any) -> int:
        """Send a mutation's result to every matching subscription; returns how many."""
        fields = set(self.gateway.triggers.get(mutation_field, ()))
        delivered = 0
        for connection in list(self.connections):
            for id, subscription in list(connection.subscriptions.items()):
                if subscription.field not in fields:
                    continue
                entity = self.gateway.subscription_entity(subscription.field)
                if entity is not None and value.get("entity") != entity:
                    continue  # the enhanced filter `entity eq "<name>"`
                try:
                    payload = self.gateway.render(
                        subscription.operation, subscription.variables, subscription.caller,
                        subscription.field, value,
                    )
                except Exception:  # this subscriber's problem: the others still get theirs
                    log.exception("subscription %s could not be rendered: stopped", id)
                    connection.subscriptions.pop(id, None)
                    connection.send(_message("error", id, _errors(
                        "InternalFailure", "This subscription could not be delivered.")))
                    continue
                connection.send(_message("data", id, payload))
                delivered += 1
        return delivered

    # ----------------------------------------------------------------------------- protocol
    def _caller(self, headers: Any, websocket: WebSocket) -> Caller:
        token = headers.get("Authorization") if isinstance(headers, dict) else None
        if not token:
            raise Unauthenticated("Valid authorization header not provided.")
        client = websocket.client.host if websocket.client else "127.0.0.1"
        return self.authenticate(token, client)

    def _subscription(self, payload: Any, websocket: WebSocket) -> Subscription:
        """A `start` payload made into a subscription; raises Unauthenticated or RequestError."""
        if not isinstance(payload, dict):
            raise RequestError([{"errorType": "ValidationError", "message": "Missing payload."}])
        extensions = payload.get("extensions")
        caller = self._caller(extensions.get("authorization") if isinstance(extensions, dict)
                              else None, websocket)
        try:
            query, variables, operation_name = request_parts(json.loads(payload.get("data") or ""))
        except (TypeError, ValueError, RecursionError):
            raise RequestError([{"errorType": "ValidationError",
                                 "message": "payload.data is not a JSON document."}]) from None
        operation = self.gateway.operation(query or "", operation_name)
        fields = operation.root_fields()
        if operation.kind != OperationType.SUBSCRIPTION or len(fields) != 1:
            raise RequestError([{"errorType": "ValidationError",
                                 "message": "Expected one subscription field."}])
        name = fields[0].name.value
        if not self.gateway.authorized(caller, "Subscription", name):
            raise Unauthenticated(f"Not Authorized to access {name} on type Subscription")
        return Subscription(name, operation, variables, caller)

    @staticmethod
    async def _write(connection: Connection) -> None:
        """The connection's only sender: messages leave in the order they were queued (a
        `start_ack` always before that subscription's first `data`)."""
        try:
            while True:
                message = await connection.outbox.get()
                await connection.websocket.send_text(json.dumps(message, separators=(",", ":")))
                connection.outbox.task_done()
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the client went away; the endpoint cleans up

    async def _keepalive(self, connection: Connection) -> None:
        while True:
            connection.send(_message("ka"))
            await asyncio.sleep(self.keepalive_seconds)

    async def endpoint(self, websocket: WebSocket) -> None:
        if SUBPROTOCOL not in websocket.scope.get("subprotocols", []):
            await websocket.close(code=1002, reason="subprotocol graphql-ws required")
            return
        headers = connection_headers(websocket)
        await websocket.accept(subprotocol=SUBPROTOCOL)
        connection = Connection(websocket)
        writer = asyncio.create_task(self._write(connection))
        keepalive: asyncio.Task | None = None
        try:
            while True:
                frame = await websocket.receive()
                if frame["type"] == "websocket.disconnect":
                    break
                try:
                    message = json.loads(frame.get("text") or "")
                except (ValueError, RecursionError):
                    message = None
                if not isinstance(message, dict):
                    connection.send(_message("error", None, _errors(
                        "MessageFormatException", "Messages must be JSON objects sent as text.")))
                    continue
                kind, id = message.get("type"), message.get("id")
                if kind == "connection_init":
                    try:
                        self._caller(headers, websocket)
                    except Unauthenticated as error:
                        connection.send(_message("connection_error", None, _errors(
                            "UnauthorizedException", str(error), 401)))
                        break
                    self.connections.add(connection)
                    connection.send(_message(
                        "connection_ack", None, {"connectionTimeoutMs": CONNECTION_TIMEOUT_MS}))
                    keepalive = keepalive or asyncio.create_task(self._keepalive(connection))
                elif kind == "start":
                    self._start(connection, id, message.get("payload"), websocket)
                elif kind == "stop":
                    if isinstance(id, str):
                        connection.subscriptions.pop(id, None)
                    connection.send(_message("complete", id))
                elif kind == "connection_terminate":
                    break
                else:
                    connection.send(_message("error", id, _errors(
                        "UnsupportedOperation", f"Unknown message type {kind!r}.")))
        except WebSocketDisconnect:
            pass
        finally:
            self.connections.discard(connection)
            if keepalive:
                keepalive.cancel()
            await self._drain(connection, writer)

    def _start(self, connection: Connection, id: Any, payload: Any, websocket: WebSocket) -> None:
        if connection not in self.connections:
            connection.send(_message("error", id, _errors(
                "UnauthorizedException", "Send connection_init first.")))
        elif not isinstance(id, str) or not id or id in connection.subscriptions:
            connection.send(_message("error", id, _errors(
                "ValidationError", "Each subscription needs a new, non-empty id.")))
        else:
            try:
                connection.subscriptions[id] = self._subscription(payload, websocket)
            except Unauthenticated as error:
                connection.send(_message("error", id, _errors("UnauthorizedException", str(error))))
            except RequestError as error:
                connection.send(_message("error", id, {"errors": error.errors}))
            else:
                connection.send(_message("start_ack", id))

    @staticmethod
    async def _drain(connection: Connection, writer: asyncio.Task) -> None:
        """Send what is queued (a connection_error must reach the client), then close."""
        flushed = asyncio.ensure_future(connection.outbox.join())
        await asyncio.wait({flushed, writer}, timeout=1, return_when=asyncio.FIRST_COMPLETED)
        flushed.cancel()
        writer.cancel()
        try:
            await connection.websocket.close()
        except (RuntimeError, WebSocketDisconnect):
            pass  # already closed by the client
