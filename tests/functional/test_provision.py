import boto3

from newsroom.entities import ENTITIES, LIVE_INDEX


def test_every_entity_gets_a_streamed_table_with_its_indexes(tables):
    dynamodb = boto3.client("dynamodb")
    for entity in ENTITIES:
        table = dynamodb.describe_table(TableName=tables[entity.table_env])["Table"]
        assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        names = {index["IndexName"] for index in table["GlobalSecondaryIndexes"]}
        assert names == {index.name for index in entity.indexes}
        assert LIVE_INDEX in names
