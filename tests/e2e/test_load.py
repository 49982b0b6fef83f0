"""load() reads everything through index Queries, a page of all five entities per request:
no Scan, and a handful of requests for over a thousand items (the legacy app scanned six
tables after every save and stopped at the first MB)."""
from __future__ import annotations

import math

import botocore.client
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.bulk_data]

PAGE_SIZE = 500  # frontend/src/operations.js


@pytest.fixture
def dynamodb_calls(monkeypatch):
    """Every DynamoDB operation the handlers make in this process (the gateway runs them here)."""
    calls = []
    original = botocore.client.BaseClient._make_api_call

    def recording(client, operation_name, params):
        if client.meta.service_model.service_name == "dynamodb":
            calls.append(operation_name)
        return original(client, operation_name, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return calls


def test_load_reads_every_page_without_scans_in_few_requests(signed_in_page, stack, dynamodb_calls):
    from devstack.seed import seed

    seed(stack, {"news": 1100, "conductors": 30}, prefix="load")
    page = signed_in_page("journalist2")
    graphql_posts = []
    page.on("request", lambda request: request.url.endswith("/graphql") and graphql_posts.append(request))
    dynamodb_calls.clear()

    counts = page.evaluate("""async () => {
        await window.Storage.reload();  // load() read everything at sign-in and now sends nothing
        const data = await window.Storage.load();
        return Object.fromEntries(['news', 'animations', 'blocks', 'conductors', 'journals']
            .map((name) => [name, data[name].length]));
    }""")

    assert counts["news"] >= 1100 and counts["conductors"] >= 30
    asked = [set(request.post_data_json["variables"]) for request in graphql_posts]
    # The first request asks for a page of all five entities; later ones only for the entities
    # that have more (here the news: DynamoDB also ends a page at 1 MB, about 350 news).
    assert asked[0] == {f"{name}Token" for name in counts}
    assert all(later == {"newsToken"} for later in asked[1:])
    assert math.ceil(1100 / PAGE_SIZE) <= len(graphql_posts) <= 5
    assert "Scan" not in dynamodb_calls
    assert set(dynamodb_calls) == {"Query"}
