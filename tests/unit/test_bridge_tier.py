"""The legacy bridge tier as the real program declares it (under the mocks): nothing unless the
`legacyBridge` setting names a legacy stream; then one consumer of exactly that stream, with the
streams tier's mapping hygiene, starting at the stream's oldest record, and a role scoped to that
stream and to the bridged entities' platform tables."""
from __future__ import annotations

import json

import pytest
from conftest import ACCOUNT, REGION, evaluate_program, test_config

from infra.settings import SettingsError

BRIDGE = "saint-esprit:bridge:BridgeTier"
STREAMS = "saint-esprit:streams:StreamsTier"
FUNCTION = "aws:lambda/function:Function"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LEGACY_NEWS_STREAM = (f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/saint-esprit-news"
                      "/stream/2026-11-24T06:00:00.000")


@pytest.fixture(scope="module")
def bridged(site_dir):
    return evaluate_program("prod", test_config("prod", site_dir, legacyBridge={"news": LEGACY_NEWS_STREAM}))


def only(run, type_token):
    [found] = [r for r in run.children_of(BRIDGE) if r.type == type_token]
    return found


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_without_the_setting_the_committed_stacks_have_no_bridge(program, stack):
    run = program(stack)
    assert [r for r in run.resources if r.type == BRIDGE or "bridge" in r.name] == []


def test_the_bridge_consumes_exactly_the_legacy_stream_from_its_oldest_record(bridged):
    mapping = only(bridged, MAPPING).inputs
    assert mapping["eventSourceArn"] == LEGACY_NEWS_STREAM
    assert mapping["functionName"] == only(bridged, FUNCTION).outputs["arn"]
    assert mapping["startingPosition"] == "TRIM_HORIZON"
    assert mapping["bisectBatchOnFunctionError"] is True
    assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 0 < mapping["maximumRetryAttempts"] <= 5
    assert mapping["maximumRecordAgeInSeconds"] == 24 * 3600  # the stream keeps 24 hours
    assert mapping["maximumBatchingWindowInSeconds"] <= 1 and mapping["batchSize"] <= 10
    # One failure queue and one alarm for every stream consumer.
    [queue] = [r for r in bridged.children_of(STREAMS) if r.type == "aws:sqs/queue:Queue"]
    assert mapping["destinationConfig"]["onFailure"]["destinationArn"] == queue.outputs["arn"]


def test_the_function_finds_the_legacy_table_and_only_the_bridged_platform_table(bridged):
    function = only(bridged, FUNCTION).inputs
    assert function["handler"] == "handlers.bridge.handler"
    assert function["runtime"] == "python3.13" and function["tracingConfig"] == {"mode": "Active"}
    variables = function["environment"]["variables"]
    assert json.loads(variables["LEGACY_TABLES"]) == {"saint-esprit-news": "news"}
    assert variables["TABLE_NEWS"] == bridged.exports["tableNames"]["news"]
    assert sorted(name for name in variables if name.startswith("TABLE_")) == ["TABLE_NEWS"]
    assert function["role"] == only(bridged, "aws:iam/role:Role").outputs["arn"]


def listed(value):
    return [value] if isinstance(value, str) else list(value)


def test_the_role_reads_only_the_legacy_stream_and_writes_only_the_news_table(bridged):
    document = json.loads(only(bridged, ROLE_POLICY).inputs["policy"])
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert listed(statements["ReadTableStreams"]["Resource"]) == [LEGACY_NEWS_STREAM]
    news_table = next(t for t in bridged.of_type("aws:dynamodb/table:Table")
                      if t.outputs["name"] == bridged.exports["tableNames"]["news"])
    carry = statements["CarryJobWritesIntoPlatformTables"]
    assert sorted(listed(carry["Action"])) == ["dynamodb:GetItem", "dynamodb:PutItem"]
    assert listed(carry["Resource"]) == [news_table.outputs["arn"]]
    log_group = only(bridged, "aws:cloudwatch/logGroup:LogGroup")
    assert listed(statements["WriteOwnLogs"]["Resource"]) == [f"{log_group.outputs['arn']}:*"]
    # Nothing else on DynamoDB, and "*" only where AWS allows nothing narrower (X-Ray).
    dynamodb_actions = {a for s in document["Statement"] for a in listed(s["Action"]) if a.startswith("dynamodb:")}
    assert dynamodb_actions == {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DescribeStream",
                                "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}
    for statement in document["Statement"]:
        if "*" in listed(statement["Resource"]):
            assert all(a.startswith("xray:") for a in listed(statement["Action"])), statement


@pytest.mark.parametrize("value", [
    {"flashes": LEGACY_NEWS_STREAM},  # no such entity
    {"news": "saint-esprit-news"},  # a table name: the stream's ARN is needed
    {"news": LEGACY_NEWS_STREAM.replace(REGION, "us-east-1")},  # another region
    {"news": LEGACY_NEWS_STREAM.split("/stream/")[0]},  # the table's ARN, not its stream's
    [LEGACY_NEWS_STREAM],
])
def test_a_wrong_setting_stops_the_program_naming_it(site_dir, value):
    with pytest.raises(SettingsError, match="saint-esprit:legacyBridge"):
        evaluate_program("dev", test_config("dev", site_dir, legacyBridge=value))
