"""The streams tier: two consumers of every table's stream.

- the publisher turns each change into a `publish` mutation that subscribers receive; a write
  made outside AppSync (scheduled jobs write Flash Info items straight into DynamoDB) is first
  adopted (version, index attributes) and published from the adoption's record: it is tuned for
  latency (small batches, no batching window);
- the invalidator turns changes into the CloudFront paths they affect (the old one invalidated
  `/*` on every batch): it is tuned for coalescing (large batches gathered for a few seconds).

Both report partial batch failures, bisect a failing batch to isolate the bad record, retry a
bounded number of times, and send what still fails to an SQS queue whose alarm tells a human.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from newsroom.tables import variables
from infra import iam

LAMBDA_RUNTIME = "python3.13"
LAMBDA_ARCHITECTURE = "arm64"
MEDIA_PATH_PREFIX = "/media/"
MAX_INVALIDATION_PATHS = 15  # beyond this, paths collapse to one wildcard per prefix
FAILURE_RETENTION_SECONDS = 14 * 24 * 3600  # SQS's maximum: two weeks to look at a failure


@dataclass(frozen=True)
class Consumer:
    """How one Lambda consumes the table streams."""

    role: str  # "publisher": names the handler module and the resources
    batch_size: int
    batching_window_seconds: int
    maximum_retry_attempts: int
    maximum_record_age_seconds: int
    timeout_seconds: int
    starting_position: str = "LATEST"

    @property
    def handler(self) -> str:
        return f"handlers.{self.role}.handler"


# A change should reach the other browsers within a second: take records as they come.
PUBLISHER = Consumer("publisher", batch_size=10, batching_window_seconds=0, maximum_retry_attempts=3,
                     maximum_record_age_seconds=3600, timeout_seconds=30)
# Invalidations cost money past 1,000 paths a month and take minutes anyway: gather changes.
INVALIDATOR = Consumer("invalidator", batch_size=100, batching_window_seconds=5, maximum_retry_attempts=5,
                       maximum_record_age_seconds=6 * 3600, timeout_seconds=60)


@dataclass
class StreamsTierArgs:
    # The entity tables (infra/data.py's `tables`, by entity name), each stream consumed. The
    # presence table is not among them: the presence mutations notify subscribers themselves.
    tables: dict[str, aws.dynamodb.Table]
    code: pulumi.Archive
    graphql_url: pulumi.Input[str]
    api_arn: pulumi.Input[str]
    distribution_id: pulumi.Input[str]
    distribution_arn: pulumi.Input[str]
    log_retention_days: int
    alarm_email: str | None = None
    invalidation_paths: dict[str, list[str]] = field(default_factory=dict)


class StreamsTier(pulumi.ComponentResource):
    def __init__(self, name: str, args: StreamsTierArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("saint-esprit:streams:StreamsTier", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)

        self.failure_queue = self._failure_queue()
        self._failure_alarm()
        self.publisher = self._consumer(
            PUBLISHER,
            environment={"GRAPHQL_URL": args.graphql_url},
            grants=[
                iam.statement(
                    ["appsync:GraphQL"],
                    [pulumi.Output.concat(args.api_arn, "/types/Mutation/fields/publish")],
                    sid="PublishOnly",
                ),
                # Writes made outside the API (scheduled jobs) are adopted with one conditional
                # UpdateItem before they are published (newsroom/publishing.py).
                iam.statement(["dynamodb:UpdateItem"],
                              [table.arn for table in args.tables.values()],
                              sid="AdoptWritesMadeOutsideTheApi"),
            ],
        )
        self.invalidator = self._consumer(
            INVALIDATOR,
            environment={
                "DISTRIBUTION_ID": args.distribution_id,
                "MEDIA_PATH_PREFIX": MEDIA_PATH_PREFIX,
                "INVALIDATION_PATHS": json.dumps(args.invalidation_paths, sort_keys=True),
                "MAX_INVALIDATION_PATHS": str(MAX_INVALIDATION_PATHS),
            },
            grants=[iam.statement(["cloudfront:CreateInvalidation"], [args.distribution_arn],
                                  sid="InvalidateThisDistribution")],
        )
        self.failure_queue_url = self.failure_queue.url
        self.register_outputs(
            {
                "publisher": self.publisher.name,
                "invalidator": self.invalidator.name,
                "failure_queue_url": self.failure_queue_url,
            }
        )

    def _failure_queue(self) -> aws.sqs.Queue:
        """Where a batch lands (as a pointer to its stream records) once its retries are spent."""
        return aws.sqs.Queue(
            f"{self._name}-failures",
            sqs_managed_sse_enabled=True,
            message_retention_seconds=FAILURE_RETENTION_SECONDS,
            opts=self._child,
        )

    def _failure_alarm(self) -> None:
        topic = aws.sns.Topic(f"{self._name}-alarms", opts=self._child)
        if self._args.alarm_email:
            aws.sns.TopicSubscription(
                f"{self._name}-alarms-email",
                topic=topic.arn,
                protocol="email",
                endpoint=self._args.alarm_email,
                opts=self._child,
            )
        aws.cloudwatch.MetricAlarm(
            f"{self._name}-failures",
            alarm_description="A stream batch failed after its retries: some change was not "
            "published or invalidated. The message in the queue points at the records.",
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": self.failure_queue.name},
            statistic="Maximum",
            period=300,
            evaluation_periods=1,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            opts=self._child,
        )

    def _consumer(self, consumer: Consumer, environment: dict, grants: list[dict]) -> aws.lambda_.Function:
        return stream_consumer(
            f"{self._name}-{consumer.role}", consumer, parent=self, code=self._args.code,
            log_retention_days=self._args.log_retention_days,
            tables=variables({entity: table.name for entity, table in self._args.tables.items()}),
            streams={entity: table.stream_arn for entity, table in self._args.tables.items()},
            stream_reads=[table.arn.apply(lambda arn: f"{arn}/stream/*")
                          for table in self._args.tables.values()],
            failure_queue_arn=self.failure_queue.arn, environment=environment, grants=grants,
        )


def stream_consumer(
    name: str,
    consumer: Consumer,
    *,
    parent: pulumi.Resource,
    code: pulumi.Archive,
    log_retention_days: int,
    tables: dict[str, pulumi.Input[str]],
    streams: dict[str, pulumi.Input[str]],
    stream_reads: list[pulumi.Input[str]],
    failure_queue_arn: pulumi.Input[str],
    environment: dict,
    grants: list[dict],
) -> aws.lambda_.Function:
    """One Lambda fed by DynamoDB streams (`streams`: label → stream ARN, one event source
    mapping each, named `<name>-<label>`), with its log group and a role that may read
    `stream_reads`, report failed batches to the failure queue and do `grants`. `tables`: the
    TABLE_* variables the handler finds its tables by. Used by the streams tier and the legacy
    bridge (infra/bridge.py)."""
    child = pulumi.ResourceOptions(parent=parent)
    log_group = aws.cloudwatch.LogGroup(name, retention_in_days=log_retention_days, opts=child)
    role = aws.iam.Role(name, assume_role_policy=iam.assume_role_policy("lambda.amazonaws.com"),
                        opts=child)
    permissions = aws.iam.RolePolicy(
        name,
        role=role.id,
        policy=iam.policy_document(
            *grants,
            # As AWS's Lambda documentation writes it. ListStreams has no resource type (IAM
            # authorizes it on "*" only), so on stream ARNs it grants nothing; "*" would let the
            # role list every stream of the account for no use (tests/unit/test_parliament.py).
            iam.statement(
                ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                 "dynamodb:ListStreams"],
                stream_reads,
                sid="ReadTableStreams",
            ),
            iam.statement(["sqs:SendMessage"], [failure_queue_arn], sid="ReportFailedBatches"),
            iam.statement(["logs:CreateLogStream", "logs:PutLogEvents"],
                          [log_group.arn.apply(lambda arn: f"{arn}:*")], sid="WriteOwnLogs"),
            iam.xray_statement(),
        ),
        opts=child,
    )
    function = aws.lambda_.Function(
        name,
        runtime=LAMBDA_RUNTIME,
        architectures=[LAMBDA_ARCHITECTURE],
        handler=consumer.handler,
        code=code,
        role=role.arn,
        memory_size=256,
        timeout=consumer.timeout_seconds,
        environment=aws.lambda_.FunctionEnvironmentArgs(
            variables={**tables, **environment, "POWERTOOLS_SERVICE_NAME": consumer.role,
                       "POWERTOOLS_METRICS_NAMESPACE": "SaintEsprit"}
        ),
        logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON", log_group=log_group.name),
        tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
        # The role must be able to write logs before the first invocation.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[permissions]),
    )
    for label, stream_arn in streams.items():
        aws.lambda_.EventSourceMapping(
            f"{name}-{label}",
            event_source_arn=stream_arn,
            function_name=function.arn,
            starting_position=consumer.starting_position,
            batch_size=consumer.batch_size,
            maximum_batching_window_in_seconds=consumer.batching_window_seconds,
            bisect_batch_on_function_error=True,
            function_response_types=["ReportBatchItemFailures"],
            maximum_retry_attempts=consumer.maximum_retry_attempts,
            maximum_record_age_in_seconds=consumer.maximum_record_age_seconds,
            destination_config=aws.lambda_.EventSourceMappingDestinationConfigArgs(
                on_failure=aws.lambda_.EventSourceMappingDestinationConfigOnFailureArgs(
                    destination_arn=failure_queue_arn
                )
            ),
            # Lambda checks the role's stream permissions when the mapping is created.
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[permissions]),
        )
    return function
