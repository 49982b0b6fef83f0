"""What the resolver Lambda costs on top of the DynamoDB call it makes.

- Warm overhead: createNews through the resolver handler (event parsing, identity, routing,
  normalisation, size checks, conditional PutItem, GraphQL shape, Powertools log/metrics) vs a
  bare boto3 `put_item` of the same stored item, on the same moto server; getNews vs a bare
  `get_item` likewise. Target: <= 1.5x.
- Cold import: each handler module imported in a fresh interpreter vs `import boto3` alone
  (the handlers import boto3 on first use). Median of several runs. Target: <= 1.5x.
  Powertools' Tracer builds the X-Ray recorder at import, even with tracing disabled, and the
  recorder creates its own botocore client: that is most of the handlers' import time, so the
  figure is also given against `import boto3, aws_xray_sdk.core` (what any X-Ray-traced Python
  function pays).

Run: .venv/bin/python bench/resolver_overhead.py
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "functional"))

from list_reads import local_aws  # noqa: E402  (bench/ is the script's folder)

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


def warm_overhead() -> dict[str, tuple[float, float]]:
    """Median seconds per call (resolver, bare boto3) for a write and a read."""
    from appsync_calls import call, identity
    from handlers import items
    from handlers.entities import BY_NAME
    from handlers.tables import to_dynamodb

    news, caller = BY_NAME["news"], identity("journalist-1", "journalists")
    import boto3

    client, table = boto3.client("dynamodb"), news.table_name()
    fields = json.dumps(NEWS_FIELDS)

    def resolver_create(n, tag):
        envelope = call("createNews", caller, input={"id": f"news-{tag}-{n}", "data": fields})
        assert "data" in envelope, envelope

    def bare_put(n, tag):
        item = items.new_item(news, NEWS_FIELDS, item_id=f"bare-{tag}-{n}", owner_id="journalist-1",
                              updated_by="journalist-1", now_ms=1_763_451_000_000)
        client.put_item(TableName=table, Item=to_dynamodb(item))

    def resolver_get(n, tag):
        assert call("getNews", caller, id=f"news-{tag}-{n}")["data"]

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


def import_seconds(modules: list[str]) -> dict[str, float]:
    """Median import time of each module in fresh interpreters, runs interleaved so that the
    machine's load hits every module alike."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs: dict[str, list[float]] = {module: [] for module in modules}
    for _ in range(IMPORT_RUNS):
        for module in modules:
            code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
            done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                                  capture_output=True, text=True)
            runs[module].append(float(done.stdout))
    return {module: statistics.median(values) for module, values in runs.items()}


def main() -> None:
    with local_aws("bench-overhead"):
        warm = warm_overhead()
        imports = import_seconds(["boto3", "boto3, aws_xray_sdk.core", *MODULES])
    baseline, with_xray = imports.pop("boto3"), imports.pop("boto3, aws_xray_sdk.core")
    for name, (resolver, bare) in warm.items():
        label = "createNews vs put_item" if name == "write" else "getNews vs get_item"
        print(f"warm {label}: {resolver * 1000:.2f} ms vs {bare * 1000:.2f} ms per call "
              f"= {resolver / bare:.2f}x (target <= 1.5x)")
    print(f"cold import of boto3 alone: {baseline * 1000:.0f} ms; of boto3 + X-Ray SDK: "
          f"{with_xray * 1000:.0f} ms (medians of {IMPORT_RUNS})")
    for module, seconds in imports.items():
        print(f"cold import of {module}: {seconds * 1000:.0f} ms = {seconds / baseline:.2f}x boto3 "
              f"(target <= 1.5x), {seconds / with_xray:.2f}x boto3 + X-Ray SDK")


if __name__ == "__main__":
    main()
