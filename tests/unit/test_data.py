"""The data tier: one table per entity with the keys, indexes, streams and protections the
functions and the guardrails rely on, all derived from `newsroom/entities.py`."""
from __future__ import annotations

from functools import lru_cache

import pytest
from conftest import evaluate

from newsroom.entities import BY_NAME, ENTITIES, PRESENCE, TTL_ATTRIBUTE
from infra.data import DataTier, DataTierArgs

TABLE = "aws:dynamodb/table:Table"


@lru_cache(maxsize=None)
def data_tier(production: bool):
    tier = {}
    run = evaluate(lambda: tier.setdefault("data", DataTier("data", DataTierArgs(production=production, name_prefix="se-test"))))
    return run, tier["data"]


def entity_tables(run):
    return {r.inputs["name"].removeprefix("se-test-"): r for r in run.of_type(TABLE)}


def test_one_table_per_entity_plus_presence():
    run, tier = data_tier(False)
    assert set(tier.tables) == set(BY_NAME)
    assert set(entity_tables(run)) == set(BY_NAME) | {PRESENCE.name}


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_entity_table_is_keyed_on_id_with_an_index_per_access_pattern(entity):
    table = entity_tables(data_tier(False)[0])[entity.name].inputs
    assert table["hashKey"] == "id" and "rangeKey" not in table
    assert {a["name"]: a["type"] for a in table["attributes"]} == entity.attribute_types
    indexes = {
        index["name"]: [(k["attributeName"], k["keyType"]) for k in index["keySchemas"]]
        for index in table["globalSecondaryIndexes"]
    }
    assert indexes == {i.name: [(i.hash_key, "HASH"), (i.range_key, "RANGE")] for i in entity.indexes}
    assert all(index["projectionType"] == "ALL" for index in table["globalSecondaryIndexes"])


def test_journals_and_conductors_are_found_by_scheduled_date():
    tables = entity_tables(data_tier(False)[0])
    scheduled = {name for name, table in tables.items()
                 if any(i["name"] == "scheduledDate-createdAt" for i in table.inputs.get("globalSecondaryIndexes", []))}
    assert scheduled == {"journals", "conductors"}


@pytest.mark.parametrize("production", [True, False], ids=["prod", "dev"])
def test_every_table_is_on_demand_encrypted_recoverable_streamed_and_purges_tombstones(production):
    for name, table in entity_tables(data_tier(production)[0]).items():
        inputs = table.inputs
        assert inputs["billingMode"] == "PAY_PER_REQUEST", name
        assert inputs["serverSideEncryption"]["enabled"] is True, name
        assert inputs["pointInTimeRecovery"]["enabled"] is True, name
        assert inputs["streamEnabled"] is True and inputs["streamViewType"] == "NEW_AND_OLD_IMAGES", name
        assert inputs["ttl"] == {"attributeName": TTL_ATTRIBUTE, "enabled": True}, name
        assert table.outputs["streamArn"].startswith(table.outputs["arn"] + "/stream/"), name


def test_presence_table_is_keyed_per_item_and_editor():
    run, tier = data_tier(False)
    presence = entity_tables(run)[PRESENCE.name].inputs
    assert (presence["hashKey"], presence["rangeKey"]) == (PRESENCE.hash_key, PRESENCE.range_key)
    assert presence["ttl"]["attributeName"] == PRESENCE.ttl_attribute


def test_production_tables_refuse_deletion_in_aws_and_in_pulumi():
    for name, table in entity_tables(data_tier(True)[0]).items():
        assert table.protect is True, name
        assert table.inputs["deletionProtectionEnabled"] is True, name


def test_development_tables_can_be_torn_down():
    for name, table in entity_tables(data_tier(False)[0]).items():
        assert table.protect is False, name
        assert table.inputs["deletionProtectionEnabled"] is False, name


def test_tables_belong_to_the_data_component():
    run, _ = data_tier(False)
    assert {run.tier_of(t) for t in run.of_type(TABLE)} == {"saint-esprit:data:DataTier"}
