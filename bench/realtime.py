"""Real-time propagation through the local stack: how long after client A's change client B's
WebSocket `data` message arrives.

Starts `python -m devstack` (as `make dev` does, in its own process, on a free port), signs in
two demo users, subscribes B to `onNewsChanged`, then measures from the moment A has its answer
to the moment B has the `data` message:
- N mutations through the API (`createNews` over HTTPS), target p95 < 100 ms;
- M writes made straight to the DynamoDB table (through the stack's `/aws` proxy, as a
  scheduled job would write), target p95 < 1.5 s; these wait for the stream poller.
Baselines measured in the same run: the mutation's own HTTPS round trip, and the poll interval.

    .venv/bin/python -m bench.realtime [--mutations 100] [--direct-writes 30]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import requests

from devstack import process
from devstack.client import RealtimeClient, graphql
from devstack.stack import PREFIX
from newsroom.tables import Tables

ROOT = Path(__file__).resolve().parent.parent

MUTATION_TARGET_MS = 100
DIRECT_WRITE_TARGET_MS = 1500
POLL_INTERVAL_MS = 100  # devstack.streams' default
CREATE_NEWS = "mutation($input: CreateItemInput!) { createNews(input: $input) { id version } }"
ON_NEWS = "subscription { onNewsChanged { id op version } }"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def start_stack(state_dir: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", "--port", "0", "--state-dir", str(state_dir)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output = ""
    while "Ctrl-C to stop." not in output:
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"the stack did not start:\n{output}")
        output += line
    return process, re.search(r"(https://127\.0\.0\.1:\d+)/", output)[1]


class Watcher:
    """Client B: records when each news id's `data` message arrives."""

    def __init__(self, client: RealtimeClient):
        self.client = client
        self.arrivals: dict[str, float] = {}
        self.waiting: dict[str, asyncio.Event] = {}

    async def read(self) -> None:
        while True:
            message = await self.client.receive(timeout=3600)
            if message.get("type") == "data":
                news_id = message["payload"]["data"]["onNewsChanged"]["id"]
                self.arrivals[news_id] = time.perf_counter()
                self.waiting.setdefault(news_id, asyncio.Event()).set()

    async def arrival(self, news_id: str, timeout: float = 10) -> float:
        await asyncio.wait_for(self.waiting.setdefault(news_id, asyncio.Event()).wait(), timeout)
        return self.arrivals[news_id]


async def measure(state_dir: Path, mutations: int, direct_writes: int) -> dict[str, list[float]]:
    config = json.loads((state_dir / "config.json").read_text())
    users = {u["username"]: u["password"] for u in json.loads((state_dir / "users.json").read_text())}
    ca = state_dir / "ca.pem"
    aws = {"endpoint_url": config["endpoints"]["cognitoIdp"], "region_name": config["region"],
           "verify": str(ca)}

    def token(username: str) -> str:
        return boto3.client("cognito-idp", **aws).initiate_auth(
            ClientId=config["userPoolClientId"], AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": users[username]},
        )["AuthenticationResult"]["AccessToken"]

    token_a = token("journalist")
    session = requests.Session()  # client A keeps its connection, as a browser does
    # Any key will do: moto does not check signatures (nor does the proxy).
    dynamodb = boto3.client("dynamodb", aws_access_key_id="bench", aws_secret_access_key="bench",
                            **aws)
    results: dict[str, list[float]] = {"round_trip": [], "mutation": [], "direct": []}
    run = int(time.time())
    async with RealtimeClient(config["realtimeUrl"], token("journalist2"), ca) as client_b:
        _, answer = await client_b.subscribe(ON_NEWS)
        assert answer["type"] == "start_ack", answer
        watcher = Watcher(client_b)
        reader = asyncio.create_task(watcher.read())
        try:
            for i in range(mutations):
                news_id = f"news-bench-{run}-{i}"
                sent = time.perf_counter()
                response = await asyncio.to_thread(
                    graphql, config["graphqlUrl"], CREATE_NEWS,
                    {"input": {"id": news_id, "data": json.dumps({"title": f"Bench {i}"})}},
                    token=token_a, ca_path=ca, session=session)
                answered = time.perf_counter()
                assert "errors" not in response.json(), response.text
                results["round_trip"].append((answered - sent) * 1000)
                results["mutation"].append((await watcher.arrival(news_id) - answered) * 1000)
            for i in range(direct_writes):
                news_id = f"flash-bench-{run}-{i}"
                await asyncio.to_thread(
                    dynamodb.put_item, TableName=Tables.named(PREFIX).name("news"),
                    Item={"id": {"S": news_id}, "title": {"S": f"Flash {i}"}})
                written = time.perf_counter()
                results["direct"].append((await watcher.arrival(news_id) - written) * 1000)
                await asyncio.sleep(0.037)  # spread the writes over the poll cycle
        finally:
            reader.cancel()
    return results


def report(name: str, values: list[float], target_ms: float | None, baseline_ms: float) -> None:
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    verdict = "" if target_ms is None else (
        f"  target p95 < {target_ms:.0f} ms: {'met' if p95 < target_ms else 'MISSED'}")
    print(f"{name:<38} n={len(values):<4} p50={p50:7.1f} ms  p95={p95:7.1f} ms  "
          f"max={max(values):7.1f} ms  p95/baseline={p95 / baseline_ms:5.2f}{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mutations", type=int, default=100)
    parser.add_argument("--direct-writes", type=int, default=30)
    args = parser.parse_args()
    process.set_up()  # the sign-ins and the direct writes go to the stack's moto, never a real account
    with tempfile.TemporaryDirectory() as state:
        devstack, url = start_stack(Path(state))
        try:
            results = asyncio.run(measure(Path(state), args.mutations, args.direct_writes))
        finally:
            devstack.send_signal(signal.SIGTERM)
            devstack.wait(timeout=30)
    round_trip_p95 = percentile(results["round_trip"], 0.95)
    print(f"Real-time propagation through the local stack ({url}), A's answer → B's data:")
    report("baseline: mutation HTTPS round trip", results["round_trip"], None, round_trip_p95)
    report("mutation → subscriber", results["mutation"], MUTATION_TARGET_MS, round_trip_p95)
    report("direct table write → subscriber", results["direct"], DIRECT_WRITE_TARGET_MS,
           POLL_INTERVAL_MS)
    print(f"(ratios: mutation against its own round trip p95; direct writes against the "
          f"{POLL_INTERVAL_MS} ms poll interval)")


if __name__ == "__main__":
    main()
