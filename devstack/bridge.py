"""The legacy bridge in the local stack: a table shaped like the station's `saint-esprit-news`
(keyed `id` + `createdAt`, stream on), named `<prefix>-legacy-news`, and a stream poller feeding
`handlers.bridge` as Lambda's event source mapping does in AWS (infra/bridge.py). A job-shaped
PutItem into that table reaches the newsroom's subscribers the way the station's jobs' writes
do in production: bridge → platform table → publisher.
"""
from __future__ import annotations

from devstack.streams import Consumer, StreamPollers
from newsroom.tables import Tables

# The legacy tables the station's jobs write (docs/runbooks/cut-over.md): news only.
LEGACY_ENTITIES = ("news",)


def create_legacy_tables(dynamodb, prefix: str) -> dict[str, str]:
    """The legacy tables (skipping existing ones): entity → table name."""
    existing = set(dynamodb.list_tables()["TableNames"])
    tables = {entity: f"{prefix}-legacy-{entity}" for entity in LEGACY_ENTITIES}
    for name in tables.values():
        if name in existing:
            continue
        dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"},
                       {"AttributeName": "createdAt", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                  {"AttributeName": "createdAt", "AttributeType": "N"}],
            BillingMode="PAY_PER_REQUEST",
            # What the runbook switches on for the real table.
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
    return tables


class LegacyBridge:
    """The legacy tables and the poller that carries their writes into the platform's `tables`
    (through `handlers.bridge`, built for them)."""

    def __init__(self, dynamodb, streams_client, tables: Tables, prefix: str, region: str,
                 interval: float):
        from handlers import bridge  # after the process set-up, as the stack's other functions

        self.legacy_tables = create_legacy_tables(dynamodb, prefix)  # entity → table
        handler = bridge.build(tables, legacy_tables={
            table: entity for entity, table in self.legacy_tables.items()})
        self.pollers = StreamPollers(dynamodb, streams_client, self.legacy_tables, region,
                                     [Consumer("saint-esprit-bridge", handler)], interval)

    @classmethod
    def for_stack(cls, stack) -> "LegacyBridge":
        """Created in the stack's moto, carrying into the stack's tables."""
        return cls(stack.dynamodb, stack.client("dynamodbstreams"), stack.tables, stack.prefix,
                   stack.region, stack.poll_interval)

    def start(self) -> None:
        self.pollers.start()

    def stop(self) -> None:
        self.pollers.stop()
