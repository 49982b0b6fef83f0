"""Requests and time for the storage module's `load()` of 5,000 items, in Chromium, through the
local stack — beside the legacy design measured in the same run on the same items: one full
Scan per entity table in 1 MB pages (the legacy app did that after every save, and ignored
`LastEvaluatedKey`, so it silently stopped at the first MB of each table). The legacy tables
hold the items as the legacy app stored them, one attribute per field (the platform's tables
pack the app's fields in one attribute: newsroom/items.py, "stored form").

    .venv/bin/python -m bench.load         (needs frontend/dist and /usr/bin/chromium: make install frontend)
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from decimal import Decimal

from devstack import process
from devstack.browser import CHROMIUM_ARGS, MissingTool, chromium, sign_in, stack_for_browsers
from devstack.seed import seed, write_batches
from newsroom.items import to_client

COUNTS = {"news": 3000, "animations": 800, "blocks": 400, "conductors": 500, "journals": 300}
RUNS = 3
# The bytes are read from the page's Resource Timing, not through Playwright: fetching 14 MB of
# response bodies over the DevTools protocol runs in this process, beside the stack's server
# threads (one GIL), and used to add seconds to the time it measures.
LOAD_IN_PAGE = """async () => {
    performance.clearResourceTimings();
    const started = performance.now();
    await window.Storage.reload(); // the page loaded at sign-in: read everything again
    const data = await window.Storage.load();
    const ms = performance.now() - started;
    const bytes = performance.getEntriesByType('resource').filter((entry) => entry.name.endsWith('/graphql'))
        .reduce((sum, entry) => sum + entry.decodedBodySize, 0);
    return { ms, bytes, items: ['news', 'animations', 'blocks', 'conductors', 'journals']
        .reduce((sum, name) => sum + data[name].length, 0) };
}"""


def legacy_tables(stack, written: dict[str, list[dict]]) -> dict[str, str]:
    """The same items in tables of the legacy app's shape: keyed on `id`, one attribute per
    field (what the app saved: its fields and timestamps, no packing, no index attributes)."""
    dynamodb = stack.tables.dynamodb()
    tables = {}
    for name, stored in written.items():
        tables[name] = table = f"bench-legacy-{name}"
        dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        # The client's view with DynamoDB's numbers (to_dynamodb refuses floats).
        write_batches(dynamodb, table, (json.loads(json.dumps(to_client(item)), parse_float=Decimal)
                                        for item in stored))
    return tables


def legacy_scans(stack, tables: dict[str, str]) -> dict[str, float]:
    """The legacy read (loadAllData): a Scan of each table the app lists, 1 MB per page
    (DynamoDB's cap). Measured both as it ran (first page only) and done right (every page)."""
    dynamodb = stack.tables.dynamodb()
    first_page_items = requests = items = 0
    started = time.perf_counter()
    for name in COUNTS:
        table = tables[name]
        start_key = None
        first = True
        while True:
            page = dynamodb.scan(TableName=table, **({"ExclusiveStartKey": start_key} if start_key else {}))
            requests += 1
            items += page["Count"]
            if first:
                first_page_items += page["Count"]
                first = False
            start_key = page.get("LastEvaluatedKey")
            if not start_key:
                break
    return {"requests": requests, "items": items, "first_page_items": first_page_items,
            "ms": (time.perf_counter() - started) * 1000}


def measure_load(stack, tables: dict[str, str]) -> tuple[dict[str, float], dict[str, float]]:
    """load() and the legacy Scans, one after the other RUNS times (the machine's load drifts:
    each pair shares it), medians of each."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_context(ignore_https_errors=True).new_page()
        sign_in(page, stack, "journalist2")
        posts = []
        page.on("request", lambda r: r.url.endswith("/graphql") and posts.append(r))
        runs, legacy_runs = [], []
        for _ in range(RUNS):
            posts.clear()
            result = page.evaluate(LOAD_IN_PAGE)
            runs.append((result["ms"], len(posts), result["bytes"], result["items"]))
            legacy_runs.append(legacy_scans(stack, tables))
        browser.close()
    legacy = {**legacy_runs[-1], "ms": statistics.median(run["ms"] for run in legacy_runs),
              "all_ms": [round(run["ms"]) for run in legacy_runs]}
    return {"ms": statistics.median(run[0] for run in runs), "requests": runs[-1][1],
            "bytes": runs[-1][2], "items": runs[-1][3], "all_ms": [round(run[0]) for run in runs]}, legacy


def main() -> int:
    process.set_up()  # fake credentials (everything goes to the stack's moto), the handlers' metrics off
    total = sum(COUNTS.values())
    try:
        with stack_for_browsers() as stack:
            stack.stop_stream_consumers()  # the seeding's fan-out stays out of the timed reads
            started = time.perf_counter()
            written = {name: seed(stack, {name: count}, prefix="bench") for name, count in COUNTS.items()}
            print(f"seeded {total} items ({', '.join(f'{n} {e}' for e, n in COUNTS.items())}) "
                  f"in {time.perf_counter() - started:.1f} s")
            tables = legacy_tables(stack, written)
            new, legacy = measure_load(stack, tables)
    except MissingTool as missing:
        print(missing, file=sys.stderr)
        return 1

    print(f"\n{'load of ' + str(total) + ' items':44} {'requests':>9} {'time':>10} {'items':>7}")
    print(f"{'storage module load() in Chromium (median)':44} {new['requests']:9d} {new['ms']:8.0f} ms "
          f"{new['items']:7d}   runs {new['all_ms']} ms, {new['bytes'] / 1e6:.1f} MB")
    print(f"{'legacy: Scan per table, every 1 MB page':44} {legacy['requests']:9d} {legacy['ms']:8.0f} ms "
          f"{legacy['items']:7d}   runs {legacy['all_ms']} ms (boto3 straight to moto: no browser, no API)")
    print(f"{'legacy as it ran: first page only':44} {len(COUNTS):9d} {'':>10} {legacy['first_page_items']:7d}   "
          f"{total - legacy['first_page_items']} items silently missing")
    print(f"\nrequests per load: {new['requests']} vs {legacy['requests']} "
          f"({legacy['requests'] / new['requests']:.1f}x fewer); Scans: 0 vs {legacy['requests']}")
    print(f"load() / legacy: {new['ms'] / legacy['ms']:.2f}x the time (target <= 0.5x)")
    print(f"per save: 1 request now vs 1 write + a full re-read ({len(COUNTS)} table scans) in the legacy app")
    return 0


if __name__ == "__main__":
    sys.exit(main())
