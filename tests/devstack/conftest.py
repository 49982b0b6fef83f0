"""The local stack for its own integration tests: one `devstack.Stack` on free ports for the
whole folder (real handlers, real moto, real TLS), plus helpers to call it as clients do."""
from __future__ import annotations

import json
from functools import lru_cache

import pytest

from devstack.client import RealtimeClient, graphql
from devstack.stack import Stack
from newsroom_calls import CREATE_NEWS

@pytest.fixture(scope="package")
def stack(tmp_path_factory):
    """Torn down when this folder is done, so the e2e stack does not run beside it. Serves a
    small fixture frontend (the real build is the e2e tests' business), with a file beside it
    that must never be reachable."""
    site = tmp_path_factory.mktemp("site")
    (site / "dist" / "assets").mkdir(parents=True)
    (site / "dist" / "index.html").write_text("<!doctype html><title>Newsroom fixture</title>")
    (site / "dist" / "assets" / "app-1a2b3c4d.js").write_text("export const ok = true;\n")
    (site / "secret.txt").write_text("outside the site root")
    with Stack(
        port=0,
        state_dir=tmp_path_factory.mktemp("devstack-state"),
        frontend_dir=site / "dist",
        prefix="devstack-test",
        keepalive_seconds=0.5,  # so a test sees the periodic `ka` quickly
    ) as running:
        yield running


@pytest.fixture(scope="package")
def token(stack):
    """token(username, kind="AccessToken") -> a fresh Cognito token (cached per user)."""

    @lru_cache(maxsize=None)
    def get(username: str, kind: str = "AccessToken") -> str:
        return stack.sign_in(username)[kind]

    return get


@pytest.fixture
def call(stack, token):
    """call(query, variables, user="journalist" | token=...) -> (status, body)."""

    def run(query, variables=None, user="journalist", raw_token=None):
        response = graphql(stack.graphql_url, query, variables,
                           token=raw_token if raw_token is not None else token(user),
                           ca_path=stack.ca_path)
        return response.status_code, response.json()

    return run


@pytest.fixture
def create_news(call, request):
    """create_news(title, user=...) -> the created News (unique id per test)."""
    counter = iter(range(1000))

    def create(title: str, user: str = "journalist") -> dict:
        news_id = f"news-{abs(hash(request.node.nodeid)) % 10**9}-{next(counter)}"
        status, body = call(CREATE_NEWS, {"input": {"id": news_id, "data": json.dumps(
            {"title": title, "content": "texte", "status": "draft"})}}, user=user)
        assert status == 200 and "errors" not in body, body
        return body["data"]["createNews"]

    return create


@pytest.fixture
def realtime(stack, token):
    """realtime(user="journalist", raw_token=None) -> an unopened RealtimeClient
    (`async with` opens it: connection_init, connection_ack)."""

    def connect(user: str = "journalist", raw_token: str | None = None) -> RealtimeClient:
        return RealtimeClient(stack.realtime_url, raw_token or token(user), stack.ca_path)

    return connect
