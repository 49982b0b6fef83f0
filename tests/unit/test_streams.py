"""The streams tier, as the real program declares it (under the mocks): the publisher and the
invalidator read every entity table's stream, each tuned for its job, with least-privilege
roles and a failure queue that raises an alarm."""
from __future__ import annotations

import json

import pytest
from conftest import evaluate_program, test_config

from newsroom.entities import BY_NAME, ENTITIES
from newsroom.tables import variable

STREAMS = "saint-esprit:streams:StreamsTier"
FUNCTION = "aws:lambda/function:Function"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
CONSUMERS = ["publisher", "invalidator"]
STACKS = ["prod", "dev"]


def of(run, type_token, name):
    """The streams tier's resource of this type and name under the stack's prefix."""
    [found] = [r for r in run.children_of(STREAMS) if r.type == type_token and r.name == run.prefixed(name)]
    return found


def statements(run, consumer):
    document = json.loads(of(run, ROLE_POLICY, f"streams-{consumer}").inputs["policy"])
    return {s["Sid"]: s for s in document["Statement"]}


def entity_tables(run):
    """Entity name → the table resource (the data tier names them `<prefix>-<entity>`)."""
    tables = {}
    for table in run.of_type("aws:dynamodb/table:Table"):
        entity = table.inputs["name"].rsplit("-", 1)[1]
        if entity in BY_NAME:
            tables[entity] = table
    return tables


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("consumer", CONSUMERS)
def test_consumers_run_python_3_13_on_arm64_traced_with_retained_logs(program, stack, consumer):
    run = program(stack)
    function = of(run, FUNCTION, f"streams-{consumer}").inputs
    assert function["runtime"] == "python3.13" and function["architectures"] == ["arm64"]
    assert function["handler"] == f"handlers.{consumer}.handler"
    assert function["tracingConfig"] == {"mode": "Active"}
    log_group = of(run, "aws:cloudwatch/logGroup:LogGroup", f"streams-{consumer}")
    assert function["loggingConfig"]["logGroup"] == log_group.outputs["name"]
    days = {"prod": 90, "dev": 7}[stack]  # logRetentionDays of Pulumi.<stack>.yaml
    assert log_group.inputs["retentionInDays"] == days
    assert function["role"] == of(run, "aws:iam/role:Role", f"streams-{consumer}").outputs["arn"]


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_consumers_find_every_table_by_its_environment_variable(prod, consumer):
    variables = of(prod, FUNCTION, f"streams-{consumer}").inputs["environment"]["variables"]
    assert {e.name: variables[variable(e.name)] for e in ENTITIES} == prod.exports["tableNames"]


def test_the_publisher_calls_this_api_and_the_invalidator_this_distribution(prod):
    publisher = of(prod, FUNCTION, "streams-publisher").inputs["environment"]["variables"]
    assert publisher["GRAPHQL_URL"] == prod.exports["graphqlUrl"]
    invalidator = of(prod, FUNCTION, "streams-invalidator").inputs["environment"]["variables"]
    assert invalidator["DISTRIBUTION_ID"] == prod.exports["distributionId"]
    assert invalidator["MEDIA_PATH_PREFIX"] == "/media/"
    assert json.loads(invalidator["INVALIDATION_PATHS"]) == {}
    assert int(invalidator["MAX_INVALIDATION_PATHS"]) == 15


def test_extra_invalidation_paths_come_from_the_stack_settings(site_dir):
    paths = {"journals": ["/journal/*"]}
    run = evaluate_program("dev", test_config("dev", site_dir, invalidationPaths=paths))
    variables = of(run, FUNCTION, "streams-invalidator").inputs["environment"]["variables"]
    assert json.loads(variables["INVALIDATION_PATHS"]) == paths


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("consumer", CONSUMERS)
def test_one_mapping_per_table_reads_that_tables_stream(program, stack, consumer):
    run = program(stack)
    function_arn = of(run, FUNCTION, f"streams-{consumer}").outputs["arn"]
    tables = entity_tables(run)
    assert set(tables) == set(BY_NAME)
    for entity, table in tables.items():
        mapping = of(run, MAPPING, f"streams-{consumer}-{entity}").inputs
        assert mapping["eventSourceArn"] == table.outputs["streamArn"]
        assert mapping["functionName"] == function_arn
    assert len([m for m in run.of_type(MAPPING) if m.name.startswith(run.prefixed(f"streams-{consumer}-"))]) == len(ENTITIES)


@pytest.mark.parametrize("consumer, batch, window", [("publisher", 10, 0), ("invalidator", 100, 5)])
def test_publisher_is_tuned_for_latency_and_invalidator_for_coalescing(prod, consumer, batch, window):
    queue_arn = of(prod, "aws:sqs/queue:Queue", "streams-failures").outputs["arn"]
    for entity in BY_NAME:
        mapping = of(prod, MAPPING, f"streams-{consumer}-{entity}").inputs
        assert mapping["batchSize"] == batch and mapping["maximumBatchingWindowInSeconds"] == window
        assert mapping["startingPosition"] == "LATEST"
        assert mapping["bisectBatchOnFunctionError"] is True
        assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
        assert 0 < mapping["maximumRetryAttempts"] <= 10
        assert 0 < mapping["maximumRecordAgeInSeconds"] <= 24 * 3600
        assert mapping["destinationConfig"] == {"onFailure": {"destinationArn": queue_arn}}


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_mappings_wait_for_the_role_that_lets_lambda_read_the_streams(prod, consumer):
    permissions = of(prod, ROLE_POLICY, f"streams-{consumer}").urn
    for entity in BY_NAME:
        assert permissions in of(prod, MAPPING, f"streams-{consumer}-{entity}").dependencies
    assert permissions in of(prod, FUNCTION, f"streams-{consumer}").dependencies


def test_the_publisher_may_call_only_the_publish_mutation(prod):
    granted = statements(prod, "publisher")
    [api] = prod.of_type("aws:appsync/graphQLApi:GraphQLApi")
    assert granted["PublishOnly"]["Action"] == ["appsync:GraphQL"]
    assert granted["PublishOnly"]["Resource"] == [f"{api.outputs['arn']}/types/Mutation/fields/publish"]
    assert not any("cloudfront:" in a for s in granted.values() for a in s["Action"])


def test_the_publisher_may_only_update_items_of_the_entity_tables_to_adopt_outside_writes(prod):
    adopt = statements(prod, "publisher")["AdoptWritesMadeOutsideTheApi"]
    assert adopt["Action"] == ["dynamodb:UpdateItem"]
    assert sorted(adopt["Resource"]) == sorted(t.outputs["arn"] for t in entity_tables(prod).values())
    assert "AdoptWritesMadeOutsideTheApi" not in statements(prod, "invalidator")


def test_the_invalidator_may_invalidate_only_this_distribution(prod):
    granted = statements(prod, "invalidator")
    [distribution] = prod.of_type("aws:cloudfront/distribution:Distribution")
    assert granted["InvalidateThisDistribution"]["Action"] == ["cloudfront:CreateInvalidation"]
    assert granted["InvalidateThisDistribution"]["Resource"] == [distribution.outputs["arn"]]
    assert not any("appsync:" in a for s in granted.values() for a in s["Action"])


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_consumers_read_only_the_entity_streams_and_write_only_their_logs_and_the_failure_queue(prod, consumer):
    granted = statements(prod, consumer)
    streams = granted["ReadTableStreams"]
    assert set(streams["Action"]) == {"dynamodb:DescribeStream", "dynamodb:GetRecords",
                                      "dynamodb:GetShardIterator", "dynamodb:ListStreams"}
    assert sorted(streams["Resource"]) == sorted(f"{t.outputs['arn']}/stream/*" for t in entity_tables(prod).values())
    assert granted["ReportFailedBatches"] == {
        "Sid": "ReportFailedBatches", "Effect": "Allow", "Action": ["sqs:SendMessage"],
        "Resource": [of(prod, "aws:sqs/queue:Queue", "streams-failures").outputs["arn"]],
    }
    log_group = of(prod, "aws:cloudwatch/logGroup:LogGroup", f"streams-{consumer}").outputs["arn"]
    assert granted["WriteOwnLogs"]["Resource"] == [f"{log_group}:*"]
    own = {"PublishOnly", "AdoptWritesMadeOutsideTheApi"} if consumer == "publisher" else {"InvalidateThisDistribution"}
    assert set(granted) == own | {"ReadTableStreams", "ReportFailedBatches", "WriteOwnLogs", "XRayTracing"}


def test_failed_batches_land_in_an_encrypted_queue_that_raises_an_alarm(prod):
    queue = of(prod, "aws:sqs/queue:Queue", "streams-failures")
    assert queue.inputs["sqsManagedSseEnabled"] is True
    alarm = of(prod, "aws:cloudwatch/metricAlarm:MetricAlarm", "streams-failures").inputs
    assert (alarm["namespace"], alarm["metricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["dimensions"] == {"QueueName": queue.outputs["name"]}
    assert alarm["comparisonOperator"] == "GreaterThanThreshold" and alarm["threshold"] == 0
    topic = of(prod, "aws:sns/topic:Topic", "streams-alarms").outputs["arn"]
    assert alarm["alarmActions"] == [topic]
    assert prod.exports["failureQueueUrl"] == queue.outputs["url"]


def test_the_alarm_mails_someone_only_when_an_address_is_set(dev, site_dir):
    assert dev.of_type("aws:sns/topicSubscription:TopicSubscription") == []
    run = evaluate_program("dev", test_config("dev", site_dir, alarmEmail="regie@example.org"))
    [subscription] = run.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert subscription.inputs["protocol"] == "email" and subscription.inputs["endpoint"] == "regie@example.org"
    assert subscription.inputs["topic"] == of(run, "aws:sns/topic:Topic", "streams-alarms").outputs["arn"]


def test_the_stream_consumers_need_no_lambda_permission(prod):
    # Lambda polls the streams with the function's role: no resource policy to leave open.
    assert [r for r in prod.children_of(STREAMS) if r.type == "aws:lambda/permission:Permission"] == []
