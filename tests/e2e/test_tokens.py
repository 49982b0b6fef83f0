"""The API refuses a request or a real-time connection whose Cognito token is missing,
forged or expired, and serves a valid one (the control that makes the refusals meaningful)."""
from __future__ import annotations

import base64
import json
import ssl
import time

import jwt
import pytest
import requests
from moto.utilities.utils import load_resource
from websockets.sync.client import connect

pytestmark = pytest.mark.e2e

LIST_NEWS = {"query": "query { listNews(limit: 1) { items { id } } }"}


def _expired_copy(token: str) -> str:
    """The same claims, signed with the pool's own key (moto's), but expired an hour ago."""
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    private_jwk = load_resource("cognitoidp/resources/jwks-private.json")
    key = jwt.PyJWK.from_dict(private_jwk).key
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": header.get("kid")})


def _forged_copy(token: str) -> str:
    """The same header and claims with a signature that is not the pool's."""
    head, payload, _signature = token.split(".")
    return f"{head}.{payload}.{base64.urlsafe_b64encode(b'not-the-pool-signature').decode().rstrip('=')}"


@pytest.fixture(scope="module")
def access_token(stack):
    return stack.sign_in("journalist")["AccessToken"]


def _post(stack, token: str | None):
    headers = {"Authorization": token} if token else {}
    return requests.post(stack.graphql_url, json=LIST_NEWS, headers=headers, verify=str(stack.ca_path), timeout=10)


def test_a_valid_token_is_served(stack, access_token):
    response = _post(stack, access_token)
    assert response.status_code == 200
    assert "items" in response.json()["data"]["listNews"]


@pytest.mark.parametrize("token", ["missing", "garbage", "forged", "expired"])
def test_a_bad_or_expired_token_is_refused_over_http(stack, access_token, token):
    sent = {"missing": None, "garbage": "not-a-jwt", "forged": _forged_copy(access_token),
            "expired": _expired_copy(access_token)}[token]
    response = _post(stack, sent)
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["errorType"] == "UnauthorizedException"
    assert "data" not in response.json()
    if token == "expired":  # refused for its age, not for a bad signature
        assert "expired" in error["message"].lower()


def _realtime_handshake(stack, token: str) -> dict:
    header = base64.urlsafe_b64encode(
        json.dumps({"host": f"127.0.0.1:{stack.port}", "Authorization": token}).encode()
    ).decode().rstrip("=")
    context = ssl.create_default_context(cafile=str(stack.ca_path))
    with connect(stack.realtime_url, ssl=context, subprotocols=["graphql-ws", f"header-{header}"],
                 open_timeout=10) as websocket:
        websocket.send(json.dumps({"type": "connection_init"}))
        return json.loads(websocket.recv(timeout=10))


def test_the_realtime_endpoint_refuses_an_expired_token_and_accepts_a_valid_one(stack, access_token):
    refused = _realtime_handshake(stack, _expired_copy(access_token))
    assert refused["type"] == "connection_error"
    assert refused["payload"]["errors"][0]["errorType"] == "UnauthorizedException"
    assert "expired" in refused["payload"]["errors"][0]["message"].lower()
    assert _realtime_handshake(stack, access_token)["type"] == "connection_ack"
