"""The gateway's translation of the resolver envelope (devstack/invoke.py) agrees with what
AppSync runs (infra/resolvers/invoke.js, executed here under node with a stand-in for
`@aws-appsync/utils`) on the same envelopes, edge cases included."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from devstack import invoke
from newsroom.errors import ConflictError, NotFoundError, ValidationError, failure, success

ROOT = Path(__file__).resolve().parents[2]
INVOKE_JS = ROOT / "infra" / "resolvers" / "invoke.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

UTILS_STUB = """
export class UtilError extends Error {
  constructor(message, errorType, data, errorInfo) {
    super(message);
    Object.assign(this, { errorType, data, errorInfo, fromUtil: true });
  }
}
export const util = { error(...args) { throw new UtilError(...args); } };
"""

# Reads [[ctx, ...]] on stdin, prints one outcome per ctx.
RUNNER = """
import { request, response } from './invoke.mjs';
import { readFileSync } from 'node:fs';
const cases = JSON.parse(readFileSync(0, 'utf8'));
const outcomes = cases.map(({ ctx }) => {
  const out = { request: request(ctx) };
  try {
    out.returned = response(ctx) ?? null;
  } catch (e) {
    out.error = e.fromUtil
      ? { message: e.message, errorType: e.errorType ?? null, data: e.data ?? null,
          errorInfo: e.errorInfo ?? null }
      : { errorType: e.name };  // a JavaScript failure (e.g. destructuring null)
  }
  return out;
});
console.log(JSON.stringify(outcomes));
"""

CURRENT = {"id": "conductor-1", "version": 4, "segments": [{"id": "s1", "type": "news"}]}
ENVELOPES = [
    (success({"id": "news-1", "version": 2}), None),
    (success(None), None),
    (success([1, 2, 3]), None),
    ({}, None),
    (failure(ConflictError("news-1 changed since version 3", CURRENT)), None),
    (failure(NotFoundError("no news news-9")), None),
    (failure(ValidationError("title must be text", {"field": "title"})), None),
    ({"error": {}}, None),  # an empty object is truthy in JavaScript
    ({"error": None, "data": 5}, None),
    ({"error": "", "data": "kept"}, None),
    ({"error": 0, "data": 1}, None),
    ({"error": False, "data": {"a": 1}}, None),
    ({"error": "bare string"}, None),
    (success({"id": "x"}), {"message": "Task timed out", "type": "Lambda:Unhandled"}),
    (None, None),
]


@pytest.fixture(scope="module")
def node_outcomes(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("invoke-js")
    package = workdir / "node_modules" / "@aws-appsync" / "utils"
    package.mkdir(parents=True)
    (package / "package.json").write_text(
        json.dumps({"name": "@aws-appsync/utils", "type": "module", "exports": "./index.js"})
    )
    (package / "index.js").write_text(UTILS_STUB)
    (workdir / "invoke.mjs").write_text(INVOKE_JS.read_text())
    (workdir / "runner.mjs").write_text(RUNNER)
    cases = [{"ctx": _ctx(result, error)} for result, error in ENVELOPES]
    done = subprocess.run(["node", "runner.mjs"], input=json.dumps(cases), capture_output=True,
                          text=True, cwd=workdir, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _ctx(result, error):
    ctx = {
        "arguments": {"id": "news-1"},
        "identity": {"sub": "u-1", "username": "journalist", "groups": ["journalists"]},
        "source": None,
        "info": {"fieldName": "getNews", "parentTypeName": "Query", "variables": {},
                 "selectionSetList": ["id"], "selectionSetGraphQL": "{ id }"},
        "request": {"headers": {"host": "127.0.0.1"}},
        "result": result,
    }
    if error is not None:
        ctx["error"] = error
    return ctx


def _python_outcome(result, error):
    try:
        return {"returned": invoke.response(result, error)}
    except invoke.AppSyncError as failed:
        if failed.error_type == "TypeError":
            return {"error": {"errorType": "TypeError"}}
        return {"error": {"message": failed.message, "errorType": failed.error_type,
                          "data": failed.data, "errorInfo": failed.error_info}}


@pytest.mark.parametrize("index", range(len(ENVELOPES)))
def test_envelope_translation_matches_invoke_js(node_outcomes, index):
    result, error = ENVELOPES[index]
    expected = {k: v for k, v in node_outcomes[index].items() if k != "request"}
    assert _python_outcome(result, error) == expected


def test_conflict_keeps_the_current_item_in_error_info(node_outcomes):
    outcome = _python_outcome(*ENVELOPES[4])
    assert outcome["error"]["errorType"] == "ConflictError"
    assert outcome["error"]["errorInfo"] == {"current": CURRENT}


def test_event_matches_invoke_js_request(node_outcomes):
    ctx = _ctx(None, None)
    event = invoke.request(ctx["arguments"], ctx["identity"], ctx["source"], ctx["info"],
                           ctx["request"])
    assert node_outcomes[0]["request"] == {"operation": "Invoke", "payload": event}
