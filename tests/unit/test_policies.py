"""The guardrails: each check on good and bad properties, the pack's wrappers around them, and
the real program (prod and dev, under the mocks) passing every one of them.

The `PolicyPack` is never built in the test process (building it starts the pack's server and
blocks): one test starts `policy/__main__.py` in its own process, as the CLI does, and talks to it.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ResourceValidationArgs,
    StackValidationArgs,
)

from infra.iam import wildcard_violations
from policy import guardrails as g

ARN = "arn:aws:s3:::saint-esprit-media"


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


GOOD_DISTRIBUTION = {
    "aliases": ["saint-esprit.link"],
    "origins": [{"originId": "site", "domainName": "site.s3.eu-west-3.amazonaws.com", "originAccessControlId": "E1"}],
    "defaultCacheBehavior": {"viewerProtocolPolicy": "redirect-to-https", "cachePolicyId": "c1"},
    "orderedCacheBehaviors": [{"pathPattern": "/media/*", "viewerProtocolPolicy": "https-only",
                               "responseHeadersPolicyId": "r1",
                               "functionAssociations": [{"eventType": "viewer-response", "functionArn": "f1"}]}],
    "viewerCertificate": {"acmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x",
                          "minimumProtocolVersion": "TLSv1.2_2021", "sslSupportMethod": "sni-only"},
}
GOOD_TABLE = {"hashKey": "id", "pointInTimeRecovery": {"enabled": True}, "serverSideEncryption": {"enabled": True},
              "streamEnabled": True, "streamViewType": "NEW_AND_OLD_IMAGES"}
GOOD_API = {"authenticationType": "AMAZON_COGNITO_USER_POOLS",
            "additionalAuthenticationProviders": [{"authenticationType": "AWS_IAM"}],
            "logConfig": {"fieldLogLevel": "ERROR", "cloudwatchLogsRoleArn": "arn:aws:iam::123456789012:role/logs"}}


def changed(base, **changes):
    return {**base, **changes}


# (check, properties that pass, properties that break it, words the message must contain)
CASES = [
    (g.public_access_block_violations,
     dict.fromkeys(("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True),
     {"blockPublicAcls": True, "blockPublicPolicy": False, "ignorePublicAcls": True}, "restrictPublicBuckets"),
    (g.ownership_controls_violations, {"rule": {"objectOwnership": "BucketOwnerEnforced"}},
     {"rule": {"objectOwnership": "ObjectWriter"}}, "ObjectWriter"),
    (g.bucket_acl_violations, {"forceDestroy": True}, {"acl": "public-read"}, "public-read"),
    (g.distribution_origin_violations, GOOD_DISTRIBUTION,
     changed(GOOD_DISTRIBUTION, origins=[{"originId": "media", "s3OriginConfig": {"originAccessIdentity": "origin-access-identity/cloudfront/E2"}}]),
     "legacy Origin Access Identity"),
    (g.distribution_https_violations, GOOD_DISTRIBUTION,
     changed(GOOD_DISTRIBUTION, orderedCacheBehaviors=[{"pathPattern": "/media/*", "viewerProtocolPolicy": "allow-all"}]),
     "/media/*"),
    (g.distribution_tls_violations, GOOD_DISTRIBUTION,
     changed(GOOD_DISTRIBUTION, viewerCertificate={"acmCertificateArn": "x", "minimumProtocolVersion": "TLSv1.1_2016"}),
     "TLSv1.1_2016"),
    (g.distribution_tls_violations, changed(GOOD_DISTRIBUTION, aliases=[], viewerCertificate={"cloudfrontDefaultCertificate": True}),
     changed(GOOD_DISTRIBUTION, viewerCertificate={"cloudfrontDefaultCertificate": True}), "custom domains"),
    (g.distribution_legacy_ttl_violations,
     changed(GOOD_DISTRIBUTION, defaultCacheBehavior={"viewerProtocolPolicy": "https-only", "defaultTtl": 300, "maxTtl": 300}),
     changed(GOOD_DISTRIBUTION, defaultCacheBehavior={"viewerProtocolPolicy": "https-only", "defaultTtl": 86400, "maxTtl": 31536000}),
     "86400"),
    (g.distribution_error_rewrite_violations,
     changed(GOOD_DISTRIBUTION, customErrorResponses=[{"errorCode": 500, "errorCachingMinTtl": 10}]),
     changed(GOOD_DISTRIBUTION, customErrorResponses=[{"errorCode": 404, "responseCode": 200, "responsePagePath": "/index.html"}]),
     "404"),
    (g.distribution_media_violations, GOOD_DISTRIBUTION,
     changed(GOOD_DISTRIBUTION, orderedCacheBehaviors=[{"pathPattern": "/media/*", "viewerProtocolPolicy": "https-only",
                                                        "responseHeadersPolicyId": "r1"}]), "viewer-response"),
    (g.distribution_media_violations, GOOD_DISTRIBUTION,
     changed(GOOD_DISTRIBUTION, orderedCacheBehaviors=[{"pathPattern": "/media/*", "viewerProtocolPolicy": "https-only",
                                                        "functionAssociations": [{"eventType": "viewer-response"}]}]),
     "response headers policy"),
    (g.table_violations, GOOD_TABLE, changed(GOOD_TABLE, pointInTimeRecovery={"enabled": False}), "point-in-time"),
    (g.table_violations, GOOD_TABLE, changed(GOOD_TABLE, serverSideEncryption=None), "encryption"),
    (g.table_violations, GOOD_TABLE, changed(GOOD_TABLE, streamEnabled=False), "stream is off"),
    (g.table_violations, GOOD_TABLE, changed(GOOD_TABLE, streamViewType="KEYS_ONLY"), "KEYS_ONLY"),
    (g.policy_document_violations, {"policy": document(allow("s3:GetObject", f"{ARN}/media/*"))},
     {"policy": document(allow("s3:*", f"{ARN}/*"))}, "every action"),
    (g.policy_document_violations,
     {"policy": document(allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*"))},
     {"policy": document(allow(["xray:PutTraceSegments", "dynamodb:GetItem"], "*"))}, "dynamodb:GetItem"),
    (g.policy_document_violations,
     {"policy": document({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ARN})},
     {"policy": document({"Effect": "Allow", "NotAction": "iam:*", "Resource": ARN})}, "NotAction"),
    (g.role_inline_policy_violations,
     {"inlinePolicies": [{"name": "ok", "policy": document(allow("sqs:SendMessage", "arn:aws:sqs:eu-west-3:123456789012:q"))}]},
     {"inlinePolicies": [{"name": "broad", "policy": document(allow("*", "*"))}]}, "broad"),
    (g.managed_policy_attachment_violations,
     {"policyArn": "arn:aws:iam::123456789012:policy/saint-esprit-own"},
     {"policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, "AWSLambdaBasicExecutionRole"),
    (g.lambda_permission_violations,
     {"principal": "appsync.amazonaws.com", "sourceArn": "arn:aws:appsync:eu-west-3:123456789012:apis/abc"},
     {"principal": "appsync.amazonaws.com", "action": "lambda:InvokeFunction"}, "no source ARN"),
    (g.graphql_api_violations, GOOD_API,
     changed(GOOD_API, additionalAuthenticationProviders=[{"authenticationType": "API_KEY"}]), "API key"),
    (g.graphql_api_violations, GOOD_API, changed(GOOD_API, logConfig={"fieldLogLevel": "NONE"}), "logging is off"),
    (g.identity_pool_violations, {"allowUnauthenticatedIdentities": False},
     {"allowUnauthenticatedIdentities": True}, "allowUnauthenticatedIdentities"),
    (g.identity_pool_roles_violations, {"roles": {"authenticated": "arn:aws:iam::123456789012:role/a"}},
     {"roles": {"authenticated": "arn:a", "unauthenticated": "arn:u"}}, "unauthenticated role"),
]


@pytest.mark.parametrize("check, good, bad, words", CASES, ids=[f"{c[0].__name__}-{c[3]}" for c in CASES])
def test_each_guardrail_accepts_good_properties_and_names_what_is_wrong_in_bad_ones(check, good, bad, words):
    assert check(good) == []
    problems = check(bad)
    assert problems and any(words in problem for problem in problems), problems


def test_resources_that_exist_only_to_weaken_access_are_always_refused():
    assert g.violations("aws:s3/bucketAcl:BucketAcl", {"acl": "private"})
    assert g.violations(g.APPSYNC_API_KEY, {"apiId": "abc"})


def test_an_identity_pool_that_does_not_say_no_to_guests_is_refused():
    assert g.identity_pool_violations({"identityPoolName": "newsroom"})


def test_iam_wildcards_allow_only_the_xray_actions_aws_requires_on_every_resource():
    xray_only = {"Statement": [allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*")]}
    assert wildcard_violations(xray_only) == []
    assert wildcard_violations({"Statement": [allow("xray:*", "*")]})  # a service wildcard is not X-Ray's two


def test_the_pack_wraps_every_guardrail_once_and_blocks_on_violation():
    names = [policy.name for policy in g.POLICIES]
    assert len(names) == len(set(names)) == len(g.GUARDRAILS) + len(g.STACK_POLICIES)
    assert all(policy.enforcement_level == EnforcementLevel.MANDATORY for policy in g.POLICIES)


def _report(args, policy):
    reported = []
    policy.validate(args, lambda message, urn=None: reported.append(message))
    return reported


def test_a_resource_policy_reports_through_the_pack_only_for_its_resource_types():
    policy = next(p for p in g.RESOURCE_POLICIES if p.name == "dynamodb-pitr-encryption-streams")
    bad = changed(GOOD_TABLE, streamEnabled=False)
    assert _report(ResourceValidationArgs(g.TABLE, bad, "urn:table", "news", None, None), policy)
    assert _report(ResourceValidationArgs(g.TABLE, GOOD_TABLE, "urn:table", "news", None, None), policy) == []
    assert _report(ResourceValidationArgs(g.BUCKET, bad, "urn:bucket", "site", None, None), policy) == []


def _resource(resource_type, props, property_dependencies=None):
    return PolicyResource(resource_type, props, f"urn:{props.get('bucket', resource_type)}", "r", None, None, None,
                          [], property_dependencies or {})


def _stack_policy(name):
    return next(p for p in g.STACK_POLICIES if p.name == name)


def test_the_stack_policy_finds_a_bucket_left_without_public_access_block():
    guarded = [_resource(g.BUCKET, {"bucket": "site"}),
               _resource(g.PUBLIC_ACCESS_BLOCK, {"bucket": "site"}),
               _resource(g.OWNERSHIP_CONTROLS, {"bucket": "site"})]
    policy = _stack_policy("s3-every-bucket-guarded")
    assert _report(StackValidationArgs(guarded), policy) == []
    reported = _report(StackValidationArgs(guarded + [_resource(g.BUCKET, {"bucket": "media"})]), policy)
    assert reported == ["bucket media has no BucketPublicAccessBlock and no BucketOwnershipControls"]


def test_the_stack_policy_reads_the_ttls_of_the_default_behaviours_cache_policy():
    def stack(default_ttl, max_ttl):
        cache_policy = _resource(g.CACHE_POLICY, {"defaultTtl": default_ttl, "maxTtl": max_ttl})
        distribution = _resource(g.DISTRIBUTION, GOOD_DISTRIBUTION, {"defaultCacheBehavior": [cache_policy]})
        return StackValidationArgs([cache_policy, distribution])

    policy = _stack_policy("cloudfront-app-shell-cache-ttl")
    assert _report(stack(300, 300), policy) == []
    assert _report(stack(86400, 31536000), policy) == [
        "default behaviour cache policy defaultTtl is 86400: at most 300 s",
        "default behaviour cache policy maxTtl is 31536000: at most 300 s",
    ]
    # A managed policy (not declared in the program) cannot be checked: refused.
    assert _report(StackValidationArgs([_resource(g.DISTRIBUTION, GOOD_DISTRIBUTION)]), policy)


@pytest.fixture(scope="module")
def running_pack():
    """The pack as the Pulumi CLI starts it: its own process, printing the port it serves on."""
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen([sys.executable, str(root / "policy" / "__main__.py")], cwd=root / "policy",
                               stdout=subprocess.PIPE, text=True)
    try:
        port = process.stdout.readline().strip()
        assert port.isdigit(), "the policy pack did not start"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_pack_serves_every_policy_and_reports_a_violation_as_the_cli_sees_it(running_pack):
    info = running_pack.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    assert info.name == "saint-esprit-guardrails"
    assert [p.name for p in info.policies] == [p.name for p in g.POLICIES]
    props = struct_pb2.Struct()
    props.update(changed(GOOD_TABLE, streamEnabled=False))
    answer = running_pack.Analyze(analyzer_pb2.AnalyzeRequest(
        type=g.TABLE, properties=props, name="news", urn="urn:pulumi:dev::saint-esprit::aws:dynamodb/table:Table::news",
    ), timeout=30)
    [diagnostic] = answer.diagnostics
    assert diagnostic.policyName == "dynamodb-pitr-encryption-streams" and "stream is off" in diagnostic.message
    assert diagnostic.enforcementLevel == analyzer_pb2.MANDATORY


# --- the real program -------------------------------------------------------------------------

GUARDED_TYPES = (g.PUBLIC_ACCESS_BLOCK, g.OWNERSHIP_CONTROLS, g.BUCKET, g.DISTRIBUTION, g.TABLE,
                 "aws:iam/rolePolicy:RolePolicy", "aws:s3/bucketPolicy:BucketPolicy", g.GRAPHQL_API, g.IDENTITY_POOL)


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_program_passes_every_resource_guardrail(program, stack):
    run = program(stack)
    declared = {r.type for r in run.resources}
    assert set(GUARDED_TYPES) <= declared  # the guardrails have something to check
    problems = {r.name: g.violations(r.type, r.inputs) for r in run.resources if r.custom}
    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_program_passes_the_stack_guardrails(program, stack):
    run = program(stack)
    assert g.unguarded_buckets((r.type, r.outputs) for r in run.resources) == []
    cache_policies = {r.id: r.inputs for r in run.of_type(g.CACHE_POLICY)}
    [distribution] = run.of_type(g.DISTRIBUTION)
    default_policy = cache_policies[distribution.inputs["defaultCacheBehavior"]["cachePolicyId"]]
    assert g.app_shell_cache_violations(distribution.inputs, [default_policy]) == []


def test_the_iam_helper_refuses_to_write_a_wildcard_statement():
    from infra import iam

    with pytest.raises(ValueError, match="wildcard guardrail"):
        iam.render_policy([iam.statement(["s3:GetObject"], ["*"])])
    rendered = json.loads(iam.render_policy([iam.xray_statement()]))
    assert rendered["Statement"][0]["Resource"] == ["*"]
