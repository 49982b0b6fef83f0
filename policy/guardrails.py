"""The platform's guardrails, as checks on resource properties and as Pulumi policies.

Each guardrail is a plain function from a resource's properties (engine names: camelCase, as
`pulumi preview --policy-pack policy` and the unit tests' mocks both see them) to the list of
what is wrong, so the unit tests call it directly on good and bad properties and on every
resource the real program declares. `RESOURCE_POLICIES` and `STACK_POLICIES` wrap the same
functions for the policy pack (`policy/__main__.py`); building them does not start the pack.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from infra.iam import wildcard_violations

MAX_APP_SHELL_TTL = 300  # seconds: the plan's "CloudFront cache at most 5 minutes"
HTTPS_VIEWER_POLICIES = {"redirect-to-https", "https-only"}

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
BUCKET_ACLS = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
CACHE_POLICY = "aws:cloudfront/cachePolicy:CachePolicy"
TABLE = "aws:dynamodb/table:Table"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
GRAPHQL_API = "aws:appsync/graphQLApi:GraphQLApi"
APPSYNC_API_KEY = "aws:appsync/apiKey:ApiKey"
IDENTITY_POOL = "aws:cognito/identityPool:IdentityPool"
IDENTITY_POOL_ROLES = "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment"
ROLE = "aws:iam/role:Role"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
# Resources whose `policy` property is a policy document.
POLICY_DOCUMENTS = (
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:sns/topicPolicy:TopicPolicy",
)

Props = Mapping[str, Any]


def _items(value: Any) -> list[Any]:
    """A list property as a list (absent → empty); works on the pack's read-only proxies."""
    if value is None:
        return []
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else [value]


def _block(value: Any) -> Props:
    """A nested block (absent → empty); some providers write a one-element list for it."""
    if isinstance(value, Mapping):
        return value
    items = _items(value)
    return items[0] if items and isinstance(items[0], Mapping) else {}


# --- S3 ---------------------------------------------------------------------------------------

def public_access_block_violations(props: Props) -> list[str]:
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    off = [flag for flag in flags if props.get(flag) is not True]
    return [f"public access block must turn on {', '.join(off)}"] if off else []


def ownership_controls_violations(props: Props) -> list[str]:
    ownership = _block(props.get("rule")).get("objectOwnership")
    if ownership != "BucketOwnerEnforced":
        return [f"object ownership is {ownership!r}: use BucketOwnerEnforced so ACLs are disabled"]
    return []


def bucket_acl_violations(props: Props) -> list[str]:
    acl = props.get("acl")
    return [f"bucket sets ACL {acl!r}: ACLs are disabled, the bucket policy alone grants access"] if acl else []


def acl_resource_violations(props: Props) -> list[str]:
    return ["a bucket ACL resource: ACLs are disabled (BucketOwnerEnforced), grant through the bucket policy"]


def unguarded_buckets(resources: Iterable[tuple[str, Props]]) -> list[str]:
    """Buckets (by name) that lack a public access block or ownership controls.

    Takes (type, outputs) pairs: in the stack, guard resources name their bucket by its name.
    """
    resources = list(resources)
    guarded_by = {
        guard: {props.get("bucket") for kind, props in resources if kind == guard}
        for guard in (PUBLIC_ACCESS_BLOCK, OWNERSHIP_CONTROLS)
    }
    problems = []
    for kind, props in resources:
        if kind not in (BUCKET, BUCKET_V2):
            continue
        name = props.get("bucket")
        missing = [guard.rsplit(":", 1)[1] for guard, names in guarded_by.items() if name not in names]
        if missing:
            problems.append(f"bucket {name} has no {' and no '.join(missing)}")
    return problems


# --- CloudFront -------------------------------------------------------------------------------

def _behaviours(props: Props) -> list[tuple[str, Props]]:
    default = [("default behaviour", _block(props.get("defaultCacheBehavior")))]
    ordered = [(f"behaviour {b.get('pathPattern')}", b) for b in _items(props.get("orderedCacheBehaviors"))]
    return default + ordered


def distribution_origin_violations(props: Props) -> list[str]:
    problems = []
    for origin in _items(props.get("origins")):
        origin_id = origin.get("originId")
        if not origin.get("originAccessControlId"):
            problems.append(f"origin {origin_id} is not reached through an Origin Access Control")
        if _block(origin.get("s3OriginConfig")).get("originAccessIdentity"):
            problems.append(f"origin {origin_id} uses a legacy Origin Access Identity: use OAC")
    return problems


def distribution_https_violations(props: Props) -> list[str]:
    return [
        f"{label} lets viewers use plain HTTP ({b.get('viewerProtocolPolicy')!r}): use redirect-to-https"
        for label, b in _behaviours(props)
        if b.get("viewerProtocolPolicy") not in HTTPS_VIEWER_POLICIES
    ]


def distribution_tls_violations(props: Props) -> list[str]:
    """TLS 1.2 at least. A distribution on CloudFront's default certificate cannot choose its TLS
    policy (AWS allows it only for custom certificates), so it may not serve custom domains
    either: every custom domain is on a certificate with a TLS 1.2+ policy."""
    certificate = _block(props.get("viewerCertificate"))
    if certificate.get("cloudfrontDefaultCertificate") is True:
        if _items(props.get("aliases")):
            return ["custom domains need their own certificate (with TLSv1.2_2021)"]
        return []
    version = str(certificate.get("minimumProtocolVersion") or "TLSv1")
    if not version.startswith(("TLSv1.2", "TLSv1.3")):
        return [f"minimum TLS version is {version}: use TLSv1.2_2021"]
    return []


def distribution_legacy_ttl_violations(props: Props) -> list[str]:
    """TTLs written on the default behaviour itself (without a cache policy) stay ≤ 300 s."""
    default = _block(props.get("defaultCacheBehavior"))
    problems = []
    for key in ("defaultTtl", "maxTtl"):
        ttl = default.get(key)
        if not default.get("cachePolicyId") and ttl is not None and ttl > MAX_APP_SHELL_TTL:
            problems.append(f"default behaviour {key} is {ttl} s: the app shell stays at most {MAX_APP_SHELL_TTL} s")
    return problems


def distribution_error_rewrite_violations(props: Props) -> list[str]:
    """403/404 rewritten to a page turns a missing audio file into HTML (players then fail);
    app routes are handled by the SPA routing function instead."""
    return [
        f"custom error response turns {r.get('errorCode')} into {r.get('responsePagePath')}"
        for r in _items(props.get("customErrorResponses"))
        if r.get("errorCode") in (403, 404) and r.get("responsePagePath")
    ]


def distribution_media_violations(props: Props) -> list[str]:
    """Media is uploaded by users: its behaviour must send security headers (the sandbox CSP)
    and run a viewer-response function (the attachment rule for anything but audio,
    infra/security_headers.py)."""
    problems = []
    for label, behaviour in _behaviours(props):
        if not str(behaviour.get("pathPattern") or "").startswith("/media/"):
            continue
        if not behaviour.get("responseHeadersPolicyId"):
            problems.append(f"{label} has no response headers policy: uploaded HTML would run on the site's origin")
        events = [a.get("eventType") for a in _items(behaviour.get("functionAssociations"))]
        if "viewer-response" not in events:
            problems.append(f"{label} has no viewer-response function: non-audio media would be rendered, not downloaded")
    return problems


def app_shell_cache_violations(distribution: Props, default_cache_policies: Sequence[Props]) -> list[str]:
    """The default behaviour's cache policy keeps the app shell at most 300 s at the edge."""
    if not _block(distribution.get("defaultCacheBehavior")).get("cachePolicyId"):
        return []  # legacy TTLs: distribution_legacy_ttl_violations checks them
    if not default_cache_policies:
        return ["the default behaviour's cache policy is not declared in this program: its TTLs cannot be checked"]
    problems = []
    for policy in default_cache_policies:
        for key in ("defaultTtl", "maxTtl"):
            ttl = policy.get(key)
            if ttl is None or ttl > MAX_APP_SHELL_TTL:
                problems.append(f"default behaviour cache policy {key} is {ttl}: at most {MAX_APP_SHELL_TTL} s")
    return problems


# --- DynamoDB, IAM, Lambda, AppSync, Cognito --------------------------------------------------

def table_violations(props: Props) -> list[str]:
    problems = []
    if _block(props.get("pointInTimeRecovery")).get("enabled") is not True:
        problems.append("point-in-time recovery is off")
    if _block(props.get("serverSideEncryption")).get("enabled") is not True:
        problems.append("server-side encryption (KMS) is off")
    if props.get("streamEnabled") is not True:
        problems.append("the stream is off: the publisher and invalidator would miss its changes")
    elif props.get("streamViewType") != "NEW_AND_OLD_IMAGES":
        problems.append(f"stream view type is {props.get('streamViewType')!r}: NEW_AND_OLD_IMAGES tells deletes from restores")
    return problems


def _document(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def policy_document_violations(props: Props) -> list[str]:
    document = _document(props.get("policy"))
    return wildcard_violations(document) if document else []


def role_inline_policy_violations(props: Props) -> list[str]:
    problems = []
    for inline in _items(props.get("inlinePolicies")):
        document = _document(inline.get("policy"))
        if document:
            problems += [f"inline policy {inline.get('name')}: {p}" for p in wildcard_violations(document)]
    return problems


def managed_policy_attachment_violations(props: Props) -> list[str]:
    """AWS managed policies grant on "*" (AWSLambdaBasicExecutionRole writes every log group):
    write the statements with infra/iam.py instead."""
    arn = str(props.get("policyArn") or "")
    if arn.startswith("arn:aws:iam::aws:policy/"):
        return [f"attaches AWS managed policy {arn.rsplit('/', 1)[1]}, which grants on '*'"]
    return []


def lambda_permission_violations(props: Props) -> list[str]:
    if not props.get("sourceArn"):
        return [f"permission for {props.get('principal')} has no source ARN: any resource of that service could invoke"]
    return []


def graphql_api_violations(props: Props) -> list[str]:
    problems = []
    modes = [props.get("authenticationType")] + [
        p.get("authenticationType") for p in _items(props.get("additionalAuthenticationProviders"))
    ]
    if "API_KEY" in modes:
        problems.append("API key authorization is on: every caller must be a user (Cognito) or a back end (IAM)")
    log_config = _block(props.get("logConfig"))
    if log_config.get("fieldLogLevel") in (None, "NONE") or not log_config.get("cloudwatchLogsRoleArn"):
        problems.append("logging is off: set logConfig with a field log level and a CloudWatch role")
    return problems


def api_key_violations(props: Props) -> list[str]:
    return ["an AppSync API key: the API has no API key authorization"]


def identity_pool_violations(props: Props) -> list[str]:
    if props.get("allowUnauthenticatedIdentities") is not False:
        return ["identity pool must set allowUnauthenticatedIdentities = false (no guest credentials)"]
    return []


def identity_pool_roles_violations(props: Props) -> list[str]:
    if _block(props.get("roles")).get("unauthenticated"):
        return ["identity pool has an unauthenticated role: guests would get AWS credentials"]
    return []


# --- the pack ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Guardrail:
    name: str
    description: str
    resource_types: tuple[str, ...]
    check: Callable[[Props], list[str]]


GUARDRAILS: tuple[Guardrail, ...] = (
    Guardrail("s3-public-access-blocked", "Every public access block turns all four settings on.",
              (PUBLIC_ACCESS_BLOCK,), public_access_block_violations),
    Guardrail("s3-acls-disabled", "Buckets enforce bucket-owner ownership (ACLs disabled).",
              (OWNERSHIP_CONTROLS,), ownership_controls_violations),
    Guardrail("s3-no-bucket-acl", "No bucket sets an ACL.", (BUCKET, BUCKET_V2), bucket_acl_violations),
    Guardrail("s3-no-acl-resources", "No bucket ACL resources.", BUCKET_ACLS, acl_resource_violations),
    Guardrail("cloudfront-origins-use-oac", "CloudFront reaches its origins through Origin Access Control.",
              (DISTRIBUTION,), distribution_origin_violations),
    Guardrail("cloudfront-viewer-https", "Viewers use HTTPS only (HTTP redirects).",
              (DISTRIBUTION,), distribution_https_violations),
    Guardrail("cloudfront-tls-1-2", "Custom domains are served with TLS 1.2 at least.",
              (DISTRIBUTION,), distribution_tls_violations),
    Guardrail("cloudfront-app-shell-ttl", "Default behaviour TTLs written inline stay at most 300 s.",
              (DISTRIBUTION,), distribution_legacy_ttl_violations),
    Guardrail("cloudfront-no-error-rewrites", "403/404 are never rewritten to a page (media stays 404).",
              (DISTRIBUTION,), distribution_error_rewrite_violations),
    Guardrail("cloudfront-media-sandboxed", "The /media/* behaviour sends security headers and runs the attachment function.",
              (DISTRIBUTION,), distribution_media_violations),
    Guardrail("dynamodb-pitr-encryption-streams", "Every table has PITR, encryption and a NEW_AND_OLD_IMAGES stream.",
              (TABLE,), table_violations),
    Guardrail("iam-no-wildcards", "No Allow statement on Action '*' or Resource '*' (X-Ray excepted).",
              POLICY_DOCUMENTS, policy_document_violations),
    Guardrail("iam-no-wildcards-inline", "Role inline policies follow iam-no-wildcards.",
              (ROLE,), role_inline_policy_violations),
    Guardrail("iam-no-aws-managed-policies", "No AWS managed policy attachments (they grant on '*').",
              (ROLE_POLICY_ATTACHMENT,), managed_policy_attachment_violations),
    Guardrail("lambda-permission-source-arn", "Every Lambda permission names its source ARN.",
              (LAMBDA_PERMISSION,), lambda_permission_violations),
    Guardrail("appsync-no-api-key-logging-on", "AppSync has no API key authorization and logs.",
              (GRAPHQL_API,), graphql_api_violations),
    Guardrail("appsync-no-api-key-resource", "No AppSync API key resources.", (APPSYNC_API_KEY,), api_key_violations),
    Guardrail("cognito-no-guest-identities", "The identity pool refuses unauthenticated identities.",
              (IDENTITY_POOL,), identity_pool_violations),
    Guardrail("cognito-no-guest-role", "The identity pool has no unauthenticated role.",
              (IDENTITY_POOL_ROLES,), identity_pool_roles_violations),
)


def violations(resource_type: str, props: Props) -> list[str]:
    """Every guardrail message for one resource (what the pack would report for it)."""
    return [f"{g.name}: {message}" for g in GUARDRAILS if resource_type in g.resource_types
            for message in g.check(props)]


def _resource_policy(guardrail: Guardrail) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type in guardrail.resource_types:
            for message in guardrail.check(args.props):
                report_violation(message, None)

    return ResourceValidationPolicy(
        name=guardrail.name,
        description=guardrail.description,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )


def _every_bucket_guarded(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    for message in unguarded_buckets((r.resource_type, r.props) for r in args.resources):
        report_violation(message, None)


def _app_shell_cache(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    for resource in args.resources:
        if resource.resource_type != DISTRIBUTION:
            continue
        # The cache policy the default behaviour refers to is among that property's dependencies.
        policies = [d.props for d in resource.property_dependencies.get("defaultCacheBehavior", [])
                    if d.resource_type == CACHE_POLICY]
        for message in app_shell_cache_violations(resource.props, policies):
            report_violation(message, resource.urn)


RESOURCE_POLICIES = [_resource_policy(g) for g in GUARDRAILS]
STACK_POLICIES = [
    StackValidationPolicy(name="s3-every-bucket-guarded",
                          description="Every bucket has a public access block and ownership controls.",
                          validate=_every_bucket_guarded, enforcement_level=EnforcementLevel.MANDATORY),
    StackValidationPolicy(name="cloudfront-app-shell-cache-ttl",
                          description="The default behaviour's cache policy keeps the app shell at most 300 s.",
                          validate=_app_shell_cache, enforcement_level=EnforcementLevel.MANDATORY),
]
POLICIES = RESOURCE_POLICIES + STACK_POLICIES
