"""The event the gateway hands the resolver Lambda is AppSync's direct-Lambda event, and a
failing Lambda surfaces as AppSync surfaces it. A recording stand-in replaces the resolver
here: these tests are about the event, not the newsroom's rules."""
from __future__ import annotations

import asyncio

from devstack.gateway import Gateway
from devstack.identity import USER_POOL, Caller

CALLER = Caller(USER_POOL, {"sub": "u-1", "username": "journalist", "groups": ["journalists"],
                            "claims": {"sub": "u-1"}, "sourceIp": ["127.0.0.1"],
                            "issuer": "https://cognito-idp.eu-west-3.amazonaws.com/pool",
                            "defaultAuthStrategy": "ALLOW"})


def _run(gateway, query, variables=None, headers=None):
    return asyncio.run(gateway.execute({"query": query, "variables": variables or {}}, CALLER,
                                       headers or {"host": "127.0.0.1:8443"}))


def test_the_resolver_gets_appsyncs_direct_lambda_event():
    events, writes = [], []

    def resolver(event, context):
        events.append(event)
        assert context.aws_request_id and context.function_name == "saint-esprit-resolver"
        return {"data": {"items": [{"id": "news-1", "version": 1, "createdAt": 1.0,
                                    "updatedAt": 1.0, "data": {"title": "t"}}],
                         "nextToken": None}}

    gateway = Gateway(resolver, "eu-west-3", on_write=writes.append)
    response = _run(gateway, """
        query Page($limit: Int) { listNews(limit: $limit) { items { ...Fields data } nextToken } }
        fragment Fields on News { id version }""", {"limit": 50}, {"host": "h", "x-a": "b"})

    assert response == {"data": {"listNews": {
        "items": [{"id": "news-1", "version": 1, "data": '{"title":"t"}'}], "nextToken": None}}}
    (event,) = events
    assert set(event) == {"arguments", "identity", "source", "info", "request"}
    assert event["arguments"] == {"limit": 50}
    assert event["identity"] == CALLER.identity and event["source"] is None
    assert event["info"]["fieldName"] == "listNews"
    assert event["info"]["parentTypeName"] == "Query"
    assert event["info"]["variables"] == {"limit": 50}
    assert event["info"]["selectionSetList"] == [
        "items", "items/id", "items/version", "items/data", "nextToken"]
    assert event["info"]["selectionSetGraphQL"].startswith("{")
    assert event["request"]["headers"] == {"host": "h", "x-a": "b"}
    assert writes == []  # a query writes nothing


def test_a_mutation_wakes_its_tables_poller():
    writes = []
    gateway = Gateway(lambda event, context: {"data": None}, "eu-west-3", on_write=writes.append)
    _run(gateway, 'mutation { deleteConductor(id: "c", expectedVersion: 1) { id } }')
    assert writes == ["conductors"]


def test_a_crashing_lambda_is_a_lambda_unhandled_error():
    def resolver(event, context):
        raise RuntimeError("boom")

    response = _run(Gateway(resolver, "eu-west-3"), '{ getNews(id: "x") { id } }')
    assert response["data"] == {"getNews": None}
    assert response["errors"][0]["errorType"] == "Lambda:Unhandled"
    assert response["errors"][0]["message"] == "boom"
