"""The api tier: AppSync with Cognito + IAM auth and no API key, logging and tracing on, a
resolver for every schema field, and a resolver Lambda allowed only what it needs."""
from __future__ import annotations

import json
import re
from functools import lru_cache

import pulumi
import pytest
from conftest import evaluate, resolve

from newsroom.entities import ENTITIES, PRESENCE
from newsroom.tables import variable
from infra import appsync_schema
from infra.api import XRAY_SAMPLING_RATE, ApiTier, ApiTierArgs, client_id_pattern, resolver_code, subscription_code
from infra.data import DataTier, DataTierArgs
from infra.iam import ACTIONS_REQUIRING_ANY_RESOURCE, wildcard_violations

USER_POOL = "eu-west-3_TestPool01"
# The stack's own client and an adopted one (the station's app), as the auth tier lists them.
CLIENTS = ["4platformclient0000000000a", "5stationclient00000000000b"]
# A stand-in for the Lambda archive: these tests look at the infrastructure, not the code.
CODE = pulumi.AssetArchive({"handlers/__init__.py": pulumi.StringAsset("")})


@lru_cache(maxsize=1)
def api_tier():
    made = {}

    def program():
        data = made["data"] = DataTier("data", DataTierArgs(name_prefix="se-test"))
        made["api"] = ApiTier("api", ApiTierArgs(
            tables=data.tables, presence_table=data.presence_table, user_pool_id=USER_POOL,
            accepted_client_ids=pulumi.Output.from_input(CLIENTS), code=CODE,
            log_retention_days=14, name_prefix="se-test", tombstone_retention_days=21))

    run = evaluate(program)
    return run, made["data"], made["api"]


def only(type_token):
    found = api_tier()[0].of_type(type_token)
    assert len(found) == 1, f"{len(found)} {type_token}"
    return found[0]


def role_policy(role_name_part: str) -> dict:
    run = api_tier()[0]
    [policy] = [r for r in run.of_type("aws:iam/rolePolicy:RolePolicy") if r.name == f"api-{role_name_part}"]
    return json.loads(policy.inputs["policy"])


def test_signed_in_users_by_default_iam_for_the_back_end_and_no_api_key():
    api = only("aws:appsync/graphQLApi:GraphQLApi").inputs
    assert api["authenticationType"] == "AMAZON_COGNITO_USER_POOLS"
    assert api["userPoolConfig"] == {"userPoolId": USER_POOL, "awsRegion": "eu-west-3", "defaultAction": "ALLOW",
                                     "appIdClientRegex": client_id_pattern(CLIENTS)}
    assert [p["authenticationType"] for p in api["additionalAuthenticationProviders"]] == ["AWS_IAM"]
    assert "API_KEY" not in json.dumps(api)
    assert api_tier()[0].of_type("aws:appsync/apiKey:ApiKey") == []


def test_only_the_accepted_app_clients_of_the_pool_get_in():
    pattern = only("aws:appsync/graphQLApi:GraphQLApi").inputs["userPoolConfig"]["appIdClientRegex"]
    assert pattern == "^(4platformclient0000000000a|5stationclient00000000000b)$"
    assert all(re.fullmatch(pattern, client) for client in CLIENTS)
    # Another client of the same pool, and ids that merely contain an accepted one, stay out.
    for other in ("6otherclient00000000000000", CLIENTS[0] + "0", "0" + CLIENTS[1], CLIENTS[0][:-1]):
        assert not re.search(pattern, other), other


def test_client_ids_are_matched_literally():
    pattern = client_id_pattern(["a+b", "c_d"])
    assert re.fullmatch(pattern, "a+b") and not re.search(pattern, "aab") and not re.search(pattern, "aaab")


def test_one_request_may_not_nest_deep_or_run_many_resolvers():
    """A thousand `listNews(limit: 1000)` aliases in one request ran 45 s and held other users."""
    api = only("aws:appsync/graphQLApi:GraphQLApi").inputs
    assert api["queryDepthLimit"] == appsync_schema.QUERY_DEPTH_LIMIT
    assert api["resolverCountLimit"] == appsync_schema.RESOLVER_COUNT_LIMIT
    # The app's own requests fit: a load lists every entity in one request, 3 levels deep.
    assert len(ENTITIES) <= appsync_schema.RESOLVER_COUNT_LIMIT <= 2 * len(ENTITIES)
    assert 3 <= appsync_schema.QUERY_DEPTH_LIMIT <= 10


def test_schema_is_the_committed_file():
    assert only("aws:appsync/graphQLApi:GraphQLApi").inputs["schema"] == appsync_schema.schema_sdl()


def test_errors_are_logged_with_a_retention_and_requests_traced():
    run = api_tier()[0]
    api = only("aws:appsync/graphQLApi:GraphQLApi")
    log_config = api.inputs["logConfig"]
    assert log_config["fieldLogLevel"] == "ERROR"
    log_role = next(r for r in run.of_type("aws:iam/role:Role") if r.name == "api-appsync-logs")
    assert log_config["cloudwatchLogsRoleArn"] == log_role.outputs["arn"]
    assert api.inputs["xrayEnabled"] is True
    # Traced, but sampled: 5 % of the requests, no per-second reservoir, for this API only.
    [rule] = run.of_type("aws:xray/samplingRule:SamplingRule")
    assert rule.inputs["fixedRate"] == XRAY_SAMPLING_RATE == 0.05 and rule.inputs["reservoirSize"] == 0
    assert rule.inputs["resourceArn"] == api.outputs["arn"]
    assert rule.inputs["serviceType"] == "AWS::AppSync::GraphQLAPI"
    assert rule.inputs["priority"] < 10000  # before X-Ray's default rule
    assert rule.inputs["ruleName"] == "se-test-api"
    groups = {g.inputs["name"]: g for g in run.of_type("aws:cloudwatch/logGroup:LogGroup")}
    api_group = groups[f"/aws/appsync/apis/{api.id}"]
    assert api_group.inputs["retentionInDays"] == 14
    [allowed] = role_policy("appsync-logs")["Statement"]
    assert allowed["Resource"] == [f"{api_group.outputs['arn']}:log-stream:*"]


def test_urls_come_from_the_api():
    run, _, tier = api_tier()
    api = only("aws:appsync/graphQLApi:GraphQLApi")
    assert resolve(tier.graphql_url) == api.outputs["uris"]["GRAPHQL"]
    assert resolve(tier.realtime_url).startswith("wss://")
    assert resolve(tier.api_arn) == api.outputs["arn"] and resolve(tier.api_id) == api.id


def resolvers() -> dict[tuple[str, str], dict]:
    found = [r.inputs for r in api_tier()[0].of_type("aws:appsync/resolver:Resolver")]
    by_field = {(r["type"], r["field"]): r for r in found}
    assert len(by_field) == len(found), "two resolvers for one field"
    return by_field


def schema_fields() -> set[tuple[str, str]]:
    schema = appsync_schema.load()
    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    return {(root.name, name) for root in roots for name in root.fields}


def data_source_types() -> dict[str, str]:
    return {d.inputs["name"]: d.inputs["type"] for d in api_tier()[0].of_type("aws:appsync/dataSource:DataSource")}


def test_every_schema_field_has_exactly_one_resolver():
    assert set(resolvers()) == schema_fields()


def test_queries_and_mutations_invoke_the_resolver_lambda_through_invoke_js():
    sources = data_source_types()
    for (type_name, field_name), resolver in resolvers().items():
        if type_name == "Subscription" or field_name == "publish":
            continue
        assert sources[resolver["dataSource"]] == "AWS_LAMBDA", field_name
        assert resolver["runtime"] == {"name": "APPSYNC_JS", "runtimeVersion": "1.0.0"}
        assert resolver["code"] == resolver_code("invoke.js"), field_name


def test_publish_and_subscriptions_run_on_none():
    sources = data_source_types()
    publish = resolvers()[("Mutation", "publish")]
    assert sources[publish["dataSource"]] == "NONE"
    assert publish["code"] == resolver_code("publish.js")
    for (type_name, field_name), resolver in resolvers().items():
        if type_name == "Subscription":
            assert sources[resolver["dataSource"]] == "NONE", field_name
            assert resolver["code"] == subscription_code(field_name)


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_each_entity_subscription_filters_on_its_entity(entity):
    code = resolvers()[("Subscription", f"on{entity.type_name}Changed")]["code"]
    assert f'const ENTITY = "{entity.name}";' in code and "setSubscriptionFilter" in code
    assert "__ENTITY__" not in code


def test_presence_subscription_is_not_filtered():
    assert "const ENTITY = null;" in resolvers()[("Subscription", "onPresenceChanged")]["code"]


def test_lambda_data_source_role_may_invoke_the_resolver_only():
    function = only("aws:lambda/function:Function")
    source = next(d for d in api_tier()[0].of_type("aws:appsync/dataSource:DataSource") if d.inputs["type"] == "AWS_LAMBDA")
    assert source.inputs["lambdaConfig"]["functionArn"] == function.outputs["arn"]
    [allowed] = role_policy("appsync-invoke")["Statement"]
    assert allowed["Action"] == ["lambda:InvokeFunction"] and allowed["Resource"] == [function.outputs["arn"]]


def test_resolver_lambda_runs_the_resolver_handler_on_graviton_with_its_tables():
    run, data, _ = api_tier()
    function = only("aws:lambda/function:Function").inputs
    assert function["runtime"] == "python3.13" and function["architectures"] == ["arm64"]
    assert function["handler"] == "handlers.resolver.handler"
    # The Lambda follows AppSync's sampling decision instead of sampling every call itself.
    assert function["tracingConfig"] == {"mode": "PassThrough"}
    env = function["environment"]["variables"]
    for entity in ENTITIES:
        assert env[variable(entity.name)] == resolve(data.tables[entity.name].name)
    assert env[variable(PRESENCE.name)] == resolve(data.presence_table.name)
    assert env["TOMBSTONE_RETENTION_DAYS"] == "21"
    assert env["POWERTOOLS_SERVICE_NAME"]
    logs = next(g for g in run.of_type("aws:cloudwatch/logGroup:LogGroup") if g.name == "api-resolver-logs")
    assert logs.inputs["name"] == f"/aws/lambda/{function['name']}" and logs.inputs["retentionInDays"] == 14


def test_resolver_lambda_may_only_touch_this_stacks_tables_and_indexes():
    run, data, _ = api_tier()
    policy = role_policy("resolver")
    assert wildcard_violations(policy) == []
    statements = {s.get("Sid"): s for s in policy["Statement"]}
    table_arns = sorted(t.outputs["arn"] for t in run.of_type("aws:dynamodb/table:Table"))
    assert sorted(statements["NewsroomTables"]["Resource"]) == table_arns
    index_arns = sorted(
        f"{resolve(data.tables[e.name].arn)}/index/{i.name}" for e in ENTITIES for i in e.indexes
    )
    assert sorted(statements["NewsroomIndexes"]["Resource"]) == index_arns
    assert statements["NewsroomIndexes"]["Action"] == ["dynamodb:Query"]
    every_action = {a for s in policy["Statement"] for a in s["Action"]}
    assert "dynamodb:Scan" not in every_action and not any(a.endswith("*") for a in every_action)
    star = [s for s in policy["Statement"] if "*" in s["Resource"]]
    assert [set(s["Action"]) for s in star] == [set(ACTIONS_REQUIRING_ANY_RESOURCE)]
    logs = next(g for g in run.of_type("aws:cloudwatch/logGroup:LogGroup") if g.name == "api-resolver-logs")
    assert statements["OwnLogs"]["Resource"] == [f"{logs.outputs['arn']}:log-stream:*"]


def test_every_api_resource_belongs_to_the_api_component():
    run = api_tier()[0]
    api_types = {r.type for r in run.children_of("saint-esprit:api:ApiTier")}
    assert {"aws:appsync/graphQLApi:GraphQLApi", "aws:appsync/resolver:Resolver", "aws:lambda/function:Function",
            "aws:appsync/dataSource:DataSource", "aws:iam/role:Role"} <= api_types
