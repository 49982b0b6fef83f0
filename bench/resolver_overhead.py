"""What the resolver Lambda costs on top of the DynamoDB call it makes.

- Warm overhead: createNews through the resolver handler (event parsing, identity, routing,
  normalisation, size checks, conditional PutItem, GraphQL shape, Powertools log/metrics) vs a
  bare boto3 `put_item` of the same stored item, on the same moto server; getNews vs a bare
  `get_item` likewise. Target: <= 1.5x.
- Cold import: each handler module, with the boto3 its first call imports (the handlers import
  boto3 on first use), in a fresh interpreter vs `import boto3` alone. Median of several runs,
  interleaved. Target: <= 1.5x. Measured in the environment the Lambda runtime gives a
  function (LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME, ...; baseline included), where it
  counts: there Powertools' Tracer is enabled and patches botocore and http.client, and the
  X-Ray recorder samples locally. Outside Lambda the recorder builds a centralized sampler with
  its own botocore client (~100 ms more): those figures are printed for reference, with
  `import boto3, aws_xray_sdk.core` (what any X-Ray-traced function pays) beside them.

Run: .venv/bin/python -m bench.resolver_overhead     (from the repository's root)
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.lambda_events import context, identity, resolver_event
from bench.list_reads import local_aws
from devstack import process
from newsroom.tables import Tables

ROOT = Path(__file__).resolve().parent.parent

# The resolver as infra/api.py configures it (metrics and INFO logs on), tracing off as in a
# stack deployed without it; the environment still wins.
RESOLVER_CONFIGURATION = {"POWERTOOLS_SERVICE_NAME": "saint-esprit-resolver",
                          "POWERTOOLS_METRICS_NAMESPACE": "SaintEsprit", "POWERTOOLS_LOG_LEVEL": "INFO",
                          "POWERTOOLS_TRACE_DISABLED": "true"}
CALLS = 300
ROUNDS = 5
IMPORT_RUNS = 9
MODULES = ("handlers.resolver", "handlers.publisher", "handlers.invalidator")
NEWS_FIELDS = {"title": "Flash Info 7h30", "lancement": "Bonjour", "content": "texte " * 300,
               "pied": "Fin", "status": "draft", "category": "local", "duration": "1:30"}


def _per_call(run, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        run(n)
    return (time.perf_counter() - started) / count


def warm_overhead(tables: Tables) -> dict[str, tuple[float, float]]:
    """Median seconds per call (resolver, bare boto3) for a write and a read."""
    from handlers import resolver
    from newsroom import items
    from newsroom.aws import to_dynamodb
    from newsroom.entities import BY_NAME

    news, caller = BY_NAME["news"], identity("journalist-1", "journalists")
    client, table = tables.dynamodb(), tables.name(news)
    handler, lambda_context = resolver.build(tables), context("saint-esprit-resolver")
    fields = json.dumps(NEWS_FIELDS)

    def call(field, **arguments):
        return handler(resolver_event(field, caller, **arguments), lambda_context)

    def resolver_create(n, tag):
        envelope = call("createNews", input={"id": f"news-{tag}-{n}", "data": fields})
        assert "data" in envelope, envelope

    def bare_put(n, tag):
        item = items.new_item(news, NEWS_FIELDS, item_id=f"bare-{tag}-{n}", owner_id="journalist-1",
                              updated_by="journalist-1", now_ms=1_763_451_000_000)
        client.put_item(TableName=table, Item=to_dynamodb(item))

    def resolver_get(n, tag):
        assert call("getNews", id=f"news-{tag}-{n}")["data"]

    def bare_get(n, tag):
        assert client.get_item(TableName=table, Key={"id": {"S": f"bare-{tag}-{n}"}}, ConsistentRead=True)["Item"]

    timings: dict[str, list[float]] = {name: [] for name in ("create", "put", "get", "get_item")}
    with contextlib.redirect_stdout(io.StringIO()):  # Powertools metrics lines
        for n in range(30):  # warm both paths: clients, connections, caches
            resolver_create(n, "warm"), bare_put(n, "warm")
        for round_ in range(ROUNDS):  # alternate so that drift hits both sides alike
            timings["create"].append(_per_call(lambda n: resolver_create(n, round_), CALLS // ROUNDS))
            timings["put"].append(_per_call(lambda n: bare_put(n, round_), CALLS // ROUNDS))
            timings["get"].append(_per_call(lambda n: resolver_get(n, round_), CALLS // ROUNDS))
            timings["get_item"].append(_per_call(lambda n: bare_get(n, round_), CALLS // ROUNDS))
    median = {name: statistics.median(values) for name, values in timings.items()}
    return {"write": (median["create"], median["put"]), "read": (median["get"], median["get_item"])}


# What the Lambda runtime sets (plus the service name infra/ gives the functions).
LAMBDA_ENV = {"LAMBDA_TASK_ROOT": str(ROOT), "AWS_LAMBDA_FUNCTION_NAME": "saint-esprit-bench-resolver",
              "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
              "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13", "AWS_REGION": "eu-west-3",
              "POWERTOOLS_SERVICE_NAME": "saint-esprit"}


def import_seconds(modules: list[str], in_lambda: bool) -> dict[str, float]:
    """Median import time of each module in fresh interpreters, runs interleaved so that the
    machine's load hits every module alike."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in LAMBDA_ENV:
        env.pop(name, None)
    if in_lambda:
        env.update(LAMBDA_ENV)
    runs: dict[str, list[float]] = {module: [] for module in modules}
    for _ in range(IMPORT_RUNS):
        for module in modules:
            code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
            done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                                  capture_output=True, text=True)
            runs[module].append(float(done.stdout))
    return {module: statistics.median(values) for module, values in runs.items()}


def main() -> None:
    process.set_up(function_defaults=RESOLVER_CONFIGURATION)
    with local_aws("bench-overhead") as tables:
        warm = warm_overhead(tables)
        modules = ["boto3", "boto3, aws_xray_sdk.core", *(f"boto3, {module}" for module in MODULES)]
        imports = {where: import_seconds(modules, where == "in Lambda") for where in ("in Lambda", "outside Lambda")}
    for name, (resolver, bare) in warm.items():
        label = "createNews vs put_item" if name == "write" else "getNews vs get_item"
        print(f"warm {label}: {resolver * 1000:.2f} ms vs {bare * 1000:.2f} ms per call "
              f"= {resolver / bare:.2f}x (target <= 1.5x)")
    for where, seconds_of in imports.items():
        baseline, with_xray = seconds_of.pop("boto3"), seconds_of.pop("boto3, aws_xray_sdk.core")
        target = "(target <= 1.5x)" if where == "in Lambda" else "(for reference)"
        print(f"cold import {where}: boto3 alone {baseline * 1000:.0f} ms, boto3 + X-Ray SDK "
              f"{with_xray * 1000:.0f} ms (medians of {IMPORT_RUNS})")
        for module, seconds in seconds_of.items():
            print(f"  {module.removeprefix('boto3, ')} + boto3: {seconds * 1000:.0f} ms = {seconds / baseline:.2f}x boto3 {target}, "
                  f"{seconds / with_xray:.2f}x boto3 + X-Ray SDK")


if __name__ == "__main__":
    main()
