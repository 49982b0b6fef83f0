"""Tracing as deployed: in Lambda's environment (tracing on, an X-Ray trace header per call), the
resolver sends its subsegments to the X-Ray daemon, each DynamoDB call among them, and patches
only what the handlers use (botocore, http.client). The other tests run with tracing disabled.

The handler runs in a fresh interpreter, as deployed (built at import from its environment's
TABLE_* variables): the X-Ray recorder and its patches are process-wide.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CALL_THE_RESOLVER = """
import json, sys
sys.path.insert(0, "tests/functional")
from appsync_calls import call_with
from aws_xray_sdk.core.patcher import _PATCHED_MODULES
from handlers import resolver
envelope = call_with(resolver.handler, "createNews", None, input={"data": json.dumps({"title": "Flash Info 7h30"})})
print(json.dumps({"envelope": envelope, "patched": sorted(_PATCHED_MODULES)}))
"""


def _documents(daemon: socket.socket, wanted, timeout: float = 10.0) -> list[dict]:
    """The segment documents the daemon received until `wanted(documents)` holds."""
    documents: list[dict] = []
    deadline = time.monotonic() + timeout
    while not wanted(documents) and time.monotonic() < deadline:
        daemon.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            datagram = daemon.recv(65536).decode()
        except socket.timeout:
            break
        header, _, body = datagram.partition("\n")  # {"format": "json", "version": 1}\n{...}
        assert json.loads(header)["format"] == "json"
        documents.append(json.loads(body))
    return documents


def test_the_resolver_traces_its_dynamodb_calls_in_lambda(tables):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as daemon:
        daemon.bind(("127.0.0.1", 0))
        env = {key: value for key, value in os.environ.items() if key != "POWERTOOLS_TRACE_DISABLED"}
        env.update({
            "PYTHONPATH": str(ROOT),
            "LAMBDA_TASK_ROOT": str(ROOT),
            "AWS_LAMBDA_FUNCTION_NAME": "saint-esprit-test-resolver",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "_X_AMZN_TRACE_ID": "Root=1-67a0b1c2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:%d" % daemon.getsockname()[1],
            **tables.env(),
        })
        done = subprocess.run([sys.executable, "-c", CALL_THE_RESOLVER], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout.strip().splitlines()[-1])
        documents = _documents(daemon, lambda docs: any(d.get("name") == "## handler" for d in docs))

    assert "error" not in result["envelope"], result["envelope"]
    assert result["envelope"]["data"]["version"] == 1
    assert result["patched"] == ["botocore", "httplib"]
    trace_id = "1-67a0b1c2-0123456789abcdef01234567"
    assert documents and all(d["trace_id"] == trace_id for d in documents)
    by_name = {d["name"]: d for d in documents}
    handler = by_name["## handler"]
    assert handler["parent_id"] == "53995c3f42cd8ad8"  # under Lambda's own segment
    dynamodb = [d for d in documents if d["name"] == "dynamodb"]  # botocore's service name
    assert [d["aws"]["operation"] for d in dynamodb] == ["PutItem"]  # a create is one PutItem
    assert dynamodb[0]["parent_id"] == handler["id"]
    assert dynamodb[0]["aws"]["table_name"] == tables.name("news")
    assert dynamodb[0]["namespace"] == "aws" and not dynamodb[0].get("fault")
