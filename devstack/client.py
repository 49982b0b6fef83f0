"""A small AppSync client speaking both protocols the way aws-amplify v6 does, for the stack's
tests and benchmarks: GraphQL over HTTPS with a Cognito token, and the real-time WebSocket
(`graphql-ws` + `header-<base64url>` subprotocols, connection_init, start with
`extensions.authorization`, stop).
"""
from __future__ import annotations

import asyncio
import base64
import json
import ssl
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import websockets


def graphql(url: str, query: str, variables: dict[str, Any] | None = None, *,
            token: str | None, ca_path: Path | str,
            session: requests.Session | None = None) -> requests.Response:
    """POST one GraphQL request; `token` is a Cognito ID or access token."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = token
    return (session or requests).post(
        url, json={"query": query, "variables": variables or {}}, headers=headers,
        verify=str(ca_path), timeout=30,
    )


def header_subprotocol(headers: dict[str, Any]) -> str:
    encoded = base64.urlsafe_b64encode(json.dumps(headers).encode()).decode().rstrip("=")
    return f"header-{encoded}"


class RealtimeClient:
    """One WebSocket connection to the real-time endpoint.

        async with RealtimeClient(stack.realtime_url, token, stack.ca_path) as client:
            await client.subscribe("subscription { onNewsChanged { id op } }")
            message = await client.next_data()
    """

    def __init__(self, realtime_url: str, token: str, ca_path: Path | str):
        self.url = realtime_url
        self.token = token
        self.host = urlsplit(realtime_url).netloc
        self.tls = ssl.create_default_context(cafile=str(ca_path))
        self.connection = None
        self.acknowledgement: dict[str, Any] | None = None
        self.keepalives = 0

    def _auth(self) -> dict[str, str]:
        return {"Authorization": self.token, "host": self.host}

    async def __aenter__(self) -> "RealtimeClient":
        self.connection = await websockets.connect(
            self.url, ssl=self.tls,
            subprotocols=["graphql-ws", header_subprotocol(self._auth())],
        )
        await self.send({"type": "connection_init"})
        self.acknowledgement = await self.receive(skip_keepalive=True)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.connection.close()

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, timeout: float = 5.0, skip_keepalive: bool = True) -> dict[str, Any]:
        while True:
            message = json.loads(await asyncio.wait_for(self.connection.recv(), timeout))
            if message.get("type") == "ka":
                self.keepalives += 1
                if skip_keepalive:
                    continue
            return message

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None,
                        token: str | None = None) -> tuple[str, dict[str, Any]]:
        """Send `start`; returns the subscription id and the answer (start_ack or error)."""
        id = str(uuid.uuid4())
        authorization = {"Authorization": token or self.token, "host": self.host}
        await self.send({
            "id": id,
            "type": "start",
            "payload": {
                "data": json.dumps({"query": query, "variables": variables or {}}),
                "extensions": {"authorization": authorization},
            },
        })
        return id, await self.receive()

    async def next_data(self, timeout: float = 5.0) -> dict[str, Any]:
        message = await self.receive(timeout)
        if message.get("type") != "data":
            raise AssertionError(f"expected a data message, got {message}")
        return message
