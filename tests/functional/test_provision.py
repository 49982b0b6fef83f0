from newsroom.entities import ENTITIES, LIVE_INDEX, PRESENCE, TTL_ATTRIBUTE


def test_every_entity_gets_a_streamed_table_with_its_indexes_and_ttl(tables):
    dynamodb = tables.dynamodb()
    for entity in ENTITIES:
        table = dynamodb.describe_table(TableName=tables.name(entity))["Table"]
        assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        names = {index["IndexName"] for index in table["GlobalSecondaryIndexes"]}
        assert names == {index.name for index in entity.indexes}
        assert LIVE_INDEX in names
        ttl = dynamodb.describe_time_to_live(TableName=tables.name(entity))["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", TTL_ATTRIBUTE)


def test_the_presence_table_is_keyed_by_item_and_editor_without_a_stream(tables):
    table = tables.dynamodb().describe_table(TableName=tables.presence)["Table"]
    assert [(key["AttributeName"], key["KeyType"]) for key in table["KeySchema"]] == [
        (PRESENCE.hash_key, "HASH"), (PRESENCE.range_key, "RANGE")]
    assert not table.get("StreamSpecification", {}).get("StreamEnabled")
