"""Create the platform's tables in a DynamoDB endpoint (moto) from the entity definitions.

The same definitions drive `infra/data.py`, so the local stack and the tests always have the
tables, indexes, streams and TTL that production has.
"""
from __future__ import annotations

from typing import Any

from handlers.entities import ENTITIES, PRESENCE, TTL_ATTRIBUTE, Entity


def _entity_table_spec(entity: Entity, table_name: str) -> dict[str, Any]:
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind}
            for name, kind in entity.attribute_types.items()
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.hash_key, "KeyType": "HASH"},
                    {"AttributeName": index.range_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in entity.indexes
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }


def _presence_table_spec(table_name: str) -> dict[str, Any]:
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [
            {"AttributeName": PRESENCE.hash_key, "KeyType": "HASH"},
            {"AttributeName": PRESENCE.range_key, "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": PRESENCE.hash_key, "AttributeType": "S"},
            {"AttributeName": PRESENCE.range_key, "AttributeType": "S"},
        ],
    }


def create_tables(dynamodb, prefix: str = "saint-esprit-local") -> dict[str, str]:
    """Create every table (skipping existing ones); return the handlers' environment variables
    (`TABLE_NEWS`, ..., `TABLE_PRESENCE`) naming them."""
    existing = set(dynamodb.list_tables()["TableNames"])
    env: dict[str, str] = {}
    specs = [(e.table_env, _entity_table_spec(e, f"{prefix}-{e.name}")) for e in ENTITIES]
    specs.append((PRESENCE.table_env, _presence_table_spec(f"{prefix}-{PRESENCE.name}")))
    for env_name, spec in specs:
        name = spec["TableName"]
        if name not in existing:
            dynamodb.create_table(**spec)
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
            )
        env[env_name] = name
    return env
