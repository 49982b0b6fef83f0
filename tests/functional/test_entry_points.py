"""The Lambda entry points read their environment once, at import: importing one never fails
(the tests and the packaging check import them bare), and a function deployed without a
variable it needs fails each invocation naming it, instead of misbehaving later."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INVOKE = """
import importlib, json, sys, types
module = importlib.import_module(sys.argv[1])
context = types.SimpleNamespace(function_name="f", memory_limit_in_mb=128, aws_request_id="r",
                                invoked_function_arn="arn:aws:lambda:eu-west-3:000000000000:function:f")
stray = {"eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb",
         "eventSourceARN": "arn:aws:dynamodb:eu-west-3:000000000000:table/elsewhere/stream/label",
         "dynamodb": {"SequenceNumber": "1", "Keys": {"id": {"S": "a"}}, "NewImage": {"id": {"S": "a"}}}}
try:
    print(json.dumps(module.handler({"Records": [stray]}, context)))
except Exception as error:
    print(type(error).__name__ + ": " + str(error))
"""
TABLES = {"TABLE_NEWS": "t-news"}


def invoke(module: str, **variables: str) -> str:
    """What invoking `module`'s handler on a record of a table it does not know gives, in a fresh interpreter whose
    environment holds `variables` and nothing of the functions' own."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("TABLE_") and key not in (
               "GRAPHQL_URL", "DISTRIBUTION_ID", "LEGACY_TABLES", "INVALIDATION_PATHS",
               "MAX_INVALIDATION_PATHS", "TOMBSTONE_RETENTION_DAYS")}
    env.update(variables, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", INVOKE, module], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("module, variables, says", [
    ("handlers.publisher", TABLES, "Misconfigured: environment variable GRAPHQL_URL is not set"),
    ("handlers.invalidator", TABLES, "Misconfigured: environment variable DISTRIBUTION_ID is not set"),
    ("handlers.invalidator", {**TABLES, "DISTRIBUTION_ID": "E1", "MAX_INVALIDATION_PATHS": "many"},
     "MAX_INVALIDATION_PATHS must be an integer, not 'many'"),
    ("handlers.invalidator", {**TABLES, "DISTRIBUTION_ID": "E1", "INVALIDATION_PATHS": "{"},
     "INVALIDATION_PATHS is not JSON"),
    ("handlers.bridge", {**TABLES, "LEGACY_TABLES": json.dumps({"saint-esprit-news": "habillage"})},
     "LEGACY_TABLES: ['habillage'] are not entities"),
    ("handlers.resolver", {**TABLES, "TOMBSTONE_RETENTION_DAYS": "a month"},
     "TOMBSTONE_RETENTION_DAYS must be an integer"),
])
def test_a_function_missing_a_variable_fails_each_invocation_naming_it(module, variables, says):
    assert says in invoke(module, **variables)


@pytest.mark.parametrize("module, variables", [
    ("handlers.publisher", {**TABLES, "GRAPHQL_URL": "https://example.invalid/graphql"}),
    ("handlers.invalidator", {**TABLES, "DISTRIBUTION_ID": "E1"}),
    ("handlers.bridge", {**TABLES, "LEGACY_TABLES": json.dumps({"saint-esprit-news": "news"})}),
])
def test_a_configured_function_runs(module, variables):
    """It runs: the stray record is reported failed, alone."""
    assert json.loads(invoke(module, **variables)) == {"batchItemFailures": [{"itemIdentifier": "1"}]}
