"""Requests and time of a simulated session of the station's app — boot, 10 view switches (each
calls `load()`, as the app's loadNews/loadAnimations/... do), 5 saves (each followed by the
app's re-read) — with the storage module in Chromium through the local stack, beside the old
storage's behaviour measured in the same run on the same tables: a Scan of every table per
`load()`, a full re-read after every save, a DescribeTable of every table at boot.

    .venv/bin/python -m bench.app_session    (needs frontend/dist and /usr/bin/chromium: make install frontend)
"""
from __future__ import annotations

import sys
import time

from devstack import process
from devstack.browser import CHROMIUM_ARGS, MissingTool, chromium, sign_in, stack_for_browsers
from devstack.seed import seed

# A station's newsroom after a few months (the tables the app lists).
COUNTS = {"news": 200, "animations": 50, "blocks": 25, "conductors": 15, "journals": 10}
APP_LISTS = list(COUNTS)
VIEW_SWITCHES = 10
SAVES = 5

# A fresh storage instance of the page's class, used as the app uses it. Phases are marked so
# that the requests of each can be counted from outside.
SESSION_IN_PAGE = """async ({ ids, switches }) => {
    const marks = {};
    const mark = (name) => { marks[name] = performance.now(); window.__phase = name; };
    mark('boot');
    const storage = new window.Storage.constructor();
    await storage.init();
    await storage.load();
    mark('views');
    for (let i = 0; i < switches; i++) await storage.load();
    mark('saves');
    for (const id of ids) {
        const news = (await storage.load()).news.find((item) => item.id === id);
        news.title = `${news.title} (modifié)`;
        await storage.saveItem('news', news);
        await storage.load(); // the app re-reads after every write
    }
    mark('end');
    storage.stopLive();
    await storage.presence?.close();
    return marks;
}"""


def legacy_session(stack, ids: list[str]) -> dict[str, tuple[int, float]]:
    """The old storage's traffic for the same session, boto3 straight to moto (no browser, no
    API: a lower bound of what it cost). Per phase: (DynamoDB requests, seconds)."""
    dynamodb = stack.tables.dynamodb()
    tables = {name: stack.tables.name(name) for name in APP_LISTS}
    count = 0

    def scan_all() -> None:  # loadAllData, every page (the old code stopped at the first MB)
        nonlocal count
        for table in tables.values():
            start_key = None
            while True:
                page = dynamodb.scan(TableName=table, **({"ExclusiveStartKey": start_key} if start_key else {}))
                count += 1
                start_key = page.get("LastEvaluatedKey")
                if not start_key:
                    break

    phases = {}

    def phase(name, run) -> None:
        nonlocal count
        count = 0
        started = time.perf_counter()
        run()
        phases[name] = (count, time.perf_counter() - started)

    def boot() -> None:
        nonlocal count
        for table in [*tables.values(), stack.tables.name("multitracks")]:
            dynamodb.describe_table(TableName=table)  # init checks every table it uses
            count += 1
        scan_all()  # init's loadAllData

    def views() -> None:
        for _ in range(VIEW_SWITCHES):
            scan_all()

    def saves() -> None:
        nonlocal count
        for item_id in ids:
            scan_all()  # the app's load() before editing
            dynamodb.update_item(
                TableName=tables["news"], Key={"id": {"S": item_id}},
                UpdateExpression="SET title = :title, updatedAt = :now",
                ExpressionAttributeValues={":title": {"S": "modifié"}, ":now": {"N": str(int(time.time() * 1000))}})
            count += 1
            scan_all()  # saveItem's refresh: loadAllData
            scan_all()  # the app's re-read: load()

    phase("boot", boot)
    phase("views", views)
    phase("saves", saves)
    return phases


def new_session(stack, ids: list[str]) -> dict[str, tuple[int, float]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_context(ignore_https_errors=True).new_page()
        sign_in(page, stack, "journalist")
        requests: list[tuple[str, str]] = []  # (phase, url) of every HTTP request the page makes

        def on_request(request) -> None:
            if request.url.startswith(("http", "https")) and request.resource_type in ("fetch", "xhr"):
                requests.append((phase_now[0], request.url))

        phase_now = ["before"]
        page.expose_function("__phaseChanged", lambda name: phase_now.__setitem__(0, name))
        page.evaluate("""() => { let current; Object.defineProperty(window, '__phase', {
            set(name) { current = name; window.__phaseChanged(name); }, get() { return current; } }); }""")
        page.on("request", on_request)
        marks = page.evaluate(SESSION_IN_PAGE, {"ids": ids, "switches": VIEW_SWITCHES})
        page.remove_listener("request", on_request)
        browser.close()
    order = ["boot", "views", "saves", "end"]
    return {name: (sum(1 for phase, _ in requests if phase == name), (marks[nxt] - marks[name]) / 1000,
                   sum(1 for phase, url in requests if phase == name and url.endswith("/graphql")))
            for name, nxt in zip(order, order[1:])}


def main() -> int:
    process.set_up()  # fake credentials (everything goes to the stack's moto), the handlers' metrics off
    try:
        with stack_for_browsers() as stack:
            stack.stop_stream_consumers()  # the seeding's fan-out stays out of the timed reads
            written = seed(stack, COUNTS, prefix="session")
            ids = [item["id"] for item in written if item["id"].startswith("session-news-")][:SAVES]
            new = new_session(stack, ids)
            legacy = legacy_session(stack, ids)
    except MissingTool as missing:
        print(missing, file=sys.stderr)
        return 1

    total = sum(COUNTS.values())
    print(f"app session on {total} items: boot, {VIEW_SWITCHES} view switches (load() each), "
          f"{SAVES} saves (load(), saveItem, load())")
    print(f"{'phase':8} {'requests now (GraphQL)':>23} {'legacy':>8} {'time now':>10} {'legacy':>10}")
    for name in ("boot", "views", "saves"):
        print(f"{name:8} {new[name][0]:14d} ({new[name][2]:6d}) {legacy[name][0]:8d} "
              f"{new[name][1]:9.2f}s {legacy[name][1]:9.2f}s")
    new_requests, legacy_requests = (sum(phase[0] for phase in side.values()) for side in (new, legacy))
    new_time, legacy_time = (sum(phase[1] for phase in side.values()) for side in (new, legacy))
    print(f"{'total':8} {new_requests:14d} {'':8} {legacy_requests:8d} {new_time:9.2f}s {legacy_time:9.2f}s")
    print(f"\nrequests: {legacy_requests / new_requests:.1f}x fewer; time: {new_time / legacy_time:.2f}x the legacy's "
          "(legacy: boto3 straight to moto, no browser; now: Chromium through the local API, "
          "requests = every fetch the page made, Cognito included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
