"""Read amplification of listing news: items read per item returned, on a 10,000-item table.

The resolver lists live items with a Query on the sparse live index (tombstones are not in it);
the design it replaces scanned the whole table and dropped tombstones afterwards (and the
existing app stopped at the first 1 MB page). Both run here against the same moto server and
the same data (20% tombstones). Target: 1.0 item read per item returned.

The trash (deleted items) likewise: a Query on the sparse trash index, beside the first
design of the newsroom page, which read every change of the retention window (changesSince)
and kept the deletes.

Run: .venv/bin/python -m bench.list_reads     (from the repository's root)
"""
from __future__ import annotations

import contextlib
import io
import time

from bench.lambda_events import REGION, context, identity, resolver_event
from devstack import process
from newsroom.tables import Tables

ITEMS = 10_000
TOMBSTONE_SHARE = 0.2


@contextlib.contextmanager
def local_aws(prefix: str = "bench"):
    """A moto server on a free loopback port with fresh tables; yields the `Tables` naming them
    (the other in-process benchmarks reuse this). Call `devstack.process.set_up()` first: the
    credentials must be fake."""
    from devstack.provision import create_tables
    from devstack.moto_server import MotoServer

    server = MotoServer()
    endpoint = server.start()
    try:
        tables = Tables.named(prefix, endpoint_url=endpoint, region=REGION)
        create_tables(tables.dynamodb(), tables)
        yield tables
    finally:
        server.stop()


def fill(tables: Tables, news) -> int:
    """10,000 news of about 2 KB, every fifth one a tombstone; returns the live count."""
    from newsroom import items
    from newsroom.aws import to_dynamodb

    live, batch = 0, []
    for n in range(ITEMS):
        item = items.new_item(news, {"title": f"Flash {n}", "content": "x" * 2000, "category": "local"},
                              item_id=f"news-{n}", owner_id="journalist-1", updated_by="journalist-1",
                              now_ms=1_763_451_000_000 + n)
        if n % int(1 / TOMBSTONE_SHARE) == 0:
            item = items.tombstone(item, updated_by="journalist-1", now_ms=1_763_452_000_000 + n)
        else:
            live += 1
        batch.append({"PutRequest": {"Item": to_dynamodb(item)}})
        if len(batch) == 25:
            tables.dynamodb().batch_write_item(RequestItems={tables.name(news): batch})
            batch = []
    return live


def through_resolver(tables: Tables, field: str, kept=lambda item: True, **arguments) -> tuple[int, int, int]:
    """Page a list field to completion through the resolver Lambda; count what DynamoDB read
    and the items `kept` (what the caller shows)."""
    from handlers import resolver

    handler, caller = resolver.build(tables), identity("journalist-1")
    read = {"items": 0, "requests": 0}

    def count(parsed, **_):
        read["items"] += parsed.get("ScannedCount", 0)
        read["requests"] += 1

    events = tables.dynamodb().meta.events  # the client the resolver reads through
    events.register("after-call.dynamodb.Query", count)
    returned, token = 0, None
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # Powertools metrics lines
            while True:
                envelope = handler(resolver_event(field, caller, limit=1000, nextToken=token, **arguments),
                                   context("saint-esprit-resolver"))
                page = envelope["data"]
                returned += sum(1 for item in page["items"] if kept(item))
                token = page["nextToken"]
                if not token:
                    break
    finally:
        events.unregister("after-call.dynamodb.Query", count)
    assert read["requests"], "the resolver's Queries were not seen: it reads through another client"
    return read["items"], returned, read["requests"]


def scan_and_filter(tables: Tables, news) -> tuple[int, int, int, int]:
    """The replaced design: Scan every page, drop tombstones in code."""
    read = returned = requests = first_page_live = 0
    start = None
    while True:
        page = tables.dynamodb().scan(TableName=tables.name(news), **({"ExclusiveStartKey": start} if start else {}))
        requests += 1
        read += page["ScannedCount"]
        live = sum(1 for item in page["Items"] if "deletedAt" not in item)
        returned += live
        if requests == 1:
            first_page_live = live
        start = page.get("LastEvaluatedKey")
        if not start:
            return read, returned, requests, first_page_live


def main() -> None:
    from newsroom.entities import BY_NAME

    process.set_up()
    news = BY_NAME["news"]
    with local_aws("bench-list") as tables:
        started = time.perf_counter()
        live = fill(tables, news)
        print(f"table: {ITEMS} news (~2 KB each), {ITEMS - live} tombstones, {live} live "
              f"(filled in {time.perf_counter() - started:.1f} s)")
        started = time.perf_counter()
        index_read, index_returned, index_requests = through_resolver(tables, "listNews")
        list_seconds = time.perf_counter() - started
        started = time.perf_counter()
        scan_read, scan_returned, scan_requests, first_page = scan_and_filter(tables, news)
        scan_seconds = time.perf_counter() - started
        trash = through_resolver(tables, "listDeletedNews")
        feed = through_resolver(tables, "changesSince", kept=lambda change: change["op"] == "DELETE",
                                entity="news", since=0)  # the whole retention window
    assert index_returned == scan_returned == live, (index_returned, scan_returned, live)
    assert trash[1] == feed[1] == ITEMS - live, (trash, feed)
    index_ratio, scan_ratio = index_read / index_returned, scan_read / scan_returned
    print(f"listNews (Query on live index):  read {index_read:6d} items in {index_requests:3d} requests, "
          f"returned {index_returned}: {index_ratio:.2f} read per returned (target 1.0)")
    print(f"scan and filter (old design):     read {scan_read:6d} items in {scan_requests:3d} requests, "
          f"returned {scan_returned}: {scan_ratio:.2f} read per returned")
    print(f"wall time on moto (not DynamoDB's): list {list_seconds:.1f} s, scan {scan_seconds:.1f} s")
    print(f"ratio scan/list items read: {scan_read / index_read:.2f}x")
    print(f"the old app's single Scan (no LastEvaluatedKey) saw {first_page} of {live} live news "
          f"({first_page / live:.0%})")
    for label, (read, returned, requests) in (("trash (Query on trash index):", trash),
                                              ("trash via changesSince (before):", feed)):
        print(f"{label:34}read {read:6d} items in {requests:3d} requests, returned {returned}: "
              f"{read / returned:.2f} read per returned")


if __name__ == "__main__":
    main()
