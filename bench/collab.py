"""Collaboration benchmark: how fast edit presence reaches the others, and what a merge costs.

    .venv/bin/python -m bench.collab [--announcements 100] [--merge-runs 2000]

1. Presence propagation through the local stack (devstack.Stack on free ports): journalist A
   announces that they edit a news item (HTTPS mutation `announceEditing`); journalist B,
   subscribed to `onPresenceChanged` over the AppSync real-time WebSocket, receives the `data`
   message. Latency = A sends the mutation → B has the message, p50/p95 over N announcements,
   beside A's own request round-trip (the baseline: what propagation adds on top of it).
2. Merge time of a 200-segment conductor (bench/merge_bench.mjs under node: median of many
   runs), beside last-writer-wins (taking my copy whole), the behaviour the merge replaces.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import ssl
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import requests
from websockets.sync.client import connect

from devstack import process
from devstack.stack import Stack

ROOT = Path(__file__).resolve().parent.parent

# As frontend/src/collab/presence.js sends them (subscribers get only the mutation's selection).
PRESENCE_FIELDS = "entity id editorId editorName field expiresAt active"
ANNOUNCE = ("mutation Announce($entity: Entity!, $id: ID!, $field: String) "
            f"{{ announceEditing(entity: $entity, id: $id, field: $field) {{ {PRESENCE_FIELDS} }} }}")
ON_PRESENCE_CHANGED = f"subscription {{ onPresenceChanged {{ {PRESENCE_FIELDS} }} }}"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class PresenceWatcher:
    """Journalist B's browser, reduced to its `onPresenceChanged` subscription: records when each
    item's announcement arrives."""

    def __init__(self, stack: Stack, token: str):
        host = f"127.0.0.1:{stack.port}"
        auth = {"host": host, "Authorization": token}
        header = base64.urlsafe_b64encode(json.dumps(auth).encode()).decode().rstrip("=")
        self.arrivals: dict[str, float] = {}
        self.arrived = threading.Condition()
        self.socket = connect(
            stack.realtime_url,
            subprotocols=["graphql-ws", f"header-{header}"],
            ssl=ssl.create_default_context(cafile=str(stack.ca_path)),
        )
        self.socket.send(json.dumps({"type": "connection_init"}))
        self._expect("connection_ack")
        query = json.dumps({"query": ON_PRESENCE_CHANGED, "variables": {}})
        self.socket.send(json.dumps({"id": "presence", "type": "start",
                                     "payload": {"data": query, "extensions": {"authorization": auth}}}))
        self._expect("start_ack")
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _expect(self, kind: str) -> None:
        while True:
            message = json.loads(self.socket.recv(timeout=10))
            if message["type"] == kind:
                return
            if message["type"] != "ka":
                raise RuntimeError(f"expected {kind}, got {message}")

    def _read(self) -> None:
        for raw in self.socket:
            message = json.loads(raw)
            if message["type"] == "data":
                presence = message["payload"]["data"]["onPresenceChanged"]
                with self.arrived:
                    self.arrivals[presence["id"]] = time.perf_counter()
                    self.arrived.notify_all()

    def wait_for(self, item_id: str, timeout: float = 5.0) -> float:
        with self.arrived:
            if not self.arrived.wait_for(lambda: item_id in self.arrivals, timeout):
                raise TimeoutError(f"no presence for {item_id} within {timeout} s")
            return self.arrivals[item_id]

    def close(self) -> None:
        self.socket.close()


def presence_propagation(announcements: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as state, Stack(port=0, state_dir=Path(state)) as stack:
        editor = stack.sign_in("journalist")["AccessToken"]
        watcher = PresenceWatcher(stack, stack.sign_in("journalist2")["AccessToken"])
        session = requests.Session()
        session.headers["Authorization"] = editor
        round_trips, propagation = [], []
        for n in range(announcements + 5):
            item_id = f"news-bench-{n}"
            sent = time.perf_counter()
            response = session.post(stack.graphql_url, json={
                "query": ANNOUNCE, "variables": {"entity": "news", "id": item_id, "field": "content"}},
                verify=str(stack.ca_path))
            answered = time.perf_counter()
            body = response.json()
            if body.get("errors"):
                raise RuntimeError(body["errors"])
            arrived = watcher.wait_for(item_id)
            if n >= 5:  # the first few warm up connections and imports
                round_trips.append((answered - sent) * 1000)
                propagation.append((arrived - sent) * 1000)
        watcher.close()
    return {
        "round_trip_p50": statistics.median(round_trips),
        "round_trip_p95": percentile(round_trips, 0.95),
        "propagation_p50": statistics.median(propagation),
        "propagation_p95": percentile(propagation, 0.95),
    }


def merge_time(runs: int) -> dict[str, float]:
    output = subprocess.run(["node", str(ROOT / "bench" / "merge_bench.mjs"), str(runs)],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--announcements", type=int, default=100)
    parser.add_argument("--merge-runs", type=int, default=2000)
    args = parser.parse_args()
    process.set_up()  # never a real account: everything goes to the stack's moto

    merge = merge_time(args.merge_runs)
    print(f"merge of a {merge['segments']}-segment conductor (median of {merge['runs']} runs, node):")
    print(f"  three-way merge        {merge['mergeMs']:.3f} ms")
    print(f"  last-writer-wins copy  {merge['lastWriterWinsMs']:.3f} ms (baseline)")
    print(f"  ratio                  {merge['mergeMs'] / merge['lastWriterWinsMs']:.1f}x "
          f"(+{merge['mergeMs'] - merge['lastWriterWinsMs']:.3f} ms per conflicting save)")

    # The handlers print their metrics to stdout (CloudWatch's EMF lines in Lambda): not here.
    with contextlib.redirect_stdout(io.StringIO()):
        presence = presence_propagation(args.announcements)
    print(f"presence propagation through the local stack ({args.announcements} announcements):")
    print(f"  announce round-trip (A)    p50 {presence['round_trip_p50']:.1f} ms  "
          f"p95 {presence['round_trip_p95']:.1f} ms (baseline)")
    print(f"  A announces -> B notified  p50 {presence['propagation_p50']:.1f} ms  "
          f"p95 {presence['propagation_p95']:.1f} ms")
    print(f"  ratio p95                  {presence['propagation_p95'] / presence['round_trip_p95']:.2f}x")


if __name__ == "__main__":
    main()
