"""What the deploy workflow needs in an AWS account before the platform's first `pulumi up`.

- GitHub's OIDC provider, so workflows get short-lived credentials instead of stored keys;
- one role per GitHub environment, each trusting only that environment of one repository
  (`repo:<owner>/<repo>:environment:<name>`): `preview` may only read (pull requests), `dev`
  and `production` may change the resources of their own stack;
- the Pulumi state backend: a versioned S3 bucket encrypted with a KMS key that also encrypts the
  stacks' secrets (`awskms://` secrets provider), so no third-party account is needed.

Least privilege: each statement names its actions, and its resources by the names the platform
program gives them, which all start with the stack's `namePrefix`: explicit names (tables,
functions, the API) and what Pulumi auto-names under the tier components `<namePrefix>-<tier>`
(`<namePrefix>-cdn-site-…`, `<namePrefix>-streams-failures-…`). So a role is granted
`<namePrefix>-*` only, and dev's role cannot touch prod's named resources even in a shared
account. Actions that AWS cannot scope to a resource (the service authorization reference lists
no resource type for them) are granted on "*", limited by a condition where AWS offers one (see
ACTIONS_WITHOUT_RESOURCE; `tests/unit/test_parliament.py` checks every generated policy with
parliament), and services that name their objects by generated ids (Cognito pools, AppSync
APIs, CloudFront distributions and policies, log groups) are scoped to the account only: an
account per environment still isolates stacks completely.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import pulumi
import pulumi_aws as aws

from infra.iam import statement

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
SERVICE_PRINCIPALS_GIVEN_ROLES = ["appsync.amazonaws.com", "cognito-identity.amazonaws.com",
                                  "lambda.amazonaws.com"]

# Granted on "*" (in the stack's region, and us-east-1 where CloudFront lives) because AWS offers
# no resource to scope them to: the ids of a new user pool, identity pool, GraphQL API or origin
# access control do not exist before the create call; AppSync authorizes its schema, data
# sources, resolvers and functions, Cognito its identity pool roles, SNS its subscriptions and
# Logs its group listing on "*" only; sts:GetCallerIdentity has no resource type; the provider
# finds CloudFront's managed policies by listing them.
ACTIONS_WITHOUT_RESOURCE = {
    "read": ["appsync:GetDataSource", "appsync:GetFunction", "appsync:GetIntrospectionSchema",
             "appsync:GetResolver", "appsync:GetSchemaCreationStatus",
             "cloudfront:ListCachePolicies", "cloudfront:ListOriginRequestPolicies",
             "cloudfront:ListResponseHeadersPolicies", "logs:DescribeLogGroups",
             "sns:GetSubscriptionAttributes", "sts:GetCallerIdentity", "xray:GetSamplingRules"],
    "write": ["appsync:CreateDataSource", "appsync:CreateFunction", "appsync:CreateGraphqlApi",
              "appsync:CreateResolver", "appsync:DeleteDataSource", "appsync:DeleteFunction",
              "appsync:DeleteResolver", "appsync:StartSchemaCreation", "appsync:UpdateDataSource",
              "appsync:UpdateFunction", "appsync:UpdateResolver",
              "cloudfront:CreateOriginAccessControl", "cognito-identity:CreateIdentityPool",
              "cognito-identity:SetIdentityPoolRoles", "cognito-idp:CreateUserPool",
              "sns:SetSubscriptionAttributes", "sns:Unsubscribe"],
}
# Creating an event source mapping has no resource either, but AWS passes the target function:
# the condition keeps it to the stack's own functions.
EVENT_SOURCE_CREATION = "lambda:CreateEventSourceMapping"


@dataclass(frozen=True)
class Grant:
    """Actions on one service: what a preview may read, what a deployment may also write, and
    the resources, as ARN patterns built from (account, region, names)."""

    sid: str
    read: list[str]
    write: list[str]
    resources: Callable[[str, str, list[str]], list[str]]


# The services the platform program manages (infra/), in the order of the architecture.
GRANTS = (
    Grant("Tables",
          ["dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTimeToLive",
           "dynamodb:ListTagsOfResource", "dynamodb:DescribeKinesisStreamingDestination",
           "dynamodb:DescribeStream"],
          ["dynamodb:CreateTable", "dynamodb:UpdateTable", "dynamodb:DeleteTable",
           "dynamodb:UpdateContinuousBackups", "dynamodb:UpdateTimeToLive", "dynamodb:TagResource",
           "dynamodb:UntagResource"],
          lambda a, r, names: [f"arn:aws:dynamodb:{r}:{a}:table/{n}" for n in names]
          + [f"arn:aws:dynamodb:{r}:{a}:table/{n}/*" for n in names]),
    Grant("Users",
          ["cognito-idp:DescribeUserPool", "cognito-idp:DescribeUserPoolClient", "cognito-idp:GetGroup",
           "cognito-idp:GetUserPoolMfaConfig", "cognito-idp:ListTagsForResource",
           "cognito-identity:DescribeIdentityPool", "cognito-identity:GetIdentityPoolRoles",
           "cognito-identity:ListTagsForResource"],
          ["cognito-idp:UpdateUserPool", "cognito-idp:DeleteUserPool", "cognito-idp:CreateUserPoolClient",
           "cognito-idp:UpdateUserPoolClient", "cognito-idp:DeleteUserPoolClient", "cognito-idp:CreateGroup",
           "cognito-idp:UpdateGroup", "cognito-idp:DeleteGroup", "cognito-idp:SetUserPoolMfaConfig",
           "cognito-idp:TagResource", "cognito-idp:UntagResource", "cognito-identity:UpdateIdentityPool",
           "cognito-identity:DeleteIdentityPool", "cognito-identity:TagResource", "cognito-identity:UntagResource"],
          # Pools are named by generated ids, not by us: scoped to the account and region.
          lambda a, r, names: [f"arn:aws:cognito-idp:{r}:{a}:userpool/*",
                               f"arn:aws:cognito-identity:{r}:{a}:identitypool/*"]),
    Grant("GraphqlApi",
          ["appsync:GetGraphqlApi", "appsync:ListTagsForResource"],
          ["appsync:UpdateGraphqlApi", "appsync:DeleteGraphqlApi", "appsync:TagResource",
           "appsync:UntagResource"],
          lambda a, r, names: [f"arn:aws:appsync:{r}:{a}:apis/*"]),
    # The API's X-Ray sampling rule, named "<namePrefix>-api" (infra/api.py).
    Grant("Tracing",
          ["xray:ListTagsForResource"],
          ["xray:CreateSamplingRule", "xray:UpdateSamplingRule", "xray:DeleteSamplingRule",
           "xray:TagResource", "xray:UntagResource"],
          lambda a, r, names: [f"arn:aws:xray:{r}:{a}:sampling-rule/{n}" for n in names]),
    Grant("Functions",
          ["lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig",
           "lambda:GetPolicy", "lambda:ListVersionsByFunction", "lambda:ListTags",
           "lambda:GetEventSourceMapping", "lambda:GetRuntimeManagementConfig"],
          ["lambda:CreateFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
           "lambda:DeleteFunction", "lambda:AddPermission", "lambda:RemovePermission",
           "lambda:TagResource", "lambda:UntagResource", "lambda:PutFunctionConcurrency",
           "lambda:DeleteFunctionConcurrency", "lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"],
          lambda a, r, names: [f"arn:aws:lambda:{r}:{a}:function:{n}" for n in names]
          + [f"arn:aws:lambda:{r}:{a}:event-source-mapping:*"]),
    Grant("Buckets",
          ["s3:ListBucket", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketLocation",
           "s3:GetBucketLogging", "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls",
           "s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock", "s3:GetBucketRequestPayment",
           "s3:GetBucketTagging", "s3:GetBucketVersioning", "s3:GetBucketWebsite",
           "s3:GetAccelerateConfiguration", "s3:GetEncryptionConfiguration",
           "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:GetObject",
           "s3:GetObjectTagging", "s3:ListBucketVersions"],
          # Emptying a versioned bucket (force_destroy, so dev can be destroyed) and replacing a
          # site object delete every version of the objects: ListBucketVersions above, and
          # DeleteObjectVersion.
          ["s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketCORS", "s3:PutBucketOwnershipControls",
           "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketPublicAccessBlock",
           "s3:PutBucketTagging", "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration",
           "s3:PutLifecycleConfiguration", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion",
           "s3:PutObjectTagging"],
          lambda a, r, names: [f"arn:aws:s3:::{n}" for n in names] + [f"arn:aws:s3:::{n}/*" for n in names]),
    Grant("Distribution",
          ["cloudfront:GetDistribution", "cloudfront:GetDistributionConfig", "cloudfront:GetCachePolicy",
           "cloudfront:GetOriginRequestPolicy", "cloudfront:GetResponseHeadersPolicy",
           "cloudfront:GetOriginAccessControl", "cloudfront:DescribeFunction", "cloudfront:GetFunction",
           "cloudfront:ListTagsForResource", "cloudfront:GetInvalidation"],
          ["cloudfront:CreateDistribution", "cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution", "cloudfront:CreateInvalidation",
           "cloudfront:CreateCachePolicy", "cloudfront:UpdateCachePolicy", "cloudfront:DeleteCachePolicy",
           "cloudfront:CreateResponseHeadersPolicy", "cloudfront:UpdateResponseHeadersPolicy",
           "cloudfront:DeleteResponseHeadersPolicy", "cloudfront:UpdateOriginAccessControl", "cloudfront:DeleteOriginAccessControl",
           "cloudfront:CreateFunction", "cloudfront:UpdateFunction", "cloudfront:PublishFunction",
           "cloudfront:DeleteFunction", "cloudfront:TagResource", "cloudfront:UntagResource"],
          # CloudFront is global and names its objects by generated ids: scoped to the account.
          lambda a, r, names: [f"arn:aws:cloudfront::{a}:{kind}/*" for kind in (
              "distribution", "cache-policy", "origin-request-policy", "response-headers-policy",
              "origin-access-control")] + [f"arn:aws:cloudfront::{a}:function/{n}" for n in names]),
    Grant("Roles",
          ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
           "iam:ListInstanceProfilesForRole", "iam:ListRoleTags"],
          ["iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
           "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
           "iam:TagRole", "iam:UntagRole"],
          lambda a, r, names: [f"arn:aws:iam::{a}:role/{n}" for n in names]),
    Grant("Operations",
          ["logs:ListTagsForResource", "logs:ListTagsLogGroup",
           "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource", "sqs:GetQueueAttributes",
           "sqs:ListQueueTags", "sns:GetTopicAttributes", "sns:ListTagsForResource"],
          ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
           "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup",
           "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource",
           "cloudwatch:UntagResource", "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes",
           "sqs:TagQueue", "sqs:UntagQueue", "sns:CreateTopic", "sns:DeleteTopic",
           "sns:SetTopicAttributes", "sns:Subscribe", "sns:TagResource", "sns:UntagResource"],
          # AppSync names its log group after the API id: /aws/appsync/apis/<id>.
          lambda a, r, names: [f"arn:aws:logs:{r}:{a}:log-group:*"]
          + [f"arn:aws:cloudwatch:{r}:{a}:alarm:{n}" for n in names]
          + [f"arn:aws:sqs:{r}:{a}:{n}" for n in names]
          + [f"arn:aws:sns:{r}:{a}:{n}" for n in names] + [f"arn:aws:sns:{r}:{a}:{n}:*" for n in names]),
)


@dataclass
class DeliveryAccessArgs:
    repository: str  # "owner/name": the only repository whose workflows may assume the roles
    # GitHub environment → name prefix of the stack it deploys (Pulumi.<stack>.yaml namePrefix).
    environments: dict[str, str] = field(default_factory=lambda: {
        "dev": "saint-esprit-dev", "production": "saint-esprit-prod"})
    preview_environment: str = "preview"
    existing_oidc_provider_arn: str | None = None
    kms_alias: str = "alias/saint-esprit-pulumi"


class DeliveryAccess(pulumi.ComponentResource):
    def __init__(self, name: str, args: DeliveryAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("saint-esprit:bootstrap:DeliveryAccess", name, None, opts)
        if not REPOSITORY.match(args.repository):
            raise ValueError(f"repository must be 'owner/name', not {args.repository!r}")
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self))
        self._account, self._region = identity.account_id, region.region

        self.oidc_provider_arn = self._oidc_provider()
        self.state_key, key_alias = self._state_key()
        self.state_bucket = self._state_bucket()
        all_stacks = sorted(set(args.environments.values()))
        self.roles = {args.preview_environment: self._role(args.preview_environment, all_stacks, write=False)}
        for environment, name_prefix in args.environments.items():
            self.roles[environment] = self._role(environment, [name_prefix], write=True)
        self.role_arns = pulumi.Output.all(**{env: role.arn for env, role in self.roles.items()})
        self.backend_url = pulumi.Output.concat("s3://", self.state_bucket.bucket, "?region=", self._region)
        self.secrets_provider = pulumi.Output.concat("awskms://", key_alias.name, "?region=", self._region)
        self.register_outputs({"roleArns": self.role_arns, "backendUrl": self.backend_url,
                               "secretsProvider": self.secrets_provider})

    def _oidc_provider(self) -> pulumi.Input[str]:
        if self._args.existing_oidc_provider_arn:
            return self._args.existing_oidc_provider_arn
        # No thumbprint: AWS verifies GitHub's certificate against its own trusted CAs.
        return aws.iam.OpenIdConnectProvider(
            f"{self._name}-github", url=GITHUB_OIDC_URL, client_id_lists=["sts.amazonaws.com"],
            opts=self._child).arn

    def _state_key(self) -> tuple[aws.kms.Key, aws.kms.Alias]:
        # Protected: losing this key makes every stack secret unreadable.
        key = aws.kms.Key(
            f"{self._name}-state", description="Pulumi state and stack secrets of saint-esprit",
            enable_key_rotation=True, deletion_window_in_days=30,
            opts=pulumi.ResourceOptions(parent=self, protect=True))
        alias = aws.kms.Alias(f"{self._name}-state", name=self._args.kms_alias, target_key_id=key.id,
                              opts=self._child)
        return key, alias

    def _state_bucket(self) -> aws.s3.Bucket:
        # Versioned, so a damaged state file can be rolled back; protected like the key.
        bucket = aws.s3.Bucket(f"{self._name}-state", opts=pulumi.ResourceOptions(parent=self, protect=True))
        aws.s3.BucketPublicAccessBlock(
            f"{self._name}-state", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=self._child)
        aws.s3.BucketVersioning(
            f"{self._name}-state", bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=self._child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{self._name}-state", bucket=bucket.id,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms", kms_master_key_id=self.state_key.arn),
                bucket_key_enabled=True)],
            opts=self._child)
        return bucket

    def _role(self, environment: str, name_prefixes: list[str], *, write: bool) -> aws.iam.Role:
        trust = pulumi.Output.from_input(self.oidc_provider_arn).apply(lambda provider: json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {
                    f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                    f"{GITHUB_OIDC_HOST}:sub": f"repo:{self._args.repository}:environment:{environment}",
                }},
            }],
        }, sort_keys=True))
        role = aws.iam.Role(f"{self._name}-{environment}", assume_role_policy=trust,
                            max_session_duration=3600, opts=self._child)
        # Every physical name of a stack starts with its prefix (the tiers are "<namePrefix>-<tier>").
        names = [f"{prefix}-*" for prefix in name_prefixes]
        document = pulumi.Output.all(self._account, self._region, self.state_bucket.arn, self.state_key.arn).apply(
            lambda values: json.dumps(deployment_policy(*values, names=names, write=write), sort_keys=True))
        aws.iam.RolePolicy(f"{self._name}-{environment}", role=role.id, policy=document, opts=self._child)
        return role


def deployment_policy(account: str, region: str, state_bucket_arn: str, state_key_arn: str, *,
                      names: list[str], write: bool) -> dict[str, Any]:
    """The policy of a role that previews (`write=False`) or deploys the stacks named `names`."""
    statements = []
    for grant in GRANTS:
        actions = grant.read + (grant.write if write else [])
        statements.append(statement(actions, grant.resources(account, region, names), sid=grant.sid))
    if write:
        statements.append(statement(
            ["iam:PassRole"], [f"arn:aws:iam::{account}:role/{n}" for n in names], sid="PassOwnRoles",
            conditions={"StringEquals": {"iam:PassedToService": SERVICE_PRINCIPALS_GIVEN_ROLES}}))
        statements.append(statement(
            [EVENT_SOURCE_CREATION], ["*"], sid="EventSourcesOfOwnFunctions",
            conditions={"ArnLike": {"lambda:FunctionArn": [
                f"arn:aws:lambda:{region}:{account}:function:{n}" for n in names]}}))
    without_resource = ACTIONS_WITHOUT_RESOURCE["read"] + (ACTIONS_WITHOUT_RESOURCE["write"] if write else [])
    statements.append(statement(without_resource, ["*"], sid="NoResourceLevelPermissions",
                                conditions={"StringEquals": {"aws:RequestedRegion": [region, "us-east-1"]}}))
    # Even a preview writes to the state bucket: the backend takes a lock file per operation.
    statements.append(statement(["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"],
                                [state_bucket_arn], sid="StateBucket"))
    statements.append(statement(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                                [f"{state_bucket_arn}/*"], sid="StateObjects"))
    statements.append(statement(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                                [state_key_arn], sid="StateAndSecretsKey"))
    return {"Version": "2012-10-17", "Statement": statements}
