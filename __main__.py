"""The Saint-Esprit platform, one stack per environment (`pulumi up`).

Reads like the architecture: settings -> data -> auth -> api -> cdn -> streams (-> the legacy
bridge while one is set), then the outputs operators and the frontend need.
"""
import pulumi

from infra.api import ApiTier, ApiTierArgs
from infra.auth import SIGNED_OUT_PAGE, AuthTier, AuthTierArgs, hosted_ui_config
from infra.bridge import BridgeTier, BridgeTierArgs
from infra.cdn import CdnTier, CdnTierArgs
from infra.data import DataTier, DataTierArgs
from infra.packaging import lambda_archive
from infra.settings import Settings
from infra.site import site_files
from infra.streams import StreamsTier, StreamsTierArgs

settings = Settings.load()
# Stop before creating anything when the frontend was not built (the cdn tier uploads it).
site_files(settings.site_dir)
code = lambda_archive()
# Each tier is named "<namePrefix>-<tier>" and names its children after itself; Pulumi adds a
# random suffix ("<namePrefix>-cdn-media-1a2b3c4"). So every physical name of the stack starts
# with its prefix, and the deploy roles (bootstrap/) are scoped to "<namePrefix>-*" alone.
data = DataTier(f"{settings.name_prefix}-data", DataTierArgs(
    production=settings.production,
    name_prefix=settings.name_prefix,
))

auth = AuthTier(f"{settings.name_prefix}-auth", AuthTierArgs(
    adopted_user_pool_id=settings.adopted_user_pool_id,
    callback_urls=[f"https://{domain}/" for domain in settings.domain_names],
    logout_urls=[url for domain in settings.domain_names
                 for url in (f"https://{domain}/", f"https://{domain}{SIGNED_OUT_PAGE}")],
    name_prefix=settings.name_prefix,
    production=settings.production,
    allow_password_sign_in=not settings.production,
    accepted_client_ids=list(settings.accepted_client_ids),
    existing_groups=list(settings.existing_groups),
))

api = ApiTier(f"{settings.name_prefix}-api", ApiTierArgs(
    tables=data.tables,
    presence_table=data.presence_table,
    user_pool_id=auth.user_pool_id,
    accepted_client_ids=auth.accepted_client_ids,
    code=code,
    log_retention_days=settings.log_retention_days,
    name_prefix=settings.name_prefix,
    tombstone_retention_days=settings.tombstone_retention_days,
))

# The site's address is the cdn tier's (its CloudFront domain until the cut-over gives it the
# newsroom's names), yet config.json, which the cdn tier uploads, names it: resolved below.
site_url, resolve_site_url = pulumi.deferred_output()
hosted_ui = (
    pulumi.Output.all(site_url, auth.accepted_client_ids).apply(
        lambda values: hosted_ui_config(settings.hosted_ui_domain, settings.domain_names, *values))
    if settings.hosted_ui_domain else None
)

# What the browser reads from /config.json (docs/contracts.md); the cdn tier adds the media keys.
frontend_config = {
    "region": settings.region,
    "graphqlUrl": api.graphql_url,
    "realtimeUrl": api.realtime_url,
    "userPoolId": auth.user_pool_id,
    "userPoolClientId": auth.user_pool_client_id,
    "identityPoolId": auth.identity_pool_id,
    "authFlow": "USER_SRP_AUTH",
    "endpoints": {},
    **({"hostedUi": hosted_ui} if hosted_ui else {}),
}

cdn = CdnTier(f"{settings.name_prefix}-cdn", CdnTierArgs(
    site_dir=settings.site_dir,
    domain_names=settings.domain_names,
    certificate_arn=settings.certificate_arn,
    authenticated_role_name=auth.authenticated_role.name,
    frontend_config=frontend_config,
    production=settings.production,
    app_dir=settings.app_dir,
    hosted_ui_domain=settings.hosted_ui_domain,
))
resolve_site_url(cdn.site_url)

streams = StreamsTier(f"{settings.name_prefix}-streams", StreamsTierArgs(
    tables=data.tables,
    code=code,
    graphql_url=api.graphql_url,
    api_arn=api.api_arn,
    distribution_id=cdn.distribution_id,
    distribution_arn=cdn.distribution_arn,
    log_retention_days=settings.log_retention_days,
    alarm_email=settings.alarm_email,
    invalidation_paths=settings.invalidation_paths,
))

# The scheduled jobs still write into the legacy tables: their writes are carried into the
# platform while the legacyBridge setting names those tables' streams (docs/runbooks/cut-over.md).
if settings.legacy_bridge:
    BridgeTier(f"{settings.name_prefix}-bridge", BridgeTierArgs(
        legacy_streams=settings.legacy_bridge,
        tables=data.tables,
        code=code,
        failure_queue_arn=streams.failure_queue.arn,
        log_retention_days=settings.log_retention_days,
    ))

pulumi.export("siteUrl", cdn.site_url)
pulumi.export("graphqlUrl", api.graphql_url)
pulumi.export("realtimeUrl", api.realtime_url)
pulumi.export("region", settings.region)
pulumi.export("userPoolId", auth.user_pool_id)
pulumi.export("userPoolClientId", auth.user_pool_client_id)
# The clients AppSync and the identity pool accept (the stack's own first) and, when the pool has
# one, its hosted UI as config.json gives it to the browser (docs/contracts.md).
pulumi.export("acceptedClientIds", auth.accepted_client_ids)
if hosted_ui:
    pulumi.export("hostedUi", hosted_ui)
pulumi.export("identityPoolId", auth.identity_pool_id)
pulumi.export("mediaBaseUrl", cdn.media_base_url)
pulumi.export("mediaBucket", cdn.media_bucket_name)
pulumi.export("siteBucket", cdn.site_bucket_name)
pulumi.export("tableNames", {entity: table.name for entity, table in data.tables.items()})
pulumi.export("presenceTableName", data.presence_table.name)
pulumi.export("distributionId", cdn.distribution_id)
# Where the custom domain's DNS records (CNAME or alias) must point.
pulumi.export("distributionDomainName", cdn.distribution.domain_name)
pulumi.export("failureQueueUrl", streams.failure_queue_url)
