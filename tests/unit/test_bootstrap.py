"""bootstrap/: GitHub OIDC, one role per GitHub environment, the S3 + KMS state backend, under
Pulumi mocks. The deploy roles are checked against what the platform program really creates."""
from __future__ import annotations

import fnmatch
import json
import re
import runpy
from functools import lru_cache
from pathlib import Path

import pytest
from conftest import ACCOUNT, REGION, evaluate

from bootstrap.delivery_access import (
    ACTIONS_WITHOUT_RESOURCE,
    EVENT_SOURCE_CREATION,
    DeliveryAccess,
    DeliveryAccessArgs,
)
from infra.iam import wildcard_violations

REPOSITORY = "radio-saint-esprit/platform"
BOOTSTRAP = Path(__file__).resolve().parents[2] / "bootstrap" / "__main__.py"
WRITE_VERBS = ("Create", "Update", "Delete", "Put", "Set", "Tag", "Untag", "Attach", "Detach",
               "Add", "Remove", "Publish", "Start", "Subscribe", "Unsubscribe", "Pass", "Encrypt",
               "GenerateDataKey")
# Where each pulumi-aws module's resources are managed, as IAM service prefixes.
SERVICES = {"dynamodb": ["dynamodb"], "lambda": ["lambda"], "iam": ["iam"], "s3": ["s3"],
            "cloudfront": ["cloudfront"], "appsync": ["appsync"], "sqs": ["sqs"], "sns": ["sns"],
            "cognito": ["cognito-idp", "cognito-identity"], "cloudwatch": ["logs", "cloudwatch"], "xray": ["xray"]}


@lru_cache(maxsize=None)
def bootstrap(existing_provider: str | None = None):
    return evaluate(lambda: DeliveryAccess("delivery", DeliveryAccessArgs(
        repository=REPOSITORY, existing_oidc_provider_arn=existing_provider)))


def one(run, type_token: str, name: str):
    (resource,) = [r for r in run.of_type(type_token) if r.name == name]
    return resource


def role_named(run, environment: str):
    return one(run, "aws:iam/role:Role", f"delivery-{environment}")


def policy_of(run, environment: str) -> dict:
    return json.loads(one(run, "aws:iam/rolePolicy:RolePolicy", f"delivery-{environment}").inputs["policy"])


def state_bucket(run):
    return one(run, "aws:s3/bucket:Bucket", "delivery-state")


def actions(policy: dict) -> set[str]:
    return {a for s in policy["Statement"] for a in s["Action"]}


def test_each_role_trusts_only_its_github_environment_of_this_repository():
    run = bootstrap()
    provider = run.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert [p.inputs["url"] for p in provider] == ["https://token.actions.githubusercontent.com"]
    assert provider[0].inputs["clientIdLists"] == ["sts.amazonaws.com"]
    for environment in ("preview", "dev", "production"):
        trust = json.loads(role_named(run, environment).inputs["assumeRolePolicy"])["Statement"]
        assert len(trust) == 1 and trust[0]["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert trust[0]["Principal"]["Federated"] == provider[0].outputs["arn"]
        assert trust[0]["Condition"] == {"StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": f"repo:{REPOSITORY}:environment:{environment}",
        }}


def test_an_existing_oidc_provider_is_reused_not_duplicated():
    arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    run = bootstrap(existing_provider=arn)
    assert run.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    trust = json.loads(role_named(run, "dev").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"]["Federated"] == arn


def test_previews_only_read_and_take_state_locks():
    preview = policy_of(bootstrap(), "preview")
    writes = {a for a in actions(preview) if a.split(":")[1].startswith(WRITE_VERBS)}
    # The only writes: the backend's lock and checkpoint files, and decrypting/encrypting secrets.
    assert writes == {"s3:PutObject", "s3:DeleteObject", "kms:Encrypt", "kms:GenerateDataKey"}
    state = [s for s in preview["Statement"] if s["Sid"] == "StateObjects"]
    assert state[0]["Resource"] == [f"arn:aws:s3:::{state_bucket(bootstrap()).outputs['bucket']}/*"]


def test_deploy_roles_are_scoped_to_their_own_stack_names():
    run = bootstrap()
    dev = json.dumps(policy_of(run, "dev"))
    assert "saint-esprit-dev-*" in dev and "saint-esprit-prod-*" not in dev
    assert "saint-esprit-prod-*" in json.dumps(policy_of(run, "production"))
    # Every name pattern is the stack's prefix: no tier patterns (`cdn-*`, `streams-*`, ...) that
    # two stacks in one account would share.
    for environment, prefix in (("dev", "saint-esprit-dev-"), ("production", "saint-esprit-prod-")):
        for s in policy_of(run, environment)["Statement"]:
            for resource in s["Resource"]:
                name = re.split(r"[:/]", resource.removeprefix("arn:aws:"))[-1]
                patterns = [part for part in re.split(r"[:/]", resource) if "*" in part and part != "*"]
                assert all(p.startswith(prefix) for p in patterns), (environment, resource)
                assert name == "*" or "*" not in name or name.startswith(prefix), (environment, resource)
    pass_role = next(s for s in policy_of(run, "dev")["Statement"] if s["Sid"] == "PassOwnRoles")
    assert all(r.startswith(f"arn:aws:iam::{ACCOUNT}:role/") for r in pass_role["Resource"])
    assert pass_role["Condition"]["StringEquals"]["iam:PassedToService"]


@pytest.mark.parametrize("environment", ["preview", "dev", "production"])
def test_only_actions_without_resource_level_permissions_get_a_wildcard(environment):
    policy = policy_of(bootstrap(), environment)
    broad = {s["Sid"]: s for s in policy["Statement"] if "*" in s["Resource"]}
    deploys = environment != "preview"
    assert sorted(broad) == (["EventSourcesOfOwnFunctions", "NoResourceLevelPermissions"] if deploys
                             else ["NoResourceLevelPermissions"])
    anywhere = broad["NoResourceLevelPermissions"]
    expected = ACTIONS_WITHOUT_RESOURCE["read"] + (ACTIONS_WITHOUT_RESOURCE["write"] if deploys else [])
    assert sorted(anywhere["Action"]) == sorted(expected)
    assert anywhere["Condition"] == {"StringEquals": {"aws:RequestedRegion": [REGION, "us-east-1"]}}
    if deploys:  # a new event source may only feed the stack's own functions
        prefix = {"dev": "saint-esprit-dev", "production": "saint-esprit-prod"}[environment]
        assert broad["EventSourcesOfOwnFunctions"]["Action"] == [EVENT_SOURCE_CREATION]
        assert broad["EventSourcesOfOwnFunctions"]["Condition"] == {"ArnLike": {"lambda:FunctionArn": [
            f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{prefix}-*"]}}
    # The platform's guardrail (infra/iam.py) flags exactly those statements and nothing else.
    assert sorted(p.split(":")[0] for p in wildcard_violations(policy)) == sorted(broad)


def allowed(policy: dict, action: str, arn: str) -> bool:
    """Whether an Allow statement names this action on a resource pattern matching the ARN."""
    return any(s["Effect"] == "Allow" and action in s["Action"]
               and any(fnmatch.fnmatchcase(arn, pattern) for pattern in s["Resource"])
               for s in policy["Statement"])


# What `pulumi destroy` calls per resource (on the resource's ARN; "{arn}/..." for its objects).
DESTROY = {
    "aws:s3/bucket:Bucket": ["s3:DeleteBucket", "s3:ListBucketVersions", "s3:ListBucket",
                             "s3:DeleteObjectVersion@{arn}/media/audio/a.mp3", "s3:DeleteObject@{arn}/index.html"],
    "aws:dynamodb/table:Table": ["dynamodb:DeleteTable", "dynamodb:DescribeTable"],
    "aws:lambda/function:Function": ["lambda:DeleteFunction"],
    "aws:lambda/eventSourceMapping:EventSourceMapping": ["lambda:DeleteEventSourceMapping"],
    "aws:iam/role:Role": ["iam:DeleteRole", "iam:DeleteRolePolicy", "iam:ListRolePolicies",
                          "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"],
    "aws:cloudwatch/logGroup:LogGroup": ["logs:DeleteLogGroup"],
    "aws:cloudwatch/metricAlarm:MetricAlarm": ["cloudwatch:DeleteAlarms"],
    "aws:sqs/queue:Queue": ["sqs:DeleteQueue"],
    "aws:sns/topic:Topic": ["sns:DeleteTopic", "sns:Unsubscribe@*"],
    "aws:cloudfront/distribution:Distribution": ["cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution"],
    "aws:cloudfront/function:Function": ["cloudfront:DeleteFunction"],
    "aws:appsync/graphQLApi:GraphQLApi": ["appsync:DeleteGraphqlApi", "appsync:DeleteResolver@*",
                                          "appsync:DeleteDataSource@*", "appsync:DeleteFunction@*"],
    "aws:cognito/userPool:UserPool": ["cognito-idp:DeleteUserPool", "cognito-idp:DeleteUserPoolClient",
                                      "cognito-idp:DeleteGroup"],
    "aws:cognito/identityPool:IdentityPool": ["cognito-identity:DeleteIdentityPool",
                                              "cognito-identity:SetIdentityPoolRoles@*"],
}


def test_the_dev_role_can_destroy_dev(dev):
    """`pulumi destroy` of dev from CI: every resource of the stack can be deleted, including
    the versioned media bucket that force_destroy empties version by version."""
    policy = policy_of(bootstrap(), "dev")
    missing, checked = [], set()
    for resource in dev.resources:
        arn = resource.outputs.get("arn")
        if resource.read or resource.type not in DESTROY or not isinstance(arn, str):
            continue
        checked.add(resource.type)
        for needed in DESTROY[resource.type]:
            action, _, target = needed.partition("@")
            target = (target or "{arn}").format(arn=arn)
            if not allowed(policy, action, target):
                missing.append(f"{action} on {target}")
    assert checked == set(DESTROY) and missing == []


def test_state_backend_is_versioned_encrypted_with_a_rotating_key_and_protected():
    run = bootstrap()
    bucket, key = state_bucket(run), run.of_type("aws:kms/key:Key")[0]
    assert bucket.protect and key.protect and key.inputs["enableKeyRotation"] is True
    versioning = run.of_type("aws:s3/bucketVersioning:BucketVersioning")[0]
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    sse = run.of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0]
    default = sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key.outputs["arn"]}
    block = run.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0].inputs
    assert all(block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))


def test_the_program_exports_what_the_workflows_need():
    run = evaluate(lambda: runpy.run_path(str(BOOTSTRAP), run_name="__main__"),
                   config={"saint-esprit:repository": REPOSITORY})
    bucket = state_bucket(run).outputs["bucket"]
    assert run.exports["backendUrl"] == f"s3://{bucket}?region={REGION}"
    assert run.exports["secretsProvider"] == f"awskms://alias/saint-esprit-pulumi?region={REGION}"
    assert set(run.exports["roleArns"]) == {"preview", "dev", "production"}


def test_a_repository_that_is_not_owner_slash_name_is_refused():
    with pytest.raises(ValueError, match="owner/name"):
        evaluate(lambda: DeliveryAccess("delivery", DeliveryAccessArgs(repository="*")))


@pytest.mark.parametrize("stack, environment, other", [("dev", "dev", "production"), ("prod", "production", "dev")])
def test_each_deploy_role_covers_every_resource_its_stack_creates(request, stack, environment, other):
    """Each service the program uses has actions in the role, every name-scoped resource the
    stack creates matches one of the role's name patterns, and none matches the other stack's
    deploy role (the stacks may share an account)."""
    policy = policy_of(bootstrap(), environment)
    granted = {a.split(":")[0] for a in actions(policy)}
    patterns = {r for s in policy["Statement"] for r in s["Resource"]}
    # The other role's name patterns (its "*" only carries the actions that have no resource).
    other_patterns = {r for s in policy_of(bootstrap(), other)["Statement"] for r in s["Resource"] if r != "*"}
    checked = 0
    for resource in request.getfixturevalue(stack).resources:
        if not resource.custom or resource.read or not resource.type.startswith("aws:"):
            continue
        module = resource.type.split(":")[1].split("/")[0]
        assert module in SERVICES and set(SERVICES[module]) <= granted, resource.type
        arn = resource.outputs.get("arn")
        if isinstance(arn, str) and resource.type in NAME_SCOPED:
            assert any(fnmatch.fnmatchcase(arn, p) for p in patterns), f"{resource.type} {arn} is outside the role"
            assert not any(fnmatch.fnmatchcase(arn, p) for p in other_patterns), f"{arn} is in the {other} role"
            checked += 1
    assert checked > 15


NAME_SCOPED = {"aws:dynamodb/table:Table", "aws:lambda/function:Function", "aws:iam/role:Role",
               "aws:s3/bucket:Bucket", "aws:sqs/queue:Queue", "aws:sns/topic:Topic",
               "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudfront/function:Function"}
