"""The APPSYNC_JS resolver code, run under node with a stand-in for `@aws-appsync/utils`:
the Lambda's error envelope becomes a GraphQL error with its `errorInfo`, `publish` hands the
change to subscribers, each `onTChanged` filters on its own entity, and no subscription lets in
an account outside the newsroom's groups."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from newsroom.auth import GROUPS
from newsroom.entities import ENTITIES
from newsroom.errors import ConflictError, NotFoundError, failure, success
from infra.api import resolver_code, subscription_code
from infra.appsync_schema import load

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

# What AppSync's runtime provides, reduced to what the resolvers use; `util.error` throws, as
# in AppSync (the resolver stops there), carrying every argument so the test can read them.
UTILS_STUB = """
export const recorded = { filters: [] };
export class AppSyncError extends Error {
  constructor(message, errorType, data, errorInfo) {
    super(message);
    Object.assign(this, { errorType, data, errorInfo, argumentCount: arguments.length });
  }
}
export const util = {
  error(...args) { throw new AppSyncError(...args); },
  unauthorized() { throw new AppSyncError('Not Authorized to access this field', 'Unauthorized'); },
  transform: {
    toSubscriptionFilter(filter) {
      const filters = [];
      for (const [fieldName, rule] of Object.entries(filter)) {
        for (const [operator, value] of Object.entries(rule)) filters.push({ fieldName, operator, value });
      }
      return { filterGroup: [{ filters }] };
    },
  },
};
export const extensions = { setSubscriptionFilter(filter) { recorded.filters.push(filter); } };
"""

RUNNER = """
import { recorded } from '@aws-appsync/utils';
const [resolverPath, functionName, ctxJson] = process.argv.slice(2);
const resolver = await import(resolverPath);
let outcome;
try {
  outcome = { returned: resolver[functionName](JSON.parse(ctxJson)) ?? null };
} catch (e) {
  if (!('errorType' in e)) throw e;
  outcome = { error: { message: e.message, errorType: e.errorType ?? null, data: e.data ?? null,
                       errorInfo: e.errorInfo ?? null, argumentCount: e.argumentCount } };
}
outcome.filters = recorded.filters;
console.log(JSON.stringify(outcome));
"""


@pytest.fixture(scope="module")
def appsync_js(tmp_path_factory):
    """run(code, function, ctx) -> {"returned"|"error", "filters"} from node."""
    workdir = tmp_path_factory.mktemp("appsync-js")
    package = workdir / "node_modules" / "@aws-appsync" / "utils"
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": "@aws-appsync/utils", "type": "module", "exports": "./index.js"}))
    (package / "index.js").write_text(UTILS_STUB)
    (workdir / "runner.mjs").write_text(RUNNER)

    def run(code: str, function: str, ctx: dict) -> dict:
        resolver = workdir / f"resolver-{abs(hash(code))}.mjs"
        resolver.write_text(code)
        done = subprocess.run(
            ["node", str(workdir / "runner.mjs"), str(resolver), function, json.dumps(ctx)],
            capture_output=True, text=True, timeout=30, cwd=workdir,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run


IDENTITY = {"sub": "3f1c-journalist", "username": "clarabert", "groups": ["journalists"], "claims": {}}
CTX = {
    "arguments": {"input": {"id": "news-1732470000000", "expectedVersion": 3, "data": "{}"}},
    "identity": IDENTITY,
    "source": None,
    "info": {"fieldName": "updateNews", "parentTypeName": "Mutation", "variables": {}, "selectionSetList": ["id"]},
    "request": {"headers": {"x-amzn-requestid": "r-1"}},
}


def test_invoke_hands_the_lambda_a_direct_resolver_event(appsync_js):
    outcome = appsync_js(resolver_code("invoke.js"), "request", CTX)
    assert outcome["returned"] == {
        "operation": "Invoke",
        "payload": {key: CTX[key] for key in ("arguments", "identity", "source", "info", "request")},
    }


def test_invoke_returns_the_data_of_a_success(appsync_js):
    item = {"id": "news-1", "version": 4, "data": "{}"}
    outcome = appsync_js(resolver_code("invoke.js"), "response", {**CTX, "result": success(item)})
    assert outcome == {"returned": item, "filters": []}


def test_a_conflict_becomes_a_graphql_error_carrying_the_current_item(appsync_js):
    current = {"id": "news-1", "version": 5, "title": "Flash info", "updatedBy": "simonmarty"}
    envelope = failure(ConflictError("news-1 changed since version 3", current=current))
    outcome = appsync_js(resolver_code("invoke.js"), "response", {**CTX, "result": envelope})
    assert outcome["error"] == {
        "message": "news-1 changed since version 3",
        "errorType": "ConflictError",
        "data": None,
        "errorInfo": {"current": current},
        "argumentCount": 4,
    }


def test_other_errors_keep_their_type(appsync_js):
    envelope = failure(NotFoundError("no news news-2"))
    outcome = appsync_js(resolver_code("invoke.js"), "response", {**CTX, "result": envelope})
    assert (outcome["error"]["errorType"], outcome["error"]["message"]) == ("NotFoundError", "no news news-2")


def test_a_failed_invocation_is_an_error_not_a_null_result(appsync_js):
    ctx = {**CTX, "error": {"message": "Lambda timed out", "type": "Lambda:ExecutionTimeout"}, "result": None}
    outcome = appsync_js(resolver_code("invoke.js"), "response", ctx)
    assert outcome["error"]["errorType"] == "Lambda:ExecutionTimeout"


def test_publish_hands_the_change_to_subscribers_unchanged(appsync_js):
    change = {"entity": "news", "op": "UPDATE", "id": "news-1", "version": 5, "item": "{}",
              "changedBy": "3f1c", "changedAt": 1732470000000}
    code = resolver_code("publish.js")
    assert appsync_js(code, "request", {"arguments": {"change": change}})["returned"] == {"payload": change}
    assert appsync_js(code, "response", {"arguments": {"change": change}, "result": change})["returned"] == change


def subscriber(*groups: str) -> dict:
    """`ctx.identity` of a Cognito user in these groups (AppSync gives null for none)."""
    return {**IDENTITY, "groups": list(groups) or None}


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_each_entity_subscription_receives_only_its_entity(appsync_js, entity):
    code = subscription_code(f"on{entity.type_name}Changed")
    ctx = {"arguments": {}, "identity": subscriber("journalists")}
    assert appsync_js(code, "request", ctx)["returned"] == {"payload": None}
    outcome = appsync_js(code, "response", {"arguments": {}, "result": None})
    assert outcome["filters"] == [
        {"filterGroup": [{"filters": [{"fieldName": "entity", "operator": "eq", "value": entity.name}]}]}
    ]


def test_presence_subscription_is_delivered_unfiltered(appsync_js):
    outcome = appsync_js(subscription_code("onPresenceChanged"), "response", {"arguments": {}, "result": None})
    assert outcome == {"returned": None, "filters": []}


SUBSCRIPTIONS = sorted(load().subscription_type.fields)


@pytest.mark.parametrize("field_name", SUBSCRIPTIONS)
def test_every_subscription_refuses_an_account_in_no_newsroom_group(appsync_js, field_name):
    code = subscription_code(field_name)
    for outsider in (subscriber(), subscriber("marketing"), {**IDENTITY, "groups": []}, None):
        outcome = appsync_js(code, "request", {"arguments": {}, "identity": outsider})
        assert outcome["error"]["errorType"] == "Unauthorized", (field_name, outsider)
    for group in GROUPS:
        ctx = {"arguments": {}, "identity": subscriber("marketing", group)}
        assert appsync_js(code, "request", ctx)["returned"] == {"payload": None}, (field_name, group)
