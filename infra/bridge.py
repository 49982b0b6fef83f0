"""The legacy bridge: the scheduled jobs' writes into the legacy tables carried into the platform.

The station's jobs keep writing into `saint-esprit-news` (keyed `id` + `createdAt`) after the
cut-over. One Lambda (handlers/bridge.py, its rules in newsroom/bridging.py) consumes the stream
of each legacy table named by the `legacyBridge` setting (entity → stream ARN) and writes each
job write into the entity's platform table, where the publisher and the invalidator take over
like for any write.

The stack does not own the legacy tables: their streams are switched on by a runbook step
(docs/runbooks/cut-over.md) and only their ARNs reach the program. The event source mappings
have the streams tier's hygiene (bisect, partial batch failures, bounded retries, the same
failure queue and alarm); they start at the stream's oldest record (TRIM_HORIZON), so every
write since the stream was switched on is carried, and what the final migration run already
carried writes nothing. The role may read those streams only and may read and write only the
platform tables of the bridged entities.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from newsroom.tables import variables
from infra import iam
from infra.streams import Consumer, stream_consumer

# The jobs write a few items per run: carry them as they come, a little batching is enough.
# TRIM_HORIZON: the stream's 24 hours, read in full on the first deploy (replays write nothing).
BRIDGE = Consumer("bridge", batch_size=10, batching_window_seconds=1, maximum_retry_attempts=3,
                  maximum_record_age_seconds=24 * 3600, timeout_seconds=30,
                  starting_position="TRIM_HORIZON")
_STREAM_TABLE = re.compile(r":table/(?P<table>[^/]+)/stream/")


def legacy_table_of(stream_arn: str) -> str:
    """The table name inside a DynamoDB stream ARN."""
    return _STREAM_TABLE.search(stream_arn)["table"]


@dataclass
class BridgeTierArgs:
    legacy_streams: dict[str, str]  # entity → stream ARN of its legacy table (the setting)
    tables: dict[str, aws.dynamodb.Table]  # the platform's, by entity
    code: pulumi.Archive
    failure_queue_arn: pulumi.Input[str]  # the streams tier's: one queue, one alarm
    log_retention_days: int


class BridgeTier(pulumi.ComponentResource):
    def __init__(self, name: str, args: BridgeTierArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("saint-esprit:bridge:BridgeTier", name, None, opts)
        targets = {entity: args.tables[entity] for entity in args.legacy_streams}
        self.function = stream_consumer(
            name, BRIDGE, parent=self, code=args.code,
            log_retention_days=args.log_retention_days,
            tables=variables({entity: table.name for entity, table in targets.items()}),
            streams=dict(args.legacy_streams),
            stream_reads=list(args.legacy_streams.values()),
            failure_queue_arn=args.failure_queue_arn,
            environment={"LEGACY_TABLES": json.dumps(
                {legacy_table_of(arn): entity for entity, arn in args.legacy_streams.items()},
                sort_keys=True)},
            grants=[iam.statement(["dynamodb:GetItem", "dynamodb:PutItem"],
                                  [table.arn for table in targets.values()],
                                  sid="CarryJobWritesIntoPlatformTables")],
        )
        self.register_outputs({"function": self.function.name})
