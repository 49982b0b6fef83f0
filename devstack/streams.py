"""DynamoDB stream pollers: the local stand-in for Lambda's event source mappings.

One thread per table reads its stream from moto (`describe_stream`, a LATEST iterator at start,
`get_records` every poll interval) and hands Lambda-shaped batches to each consumer (the
publisher and the invalidator), adding what moto leaves out or gets wrong (`eventSourceARN`,
`awsRegion`, epoch-second `ApproximateCreationDateTime`, base64 binaries). As with
`ReportBatchItemFailures`, a consumer's reported failure is retried from the first failed record,
a bounded number of times. A write through the API wakes the table's poller at once
(`nudge`), so API changes reach subscribers without waiting for the next poll; writes made
straight to the table wait at most one interval.
"""
from __future__ import annotations

import base64
import datetime
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from devstack.invoke import LambdaContext

log = logging.getLogger("devstack.streams")

MAX_BATCH = 100
MAX_ATTEMPTS = 3


def _lambda_value(value: Any) -> Any:
    """boto3's decoded stream image back in the JSON Lambda receives (binaries as base64)."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {key: _lambda_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lambda_value(item) for item in value]
    return value


def lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """One record of `get_records` as a Lambda DynamoDB event record."""
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime.datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        **{key: value for key, value in record.items() if key != "dynamodb"},
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": _lambda_value(change),
        "eventSourceARN": stream_arn,
    }


@dataclass
class Consumer:
    """One function fed by every table's stream, with its records not yet processed."""

    name: str
    handler: Callable[[dict, Any], Any]
    pending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # per stream
    attempts: dict[str, int] = field(default_factory=dict)

    def deliver(self, stream_arn: str, region: str) -> bool:
        """Hand the pending records to the function, one batch; True if it took them all."""
        records = self.pending.get(stream_arn)
        if not records:
            return False
        batch = records[:MAX_BATCH]
        failed_from = len(batch)
        try:
            response = self.handler({"Records": batch}, LambdaContext(self.name, region)) or {}
            failures = {f.get("itemIdentifier") for f in response.get("batchItemFailures", [])}
            if failures:
                failed_from = next(
                    (i for i, r in enumerate(batch) if r["dynamodb"].get("SequenceNumber") in failures),
                    0,  # an identifier that matches no record fails the whole batch, as in Lambda
                )
        except Exception:
            log.exception("%s failed on a batch of %d records", self.name, len(batch))
            failed_from = 0
        if failed_from == len(batch):
            self.attempts.pop(stream_arn, None)
            del records[: len(batch)]
            return True
        attempts = self.attempts.get(stream_arn, 0) + 1
        if attempts >= MAX_ATTEMPTS:
            log.error("%s: dropping %d records after %d attempts (production sends them to "
                      "the on-failure queue)", self.name, len(batch) - failed_from, attempts)
            self.attempts.pop(stream_arn, None)
            del records[: len(batch)]
            return False
        self.attempts[stream_arn] = attempts
        del records[:failed_from]  # checkpoint: what succeeded is never sent again
        return False  # the rest waits for the next poll


class TablePoller(threading.Thread):
    """Reads one table's stream and feeds the consumers."""

    def __init__(self, streams_client, stream_arn: str, region: str, consumers: list[Consumer],
                 interval: float, stopping: threading.Event):
        super().__init__(name=f"poller:{stream_arn.split('/')[1]}", daemon=True)
        self.client = streams_client
        self.stream_arn = stream_arn
        self.region = region
        self.consumers = consumers
        self.interval = interval
        self.stopping = stopping
        self.wake = threading.Event()
        description = self.client.describe_stream(StreamArn=stream_arn)["StreamDescription"]
        # Iterators are taken now (not when the thread starts): nothing written after the
        # stack is up can be missed.
        self.iterators = {
            shard["ShardId"]: self.client.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]
            for shard in description["Shards"]
        }

    def poll_once(self) -> int:
        """Read every shard once and deliver; returns how many records were read."""
        read = 0
        for shard_id, iterator in list(self.iterators.items()):
            if iterator is None:
                continue
            response = self.client.get_records(ShardIterator=iterator, Limit=1000)
            self.iterators[shard_id] = response.get("NextShardIterator")
            records = [lambda_record(r, self.stream_arn, self.region) for r in response["Records"]]
            read += len(records)
            for consumer in self.consumers:
                consumer.pending.setdefault(self.stream_arn, []).extend(records)
        for consumer in self.consumers:
            while consumer.deliver(self.stream_arn, self.region):
                pass  # batch after batch while the function takes them
        return read

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.poll_once()
            except Exception:
                if self.stopping.is_set():
                    return
                log.exception("polling %s failed; retrying", self.stream_arn)
            self.wake.wait(self.interval)
            self.wake.clear()


class StreamPollers:
    """The pollers of every table, started and stopped together."""

    def __init__(self, dynamodb, streams_client, table_names: dict[str, str], region: str,
                 consumers: list[Consumer], interval: float = 0.1):
        """`table_names`: entity name → table name (tables with streams)."""
        self.stopping = threading.Event()
        self.by_entity: dict[str, TablePoller] = {}
        for entity, table in table_names.items():
            arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
            self.by_entity[entity] = TablePoller(
                streams_client, arn, region, consumers, interval, self.stopping
            )

    def start(self) -> None:
        for poller in self.by_entity.values():
            poller.start()

    def nudge(self, entity: str) -> None:
        """Poll this entity's table now (called after a write through the API)."""
        poller = self.by_entity.get(entity)
        if poller is not None:
            poller.wake.set()

    def stop(self) -> None:
        self.stopping.set()
        for poller in self.by_entity.values():
            poller.wake.set()
        for poller in self.by_entity.values():
            if poller.is_alive():
                poller.join(timeout=10)
