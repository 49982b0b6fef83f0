"""The whole program (`__main__.py`) per committed stack: the tiers it composes, how they are
wired, what it exports, and what differs between production and development."""
from __future__ import annotations

import json

import re

import pytest
from conftest import (CUT_OVER, PROJECT, committed_stacks, evaluate_program, make_site_dir, stack_config,
                      test_config)

from newsroom.entities import ENTITIES, PRESENCE
from newsroom.tables import variable
from infra.settings import ALARM_EMAIL_MISSING, SettingsError

TIERS = {f"{PROJECT}:{tier}" for tier in ("data:DataTier", "auth:AuthTier", "api:ApiTier", "cdn:CdnTier",
                                          "streams:StreamsTier")}
EXPORTS = {"siteUrl", "graphqlUrl", "realtimeUrl", "region", "userPoolId", "userPoolClientId", "identityPoolId",
           "mediaBaseUrl", "mediaBucket", "siteBucket", "tableNames", "presenceTableName", "distributionId",
           "distributionDomainName", "failureQueueUrl", "acceptedClientIds"}
STACKS = ["prod", "dev"]
# The station's app client of the adopted pool, as Pulumi.prod.yaml accepts it.
STATION_CLIENT = (stack_config("prod").get(f"{PROJECT}:acceptedClientIds") or [None])[0]


def only(run, type_token):
    found = run.of_type(type_token)
    assert len(found) == 1, f"{len(found)} {type_token}"
    return found[0]


@pytest.mark.parametrize("stack", STACKS)
def test_every_tier_is_one_component_under_the_stack(program, stack):
    run = program(stack)
    components = [r for r in run.resources if r.type.startswith(f"{PROJECT}:")]
    assert sorted(r.type for r in components) == sorted(TIERS)
    assert all(r.parent.endswith("pulumi:pulumi:Stack::saint-esprit-" + stack) for r in components)
    orphans = [r.name for r in run.resources if r.custom and not r.read and run.tier_of(r) is None]
    assert orphans == []


def test_every_committed_stack_file_is_tested():
    assert committed_stacks() == sorted(STACKS)


@pytest.mark.parametrize("stack", committed_stacks())
def test_every_committed_stack_file_deploys_exactly_as_committed(tmp_path, stack):
    """What `pulumi preview -s <stack>` runs on a fresh checkout: the stack file untouched,
    plus the frontend build (which is not committed)."""
    config = test_config(stack, make_site_dir(tmp_path))
    assert config == stack_config(stack) | {f"{PROJECT}:siteDir": str(tmp_path)}
    run = evaluate_program(stack, config)
    assert {r.type for r in run.resources if r.type.startswith(f"{PROJECT}:")} == TIERS
    assert run.exports["siteUrl"].startswith("https://")


def test_prod_warns_at_every_preview_while_nobody_gets_the_alarm(prod, dev, tmp_path):
    assert ALARM_EMAIL_MISSING in prod.warnings
    assert "alarmEmail" in ALARM_EMAIL_MISSING and "pulumi config set saint-esprit:alarmEmail" in ALARM_EMAIL_MISSING
    assert dev.warnings == []  # a dev stack may run without one
    told = evaluate_program("prod", test_config("prod", make_site_dir(tmp_path), alarmEmail="tech@saint-esprit.link"))
    assert told.warnings == []


@pytest.mark.parametrize("stack", STACKS)
def test_exports_what_operators_and_the_frontend_need(program, stack):
    run = program(stack)
    exports = run.exports
    assert set(exports) == EXPORTS | ({"hostedUi"} if stack == "prod" else set())
    api = only(run, "aws:appsync/graphQLApi:GraphQLApi")
    assert exports["graphqlUrl"] == api.outputs["uris"]["GRAPHQL"]
    assert exports["realtimeUrl"] == api.outputs["uris"]["REALTIME"]
    assert exports["identityPoolId"] == only(run, "aws:cognito/identityPool:IdentityPool").id
    assert exports["userPoolClientId"] == only(run, "aws:cognito/userPoolClient:UserPoolClient").id
    distribution = only(run, "aws:cloudfront/distribution:Distribution")
    assert exports["distributionId"] == distribution.id
    assert exports["distributionDomainName"] == distribution.outputs["domainName"]
    assert exports["mediaBaseUrl"] == exports["siteUrl"] + "/media"
    assert set(exports["tableNames"]) == {e.name for e in ENTITIES}
    assert exports["region"] == "eu-west-3"


@pytest.mark.parametrize("stack", STACKS)
def test_the_site_config_points_the_browser_at_this_stack(program, stack):
    run = program(stack)
    [config] = [o for o in run.resources if o.type.startswith("aws:s3/bucketObject") and o.inputs["key"] == "config.json"]
    written = json.loads(config.inputs["content"])
    exports = run.exports
    assert written["graphqlUrl"] == exports["graphqlUrl"] and written["realtimeUrl"] == exports["realtimeUrl"]
    assert written["userPoolId"] == exports["userPoolId"]
    assert written["userPoolClientId"] == exports["userPoolClientId"]
    assert written["identityPoolId"] == exports["identityPoolId"]
    assert written["mediaBaseUrl"] == exports["mediaBaseUrl"] and written["mediaBucket"] == exports["mediaBucket"]
    assert written["authFlow"] == "USER_SRP_AUTH" and written["endpoints"] == {}
    assert written.get("hostedUi") == exports.get("hostedUi")


def test_prod_config_sends_the_station_app_to_the_adopted_pools_hosted_ui(prod, dev):
    [config] = [o for o in prod.resources if o.type.startswith("aws:s3/bucketObject") and o.inputs["key"] == "config.json"]
    hosted_ui = json.loads(config.inputs["content"])["hostedUi"]
    site = prod.exports["siteUrl"]
    assert site.endswith(".cloudfront.net")  # before the cut-over: the distribution's own name
    assert hosted_ui == {
        "domain": stack_config("prod")[f"{PROJECT}:hostedUiDomain"],
        "scopes": ["email", "openid", "profile"],
        "redirectSignIn": [f"{site}/"],
        "redirectSignOut": [f"{site}/logout.html"],
        "clientIds": [prod.exports["userPoolClientId"], STATION_CLIENT],
    }
    assert prod.exports["acceptedClientIds"] == hosted_ui["clientIds"]
    assert "hostedUi" not in dev.exports
    assert dev.exports["acceptedClientIds"] == [dev.exports["userPoolClientId"]]


def test_after_the_cut_over_the_hosted_ui_returns_to_the_newsroom_names(prod_after_cut_over):
    hosted_ui = prod_after_cut_over.exports["hostedUi"]
    assert hosted_ui["redirectSignIn"] == ["https://saint-esprit.link/", "https://www.saint-esprit.link/"]
    assert hosted_ui["redirectSignOut"] == ["https://saint-esprit.link/logout.html",
                                            "https://www.saint-esprit.link/logout.html"]


@pytest.mark.parametrize("stack", STACKS)
def test_appsync_accepts_exactly_the_stacks_clients(program, stack):
    run = program(stack)
    pattern = only(run, "aws:appsync/graphQLApi:GraphQLApi").inputs["userPoolConfig"]["appIdClientRegex"]
    accepted = run.exports["acceptedClientIds"]
    assert all(re.fullmatch(pattern, client) for client in accepted)
    for other in ("1example23456789abcdefghij", accepted[0] + "x", "x" + accepted[0], ""):
        assert not re.search(pattern, other), other


@pytest.mark.parametrize("stack", STACKS)
def test_the_identity_pool_gives_credentials_to_newsroom_groups_of_accepted_clients_only(program, stack):
    run = program(stack)
    accepted = run.exports["acceptedClientIds"]
    pool = only(run, "aws:cognito/identityPool:IdentityPool").inputs
    assert [p["clientId"] for p in pool["cognitoIdentityProviders"]] == accepted
    mappings = only(run, "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment").inputs["roleMappings"]
    provider = f"cognito-idp.eu-west-3.amazonaws.com/{run.exports['userPoolId']}"
    assert [m["identityProvider"] for m in mappings] == [f"{provider}:{client}" for client in accepted]
    for mapping in mappings:
        assert mapping["type"] == "Rules" and mapping["ambiguousRoleResolution"] == "Deny"
        assert {(r["claim"], r["matchType"], r["value"]) for r in mapping["mappingRules"]} == {
            ("cognito:groups", "Contains", group) for group in ("admins", "journalists", "volunteers")}


# What AWS calls a resource (the mocks' physical name): the first of these inputs, else Pulumi's
# auto-name, which is the logical name plus a random suffix.
NAME_INPUTS = ("name", "bucket", "identityPoolName", "functionName", "ruleName")
# Names that are not account-wide: scoped inside their user pool or API, or (event source
# mappings) the input names the target function, not the mapping.
NOT_ACCOUNT_WIDE = {"aws:cognito/userGroup:UserGroup", "aws:appsync/dataSource:DataSource",
                    "aws:lambda/eventSourceMapping:EventSourceMapping"}
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
# Longest physical name AWS accepts, Pulumi's 8-character suffix included where auto-named.
NAME_LIMITS = {"aws:s3/bucket:Bucket": 63, "aws:iam/role:Role": 64, "aws:lambda/function:Function": 64,
               "aws:cloudfront/function:Function": 64, "aws:sqs/queue:Queue": 80,
               "aws:cloudfront/originAccessControl:OriginAccessControl": 64, "aws:sns/topic:Topic": 256,
               "aws:cloudwatch/metricAlarm:MetricAlarm": 255, "aws:dynamodb/table:Table": 255,
               "aws:cloudfront/cachePolicy:CachePolicy": 128,
               "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": 128,
               "aws:cognito/userPool:UserPool": 128, "aws:cognito/identityPool:IdentityPool": 128,
               "aws:xray/samplingRule:SamplingRule": 32}


def physical_names(run):
    """(type, physical name) of every AWS resource the program creates with an account-wide name."""
    for resource in run.resources:
        if not resource.custom or resource.read or not resource.type.startswith("aws:"):
            continue
        if resource.type in NOT_ACCOUNT_WIDE:
            continue
        given = next((resource.inputs[k] for k in NAME_INPUTS if isinstance(resource.inputs.get(k), str)), None)
        if given is None:
            yield resource.type, resource.outputs.get("name") or f"{resource.name}-1234567"
        elif resource.type == LOG_GROUP and given.startswith("/aws/appsync/apis/"):
            continue  # AppSync writes to the group named after the API id, whatever we prefer
        elif resource.type == LOG_GROUP and given.startswith("/aws/lambda/"):
            yield resource.type, given.removeprefix("/aws/lambda/")  # the function's name
        else:
            yield resource.type, given


@pytest.mark.parametrize("stack", STACKS)
def test_every_physical_name_starts_with_the_stacks_prefix(program, stack):
    """What lets one account hold both stacks, and the deploy roles (bootstrap/) be scoped to
    `<namePrefix>-*` alone: nothing of this stack is named outside its prefix."""
    run = program(stack)
    prefix = stack_config(stack)["saint-esprit:namePrefix"]
    assert run.name_prefix == prefix
    names = list(physical_names(run))
    assert len(names) > 40
    # Identity pool names allow no hyphen: the prefix with underscores.
    outside = [(kind, name) for kind, name in names
               if not name.startswith(f"{prefix}-") and not name.startswith(f"{prefix.replace('-', '_')}_")]
    assert outside == []
    assert {kind for kind, _ in names} >= {"aws:s3/bucket:Bucket", "aws:iam/role:Role", "aws:sqs/queue:Queue",
                                           "aws:lambda/function:Function", "aws:cloudfront/function:Function"}


def test_the_longest_name_prefix_keeps_every_name_within_aws_limits(tmp_path):
    prefix = "a" * 27 + "z"  # 28 characters, the most infra/settings.py accepts
    run = evaluate_program("dev", test_config("dev", make_site_dir(tmp_path), namePrefix=prefix))
    too_long = [(kind, name) for kind, name in physical_names(run)
                if len(name) > NAME_LIMITS.get(kind, 64 if kind == LOG_GROUP else 512)]
    assert too_long == []
    assert all(name.startswith(prefix) for _, name in physical_names(run))


@pytest.mark.parametrize("stack", STACKS)
def test_the_resolver_reads_and_writes_the_stacks_own_tables(program, stack):
    run = program(stack)
    resolver = next(f for f in run.of_type("aws:lambda/function:Function")
                    if f.inputs["handler"] == "handlers.resolver.handler")
    env = resolver.inputs["environment"]["variables"]
    assert {e.name: env[variable(e.name)] for e in ENTITIES} == run.exports["tableNames"]
    assert env[variable(PRESENCE.name)] == run.exports["presenceTableName"]


def test_production_data_cannot_be_deleted_by_accident(prod):
    tables = prod.of_type("aws:dynamodb/table:Table")
    assert len(tables) == len(ENTITIES) + 1
    assert all(t.protect and t.inputs["deletionProtectionEnabled"] for t in tables)


def test_development_can_be_torn_down(dev):
    protected = [r.name for r in dev.resources if r.protect]
    assert protected == []
    assert not any(t.inputs["deletionProtectionEnabled"] for t in dev.of_type("aws:dynamodb/table:Table"))


def test_nothing_inside_the_adopted_pool_can_be_deleted_by_pulumi(prod, dev):
    inside = prod.of_type("aws:cognito/userPoolClient:UserPoolClient") + prod.of_type("aws:cognito/userGroup:UserGroup")
    assert len(inside) == 4
    assert all(r.protect and r.retain_on_delete for r in inside), [r.name for r in inside]
    created = dev.of_type("aws:cognito/userPoolClient:UserPoolClient") + dev.of_type("aws:cognito/userGroup:UserGroup")
    assert not any(r.protect or r.retain_on_delete for r in created)


def test_groups_already_in_the_adopted_pool_are_imported_not_created(tmp_path):
    run = evaluate_program("prod", test_config("prod", make_site_dir(tmp_path), existingGroups=["journalists"]))
    pool = stack_config("prod")[f"{PROJECT}:adoptedUserPoolId"]
    groups = {g.inputs["name"]: g for g in run.of_type("aws:cognito/userGroup:UserGroup")}
    assert groups["journalists"].import_id == f"{pool}/journalists"
    assert groups["journalists"].id == f"{pool}/journalists"
    assert {groups[g].import_id for g in ("admins", "volunteers")} == {""}
    assert all(g.protect and g.retain_on_delete for g in groups.values())


def test_production_adopts_the_current_user_pool_and_development_creates_its_own(prod, dev):
    assert prod.of_type("aws:cognito/userPool:UserPool") == []
    adopted = stack_config("prod")["saint-esprit:adoptedUserPoolId"]
    assert prod.exports["userPoolId"] == adopted
    assert only(prod, "aws:cognito/userPoolClient:UserPoolClient").inputs["userPoolId"] == adopted
    assert ("aws:cognito/getUserPool:getUserPool", {"userPoolId": adopted}) in prod.calls
    created = only(dev, "aws:cognito/userPool:UserPool")
    assert created.read is False and dev.exports["userPoolId"] == created.id


def test_only_development_allows_password_sign_in(prod, dev):
    def flows(run):
        return only(run, "aws:cognito/userPoolClient:UserPoolClient").inputs["explicitAuthFlows"]

    assert "ALLOW_USER_PASSWORD_AUTH" not in flows(prod)
    assert "ALLOW_USER_PASSWORD_AUTH" in flows(dev)
    assert "ALLOW_USER_SRP_AUTH" in flows(prod)


def test_production_serves_the_newsroom_domain_once_the_cut_over_gives_it(prod, prod_after_cut_over, dev):
    # As committed, the names still belong to the old distribution: claiming them would fail.
    assert only(prod, "aws:cloudfront/distribution:Distribution").inputs.get("aliases", []) == []
    assert prod.exports["siteUrl"].endswith(".cloudfront.net")
    after = prod_after_cut_over
    assert only(after, "aws:cloudfront/distribution:Distribution").inputs["aliases"] == CUT_OVER["domainNames"]
    client = only(after, "aws:cognito/userPoolClient:UserPoolClient").inputs
    assert client["callbackUrls"] == ["https://saint-esprit.link/", "https://www.saint-esprit.link/"]
    assert "https://saint-esprit.link/logout.html" in client["logoutUrls"]
    assert after.exports["siteUrl"] == "https://saint-esprit.link"
    assert dev.exports["siteUrl"].endswith(".cloudfront.net")


def test_a_bad_setting_stops_the_program_before_any_resource(tmp_path):
    config = test_config("dev", make_site_dir(tmp_path), environment=None)
    with pytest.raises(SettingsError, match="saint-esprit:environment"):
        evaluate_program("dev", config)


def test_a_missing_frontend_build_says_how_to_build_it(tmp_path):
    config = test_config("dev", tmp_path / "nothing-built")
    with pytest.raises(Exception, match="make frontend"):
        evaluate_program("dev", config)
