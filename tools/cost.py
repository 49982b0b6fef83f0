"""What the prod stack costs a month at the station's load: `python -m tools.cost`.

Prints one line per service (what is used, the month's cost after AWS's always-free tiers) and
the total; docs/cost.md and the README quote these figures (a unit test keeps them in step).
The load is built up from the newsroom's own numbers (`STATION`, each assumption named), the
prices are AWS's on-demand list prices for eu-west-3 (`PRICES`, USD, excl. VAT), and what the
stack itself decides (X-Ray's sampling rate, the indexes a save writes) is read from the code
that decides it, so the estimate follows the infrastructure.
"""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, replace

from newsroom.entities import ENTITIES, FEED_INDEX, TRASH_INDEX
from infra.api import XRAY_SAMPLING_RATE

# The storage module asks for this many items per entity and page (frontend/src/operations.js).
PAGE_SIZE = 500
MONTHLY_TARGET = 10.00  # the ceiling; the plan said $10–12


@dataclass(frozen=True)
class Load:
    """A month of the newsroom's use of the platform."""

    days: int = 30  # the radio broadcasts every day
    accounts: int = 50  # Cognito monthly active users (the plan's figure)
    browsers_open: int = 10  # open at once through the working day
    hours_open: int = 12  # a day, per open browser
    app_starts: int = 250  # a day: 50 accounts starting the app 5 times
    items: int = 2_000  # live items, every entity (more than 1,000 news exist today)
    news_share: float = 0.75  # of the items: news is the longest list
    item_kb: float = 3.0  # news is 1.7–4 KB
    saves: int = 1_500  # a day: writes of journalists, volunteers and the scheduled jobs
    editing_hours: int = 40  # a day, all editors together: each open editor renews presence
    presence_renewals_per_hour: int = 60  # frontend/src/collab/presence.js RENEW_EVERY_MS
    table_gb: float = 1.0  # DynamoDB, indexes and tombstones included (today: tens of MB)
    media_gb: float = 10.0  # audio in S3 (the plan's figure)
    media_puts: int = 2_000  # uploads a month
    media_gets: int = 200_000  # CloudFront cache misses a month
    cdn_gb: float = 50.0  # served by CloudFront a month (the plan's figure)
    cdn_requests: int = 1_000_000
    log_gb: float = 1.0  # Lambda JSON logs, AppSync at ERROR level
    # DynamoDB asks each table's AWS managed key (aws/dynamodb) for it about every 5 minutes
    # while the table is in use: 7 tables around the clock.
    kms_requests: int = 7 * 12 * 24 * 30


STATION = Load()


@dataclass(frozen=True)
class Prices:
    appsync_operation: float = 4.00 / 1e6
    realtime_message: float = 2.00 / 1e6
    realtime_minute: float = 0.08 / 1e6
    lambda_request: float = 0.20 / 1e6
    lambda_gb_second: float = 0.0000133334  # arm64
    write_unit: float = 0.7228 / 1e6  # on-demand, after November 2024's cut (≈ eu-west-3)
    read_unit: float = 0.1446 / 1e6
    table_gb: float = 0.2975
    pitr_gb: float = 0.238
    s3_gb: float = 0.024
    s3_put: float = 0.0053 / 1e3
    s3_get: float = 0.00042 / 1e3
    cdn_gb: float = 0.085
    cdn_request: float = 0.012 / 1e4
    xray_trace: float = 5.00 / 1e6
    log_gb: float = 0.53
    kms_key: float = 1.00
    kms_request: float = 0.03 / 1e4


PRICES = Prices()

# AWS's always-free tiers (per account and month).
FREE = {
    "lambda_requests": 1_000_000, "lambda_gb_seconds": 400_000, "table_gb": 25, "cdn_gb": 1_000,
    "cdn_requests": 10_000_000, "xray_traces": 100_000, "log_gb": 5, "cognito_accounts": 10_000,
    "kms_requests": 20_000,
}


@dataclass(frozen=True)
class Line:
    service: str
    usage: str
    dollars: float


def _beyond(used: float, free: float) -> float:
    return max(0.0, used - free)


def write_copies() -> float:
    """Item-sized writes of one save of a live item, averaged over the entities: the table, and
    each index holding live items (all project the whole item); an index whose key the save
    changes (the change feed's `updatedAt`) is a delete plus a put."""
    copies = []
    for entity in ENTITIES:
        live_indexes = [index for index in entity.indexes if index.name != TRASH_INDEX]
        copies.append(1 + sum(2 if index.name == FEED_INDEX else 1 for index in live_indexes))
    return sum(copies) / len(copies)


def estimate(load: Load = STATION, prices: Prices = PRICES) -> list[Line]:
    days = load.days
    saves = load.saves * days
    presence = load.editing_hours * load.presence_renewals_per_hour * days
    starts = load.app_starts * days
    # A start lists every entity in one request per page (the longest list sets the count),
    # then catches up once: the resolver runs once per entity in each.
    pages = math.ceil(load.items * load.news_share / PAGE_SIZE)
    start_requests = pages + 1
    start_resolvers = len(ENTITIES) * (1 + 1) + (pages - 1)
    operations = starts * start_requests + saves * 2 + presence  # a save is published once
    messages = (saves + presence) * load.browsers_open  # every open browser hears every change
    minutes = load.browsers_open * load.hours_open * 60 * days

    resolver_calls = starts * start_resolvers + saves + presence
    consumer_calls = saves * 2  # the publisher and the invalidator read every table stream
    gb_seconds = resolver_calls * 0.1 * 0.5 + consumer_calls * 0.1 * 0.25

    units = math.ceil(load.item_kb)  # 1 KB per write unit
    write_units = saves * units * write_copies() + presence
    read_units = starts * math.ceil(load.items * load.item_kb / 4) / 2 + saves  # lists: eventually consistent
    traces = operations * XRAY_SAMPLING_RATE + consumer_calls  # stream consumers trace every call

    return [
        Line("AppSync operations", f"{operations / 1e3:,.0f} k queries, mutations, publishes",
             operations * prices.appsync_operation),
        Line("AppSync real-time", f"{messages / 1e6:.2f} M messages, {minutes / 1e3:,.0f} k connection-minutes",
             messages * prices.realtime_message + minutes * prices.realtime_minute),
        Line("Lambda (arm64)", f"{(resolver_calls + consumer_calls) / 1e3:,.0f} k invocations, {gb_seconds / 1e3:,.0f} k GB-s",
             _beyond(resolver_calls + consumer_calls, FREE["lambda_requests"]) * prices.lambda_request
             + _beyond(gb_seconds, FREE["lambda_gb_seconds"]) * prices.lambda_gb_second),
        Line("DynamoDB writes", f"{write_units / 1e6:.2f} M write units ({write_copies():.1f} item copies a save)",
             write_units * prices.write_unit),
        Line("DynamoDB reads", f"{read_units / 1e6:.2f} M read units", read_units * prices.read_unit),
        Line("DynamoDB storage", f"{load.table_gb:g} GB", _beyond(load.table_gb, FREE["table_gb"]) * prices.table_gb),
        Line("DynamoDB point-in-time recovery", f"{load.table_gb:g} GB", load.table_gb * prices.pitr_gb),
        Line("S3 (media + site)", f"{load.media_gb:g} GB, {load.media_puts / 1e3:g} k PUT, {load.media_gets / 1e3:g} k GET",
             load.media_gb * prices.s3_gb + load.media_puts * prices.s3_put + load.media_gets * prices.s3_get),
        Line("CloudFront", f"{load.cdn_gb:g} GB, {load.cdn_requests / 1e6:g} M requests",
             _beyond(load.cdn_gb, FREE["cdn_gb"]) * prices.cdn_gb
             + _beyond(load.cdn_requests, FREE["cdn_requests"]) * prices.cdn_request),
        Line("Cognito", f"{load.accounts} monthly active users", 0.0 if load.accounts <= FREE["cognito_accounts"] else math.nan),
        Line("X-Ray", f"{traces / 1e3:,.0f} k traces (API sampled at {XRAY_SAMPLING_RATE:.0%})",
             _beyond(traces, FREE["xray_traces"]) * prices.xray_trace),
        Line("CloudWatch", f"{load.log_gb:g} GB logs, 1 alarm", _beyond(load.log_gb, FREE["log_gb"]) * prices.log_gb),
        # The Pulumi state and secrets key (bootstrap/), and DynamoDB's calls to aws/dynamodb.
        Line("KMS", f"1 key, {load.kms_requests / 1e3:.0f} k requests",
             prices.kms_key + _beyond(load.kms_requests, FREE["kms_requests"]) * prices.kms_request),
    ]


def total(lines: list[Line]) -> float:
    return round(sum(round(line.dollars, 2) for line in lines), 2)


def render(lines: list[Line]) -> str:
    width = max(len(line.service) for line in lines)
    rows = [f"{line.service:<{width}}  {line.dollars:6.2f}  {line.usage}" for line in lines]
    rows.append(f"{'Total':<{width}}  {total(lines):6.2f}  USD a month (target: at most {MONTHLY_TARGET:.2f})")
    return "\n".join(rows)


def _assumption(text: str) -> tuple[str, float]:
    name, _, value = text.partition("=")
    if name not in Load.__dataclass_fields__:
        raise argparse.ArgumentTypeError(f"{name!r} is not an assumption; one of: {', '.join(Load.__dataclass_fields__)}")
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}={value!r}: a number, e.g. {name}=2") from None
    return name, number if isinstance(getattr(STATION, name), float) else int(number)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.cost", description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="changes", metavar="NAME=VALUE", type=_assumption, action="append", default=[],
                        help="change one assumption of the station's load (see Load), e.g. --set saves=3000")
    args = parser.parse_args(argv)
    print(render(estimate(replace(STATION, **dict(args.changes)))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
