"""The api tier: the AppSync GraphQL API, the resolver Lambda behind it, and a resolver for
every field of `infra/schema.graphql`.

Fields are read from the parsed schema, never from a hand list: a field added to the schema
gets its resolver on the next `pulumi up`. Queries and mutations go to the resolver Lambda
through `resolvers/invoke.js`; `publish` and the subscriptions run on a NONE data source (they
only fan changes out).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from newsroom.auth import GROUPS
from newsroom.entities import BY_NAME, BY_TYPE, PRESENCE
from newsroom.tables import variables
from infra import appsync_schema
from infra.iam import assume_role_policy, policy_document, statement, xray_statement

RESOLVERS_DIR = Path(__file__).with_name("resolvers")
# The back end's fan-out mutation (docs/contracts.md): served by the NONE data source.
PUBLISH_FIELD = "publish"
# `onNewsChanged` -> the News entity; the other subscriptions are delivered unfiltered.
ENTITY_SUBSCRIPTION = re.compile(r"^on(?P<type_name>\w+)Changed$")
JS_RUNTIME = aws.appsync.ResolverRuntimeArgs(name="APPSYNC_JS", runtime_version="1.0.0")
# X-Ray records 5 % of the API's requests, and nothing more per second: enough to see where
# time goes, within X-Ray's free 100 k traces a month at the station's load (tools/cost.py).
# Failed requests are in the API's ERROR log whether sampled or not. Sampling is decided once,
# by AppSync: the resolver Lambda only traces requests AppSync sampled (PassThrough).
XRAY_SAMPLING_RATE = 0.05
XRAY_SAMPLING_PRIORITY = 1000  # before X-Ray's default rule (10000)

# What the resolver Lambda does to the tables (no Scan: every access pattern has an index).
TABLE_ACTIONS = ["dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem",
                 "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]
INDEX_ACTIONS = ["dynamodb:Query"]


def resolver_code(file_name: str) -> str:
    return (RESOLVERS_DIR / file_name).read_text(encoding="utf-8")


def subscription_code(field_name: str) -> str:
    """The code of one subscription field: newsroom groups only, filtered on its entity (if any)."""
    match = ENTITY_SUBSCRIPTION.match(field_name)
    entity = BY_TYPE.get(match["type_name"]) if match else None
    return (resolver_code("subscribe.js")
            .replace("__ENTITY__", json.dumps(entity.name if entity else None))
            .replace("__NEWSROOM_GROUPS__", json.dumps(list(GROUPS))))


def client_id_pattern(client_ids: list[str]) -> str:
    """AppSync's `appIdClientRegex`: exactly these app client ids, nothing that contains one."""
    return "^(" + "|".join(re.escape(client_id) for client_id in client_ids) + ")$"


def field_resolvers() -> list[tuple[str, str, str]]:
    """(type, field, data source kind "lambda" | "none") for every root field of the schema."""
    schema = appsync_schema.load()
    result = []
    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        for field_name in root.fields:
            on_lambda = root is not schema.subscription_type and field_name != PUBLISH_FIELD
            result.append((root.name, field_name, "lambda" if on_lambda else "none"))
    return result


@dataclass
class ApiTierArgs:
    tables: dict[str, aws.dynamodb.Table]
    presence_table: aws.dynamodb.Table
    user_pool_id: pulumi.Input[str]
    # The app clients of the pool whose tokens the API accepts (the stack's own first).
    accepted_client_ids: pulumi.Input[list[str]]
    code: pulumi.Archive
    log_retention_days: int = 30
    tracing: bool = True
    name_prefix: str = "saint-esprit"
    tombstone_retention_days: int = 30
    # AppSync logs errors only: resolver arguments and results (newsroom texts) stay out of logs.
    field_log_level: str = "ERROR"


class ApiTier(pulumi.ComponentResource):
    graphql_url: pulumi.Output[str]
    realtime_url: pulumi.Output[str]
    api_id: pulumi.Output[str]
    api_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ApiTierArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("saint-esprit:api:ApiTier", name, None, opts)
        self._name = name
        self._args = args
        function = self._resolver_function()
        log_role = self._role("appsync-logs", "appsync.amazonaws.com")
        api = self._api(log_role)
        self._api_logs(api, log_role)
        if args.tracing:
            self._sampling(api)
        data_sources = {"lambda": self._lambda_data_source(api, function), "none": self._none_data_source(api)}
        self._resolvers(api, data_sources)
        self.api_id = api.id
        self.api_arn = api.arn
        self.graphql_url = api.uris["GRAPHQL"]
        self.realtime_url = api.uris["REALTIME"]
        self.register_outputs({
            "graphql_url": self.graphql_url,
            "realtime_url": self.realtime_url,
            "api_id": self.api_id,
        })

    def _child(self, **overrides) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **overrides)

    def _role(self, purpose: str, service: str, *statements: dict) -> aws.iam.Role:
        """A role for one AWS service, allowed exactly these statements (if any yet)."""
        role = aws.iam.Role(
            f"{self._name}-{purpose}",
            assume_role_policy=assume_role_policy(service),
            opts=self._child(),
        )
        if statements:
            self._allow(role, purpose, *statements)
        return role

    def _allow(self, role: aws.iam.Role, purpose: str, *statements: dict) -> aws.iam.RolePolicy:
        return aws.iam.RolePolicy(
            f"{self._name}-{purpose}",
            role=role.id,
            policy=policy_document(*statements),
            opts=self._child(),
        )

    # --- the resolver Lambda ------------------------------------------------------------------

    def _table_statements(self) -> list[dict]:
        """Only the actions the resolver needs, only on this stack's tables and their indexes."""
        table_arns = [table.arn for table in self._args.tables.values()] + [self._args.presence_table.arn]
        index_arns = [
            table.arn.apply(lambda arn, index=index.name: f"{arn}/index/{index}")
            for entity_name, table in self._args.tables.items()
            for index in BY_NAME[entity_name].indexes
        ]
        return [
            statement(TABLE_ACTIONS, table_arns, sid="NewsroomTables"),
            statement(INDEX_ACTIONS, index_arns, sid="NewsroomIndexes"),
        ]

    def _environment(self) -> dict[str, pulumi.Input[str]]:
        return {
            **variables({**{entity: table.name for entity, table in self._args.tables.items()},
                         PRESENCE.name: self._args.presence_table.name}),
            "TOMBSTONE_RETENTION_DAYS": str(self._args.tombstone_retention_days),
            "POWERTOOLS_SERVICE_NAME": "saint-esprit-resolver",
            "POWERTOOLS_METRICS_NAMESPACE": "SaintEsprit",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "POWERTOOLS_TRACE_DISABLED": "false" if self._args.tracing else "true",
        }

    def _resolver_function(self) -> aws.lambda_.Function:
        function_name = f"{self._args.name_prefix}-resolver"
        # Created before the function so that Lambda never creates it without a retention.
        log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-resolver-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=self._args.log_retention_days,
            opts=self._child(),
        )
        statements = self._table_statements() + [_write_logs(log_group, sid="OwnLogs")]
        if self._args.tracing:
            statements.append(xray_statement())
        role = self._role("resolver", "lambda.amazonaws.com", *statements)
        return aws.lambda_.Function(
            f"{self._name}-resolver",
            name=function_name,
            runtime="python3.13",
            architectures=["arm64"],
            handler="handlers.resolver.handler",
            code=self._args.code,
            role=role.arn,
            memory_size=512,
            # AppSync gives up on a data source after 30 s; answer (or fail) well before.
            timeout=10,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=self._environment()),
            # Traced only when AppSync sampled the request (XRAY_SAMPLING_RATE).
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="PassThrough"),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON", log_group=log_group.name),
            opts=self._child(depends_on=[log_group]),
        )

    # --- the GraphQL API ----------------------------------------------------------------------

    def _api(self, log_role: aws.iam.Role) -> aws.appsync.GraphQLApi:
        pool_region = pulumi.Output.from_input(self._args.user_pool_id).apply(lambda pool: pool.split("_")[0])
        return aws.appsync.GraphQLApi(
            f"{self._name}-graphql",
            name=f"{self._args.name_prefix}-api",
            schema=appsync_schema.schema_sdl(),
            # Every field needs a signed-in newsroom user; group rules live in the resolver.
            authentication_type="AMAZON_COGNITO_USER_POOLS",
            user_pool_config=aws.appsync.GraphQLApiUserPoolConfigArgs(
                user_pool_id=self._args.user_pool_id,
                aws_region=pool_region,
                default_action="ALLOW",
                # Other app clients of an adopted pool are not the newsroom's way in.
                app_id_client_regex=pulumi.Output.from_input(self._args.accepted_client_ids).apply(client_id_pattern),
            ),
            # IAM only for the back end: the publisher signs `publish` with its role.
            additional_authentication_providers=[
                aws.appsync.GraphQLApiAdditionalAuthenticationProviderArgs(authentication_type="AWS_IAM")
            ],
            log_config=aws.appsync.GraphQLApiLogConfigArgs(
                cloudwatch_logs_role_arn=log_role.arn,
                field_log_level=self._args.field_log_level,
                exclude_verbose_content=True,
            ),
            xray_enabled=self._args.tracing,
            # One request may not hold a thousand list aliases (docs/contracts.md, GraphQL).
            query_depth_limit=appsync_schema.QUERY_DEPTH_LIMIT,
            resolver_count_limit=appsync_schema.RESOLVER_COUNT_LIMIT,
            opts=self._child(),
        )

    def _sampling(self, api: aws.appsync.GraphQLApi) -> aws.xray.SamplingRule:
        return aws.xray.SamplingRule(
            f"{self._name}-sampling",
            # X-Ray allows 32 characters: the name prefix is at most 28 (infra/settings.py).
            rule_name=f"{self._args.name_prefix}-api",
            priority=XRAY_SAMPLING_PRIORITY,
            reservoir_size=0,
            fixed_rate=XRAY_SAMPLING_RATE,
            service_type="AWS::AppSync::GraphQLAPI",
            resource_arn=api.arn,
            service_name="*",
            host="*",
            http_method="*",
            url_path="*",
            version=1,
            opts=self._child(),
        )

    def _api_logs(self, api: aws.appsync.GraphQLApi, log_role: aws.iam.Role) -> None:
        """The group AppSync writes to (its name comes from the API id), declared here to give
        it a retention; the logging role may write to this group only."""
        log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-graphql-logs",
            name=api.id.apply(lambda api_id: f"/aws/appsync/apis/{api_id}"),
            retention_in_days=self._args.log_retention_days,
            opts=self._child(),
        )
        self._allow(log_role, "appsync-logs", _write_logs(log_group, sid="AppSyncLogs"))

    def _lambda_data_source(self, api: aws.appsync.GraphQLApi, function: aws.lambda_.Function) -> aws.appsync.DataSource:
        role = self._role(
            "appsync-invoke",
            "appsync.amazonaws.com",
            statement(["lambda:InvokeFunction"], [function.arn], sid="InvokeResolver"),
        )
        return aws.appsync.DataSource(
            f"{self._name}-resolver-source",
            api_id=api.id,
            name="ResolverLambda",
            type="AWS_LAMBDA",
            lambda_config=aws.appsync.DataSourceLambdaConfigArgs(function_arn=function.arn),
            service_role_arn=role.arn,
            opts=self._child(),
        )

    def _none_data_source(self, api: aws.appsync.GraphQLApi) -> aws.appsync.DataSource:
        return aws.appsync.DataSource(
            f"{self._name}-fan-out-source",
            api_id=api.id,
            name="FanOut",
            type="NONE",
            opts=self._child(),
        )

    def _resolvers(self, api: aws.appsync.GraphQLApi, data_sources: dict[str, aws.appsync.DataSource]) -> None:
        invoke = resolver_code("invoke.js")
        publish = resolver_code("publish.js")
        for type_name, field_name, source in field_resolvers():
            if type_name == "Subscription":
                code = subscription_code(field_name)
            else:
                code = invoke if source == "lambda" else publish
            aws.appsync.Resolver(
                f"{self._name}-{type_name}-{field_name}",
                api_id=api.id,
                type=type_name,
                field=field_name,
                kind="UNIT",
                data_source=data_sources[source].name,
                runtime=JS_RUNTIME,
                code=code,
                opts=self._child(),
            )


def _write_logs(log_group: aws.cloudwatch.LogGroup, sid: str) -> dict:
    """Write log events to one group's streams (their names are chosen at run time)."""
    return statement(["logs:CreateLogStream", "logs:PutLogEvents"],
                     [log_group.arn.apply(lambda arn: f"{arn}:log-stream:*")], sid=sid)
