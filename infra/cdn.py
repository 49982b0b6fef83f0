"""The cdn tier: the private site and media buckets behind one CloudFront distribution.

What it fixes (DOMAIN.md): the old distribution cached everything for a day and ignored query
strings, and its 403/404 → `/index.html` rule turned missing audio into HTML. Here the edge
keeps the app shell at most five minutes with query strings in the cache key, app routes are
rewritten to `/index.html` by a CloudFront Function on the site behaviour only, and `/media/*`
goes straight to the media bucket, where a missing file is an honest 404.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from infra import iam
from infra.site import config_json, site_files, upload_site

MEDIA_PREFIX = "media"  # bucket keys and URL paths of media both start with it (docs/contracts.md)
APP_SHELL_TTL = 300  # seconds at the edge, at most (the plan's target: five minutes)
IMMUTABLE_TTL = 31_536_000  # content-hashed bundles never change under one name
HSTS_MAX_AGE = 63_072_000  # two years, as hstspreload.org asks

# App routes (`/journal/2025-11-18`) have no file extension: serve them the app shell. Anything
# with an extension is a file and must be found or be a 404. ES5 only: CloudFront's runtime.
SPA_ROUTING_FUNCTION = """\
function handler(event) {
  var request = event.request;
  var lastSegment = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  if (lastSegment.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
"""


def _under(bucket: aws.s3.Bucket, prefix: str) -> pulumi.Output[str]:
    """The ARN of every object whose key starts with `prefix` ("" for the whole bucket)."""
    return pulumi.Output.concat(bucket.arn, "/", prefix, "*")


@dataclass
class CdnTierArgs:
    site_dir: Path
    domain_names: Sequence[str]
    certificate_arn: str | None
    authenticated_role_name: pulumi.Input[str]  # the identity pool's role for signed-in users
    frontend_config: pulumi.Input[dict]  # config.json without the media keys this tier adds
    production: bool


class CdnTier(pulumi.ComponentResource):
    def __init__(self, name: str, args: CdnTierArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("saint-esprit:cdn:CdnTier", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)
        # Stop before declaring anything if the frontend has not been built.
        site_keys = site_files(args.site_dir)

        self.site_bucket = self._private_bucket("site", versioned=False)
        self.media_bucket = self._private_bucket("media", versioned=True)
        self.distribution = self._distribution()
        self._bucket_policies()
        self._media_uploads()

        self.distribution_id = self.distribution.id
        self.distribution_arn = self.distribution.arn
        host = args.domain_names[0] if args.domain_names else self.distribution.domain_name
        self.site_url = pulumi.Output.concat("https://", host)
        self.media_base_url = pulumi.Output.concat(self.site_url, f"/{MEDIA_PREFIX}")
        self.site_bucket_name = self.site_bucket.bucket
        self.media_bucket_name = self.media_bucket.bucket

        config = pulumi.Output.all(
            pulumi.Output.from_input(args.frontend_config), self.media_bucket_name, self.media_base_url
        ).apply(lambda values: config_json(*values))
        self.site_objects = upload_site(f"{name}-site", self.site_bucket.id, args.site_dir, site_keys, config, self)

        self.register_outputs(
            {
                "distribution_id": self.distribution_id,
                "site_url": self.site_url,
                "media_base_url": self.media_base_url,
                "media_bucket_name": self.media_bucket_name,
                "site_bucket_name": self.site_bucket_name,
            }
        )

    # --- buckets ------------------------------------------------------------------------------

    def _private_bucket(self, purpose: str, versioned: bool) -> aws.s3.Bucket:
        """A bucket nobody reaches but through CloudFront (and, for media, signed-in uploads)."""
        name = f"{self._name}-{purpose}"
        # Newsroom audio has no other copy: production refuses to delete the media bucket.
        keep = self._args.production and purpose == "media"
        bucket = aws.s3.Bucket(
            name,
            force_destroy=not self._args.production,
            opts=pulumi.ResourceOptions(parent=self, protect=keep),
        )
        aws.s3.BucketPublicAccessBlock(
            name,
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=self._child,
        )
        aws.s3.BucketOwnershipControls(  # ACLs disabled: the bucket policy alone decides
            name,
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=self._child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=self._child,
        )
        if versioned:  # an overwritten or deleted recording can be brought back
            aws.s3.BucketVersioning(
                name,
                bucket=bucket.id,
                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
                opts=self._child,
            )
        return bucket

    def _bucket_policies(self) -> None:
        """Only this distribution (through OAC) may read; nobody may use plain HTTP."""
        from_this_distribution = {"StringEquals": {"AWS:SourceArn": self.distribution.arn}}
        cloudfront = {"Service": "cloudfront.amazonaws.com"}
        site, media = self.site_bucket, self.media_bucket
        grants = {
            "site": (site, [
                iam.statement(["s3:GetObject"], [_under(site, "")], principal=cloudfront,
                              conditions=from_this_distribution, sid="CloudFrontReadsSite"),
            ]),
            "media": (media, [
                iam.statement(["s3:GetObject"], [_under(media, f"{MEDIA_PREFIX}/")], principal=cloudfront,
                              conditions=from_this_distribution, sid="CloudFrontReadsMedia"),
                # Without ListBucket S3 answers a missing key with 403, which players and the
                # app cannot tell from a permission problem; with it, a 404.
                iam.statement(["s3:ListBucket"], [media.arn], principal=cloudfront,
                              conditions=from_this_distribution, sid="MissingMediaIsNotFound"),
            ]),
        }
        for purpose, (bucket, statements) in grants.items():
            deny_plain_http = iam.statement(
                ["s3:*"], [bucket.arn, _under(bucket, "")], principal={"AWS": "*"},
                conditions={"Bool": {"aws:SecureTransport": "false"}}, effect="Deny", sid="HttpsOnly",
            )
            aws.s3.BucketPolicy(
                f"{self._name}-{purpose}",
                bucket=bucket.id,
                policy=iam.policy_document(*statements, deny_plain_http),
                opts=self._child,
            )

    def _media_uploads(self) -> None:
        """Signed-in users read all media and write only under their own identity's prefix
        (uploads go from the browser straight to S3 with the identity pool's credentials)."""
        objects = _under(self.media_bucket, f"{MEDIA_PREFIX}/")
        own_audio = _under(self.media_bucket, f"{MEDIA_PREFIX}/audio/${{cognito-identity.amazonaws.com:sub}}/")
        aws.iam.RolePolicy(
            f"{self._name}-media-access",
            role=self._args.authenticated_role_name,
            policy=iam.policy_document(
                iam.statement(["s3:GetObject"], [objects], sid="ReadMedia"),
                iam.statement(["s3:PutObject", "s3:DeleteObject"], [own_audio], sid="WriteOwnAudio"),
            ),
            opts=self._child,
        )
        origins = [f"https://{domain}" for domain in self._args.domain_names]
        aws.s3.BucketCorsConfiguration(
            f"{self._name}-media",
            bucket=self.media_bucket.id,
            cors_rules=[
                aws.s3.BucketCorsConfigurationCorsRuleArgs(
                    allowed_origins=pulumi.Output.concat("https://", self.distribution.domain_name).apply(
                        lambda default_origin: [*origins, default_origin]
                    ),
                    allowed_methods=["GET", "HEAD", "PUT", "DELETE"],
                    allowed_headers=["*"],
                    expose_headers=["ETag"],
                    max_age_seconds=3000,
                )
            ],
            opts=self._child,
        )

    # --- distribution -------------------------------------------------------------------------

    def _cache_policy(self, purpose: str, default_ttl: int, max_ttl: int) -> aws.cloudfront.CachePolicy:
        return aws.cloudfront.CachePolicy(
            f"{self._name}-{purpose}",
            comment=f"Saint-Esprit {purpose}: at most {max_ttl} s at the edge, query strings in the key",
            min_ttl=0,
            default_ttl=default_ttl,
            max_ttl=max_ttl,
            parameters_in_cache_key_and_forwarded_to_origin=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs(
                # `?v=` cache-busting works again: every query string is part of the key.
                query_strings_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs(
                    query_string_behavior="all"
                ),
                headers_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs(
                    header_behavior="none"
                ),
                cookies_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs(
                    cookie_behavior="none"
                ),
                enable_accept_encoding_gzip=True,
                enable_accept_encoding_brotli=True,
            ),
            opts=self._child,
        )

    def _security_headers(self) -> aws.cloudfront.ResponseHeadersPolicy:
        return aws.cloudfront.ResponseHeadersPolicy(
            f"{self._name}-security-headers",
            comment="Saint-Esprit: HSTS, nosniff, no framing, referrer policy",
            security_headers_config=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs(
                strict_transport_security=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
                    access_control_max_age_sec=HSTS_MAX_AGE, include_subdomains=True, preload=True, override=True
                ),
                content_type_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(
                    override=True
                ),
                frame_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(
                    frame_option="DENY", override=True
                ),
                referrer_policy=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(
                    referrer_policy="strict-origin-when-cross-origin", override=True
                ),
            ),
            opts=self._child,
        )

    def _viewer_certificate(self) -> aws.cloudfront.DistributionViewerCertificateArgs:
        if self._args.domain_names:
            return aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=self._args.certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version="TLSv1.2_2021",
            )
        # Without a custom domain, CloudFront serves its own *.cloudfront.net certificate and
        # does not let the distribution choose the TLS policy (only custom certificates can).
        return aws.cloudfront.DistributionViewerCertificateArgs(cloudfront_default_certificate=True)

    def _distribution(self) -> aws.cloudfront.Distribution:
        access_control = aws.cloudfront.OriginAccessControl(
            f"{self._name}-oac",
            description="CloudFront signs every request to the Saint-Esprit buckets",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=self._child,
        )
        spa_routing = aws.cloudfront.Function(
            f"{self._name}-spa-routing",
            runtime="cloudfront-js-2.0",
            comment="App routes (no file extension) get /index.html; files stay files",
            code=SPA_ROUTING_FUNCTION,
            publish=True,
            opts=self._child,
        )
        app_shell = self._cache_policy("app-shell", APP_SHELL_TTL, APP_SHELL_TTL)
        immutable = self._cache_policy("hashed-assets", APP_SHELL_TTL, IMMUTABLE_TTL)
        headers = self._security_headers()
        # What every behaviour shares: read-only, HTTPS, compressed, with the security headers.
        common = dict(
            viewer_protocol_policy="redirect-to-https",
            allowed_methods=["GET", "HEAD", "OPTIONS"],
            cached_methods=["GET", "HEAD"],
            response_headers_policy_id=headers.id,
            compress=True,
        )

        def behaviour(path: str, origin: str, policy: aws.cloudfront.CachePolicy):
            return aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                path_pattern=path, target_origin_id=origin, cache_policy_id=policy.id, **common
            )

        return aws.cloudfront.Distribution(
            f"{self._name}-distribution",
            comment="Saint-Esprit newsroom: app and media",
            enabled=True,
            is_ipv6_enabled=True,
            http_version="http2and3",
            price_class="PriceClass_100",
            default_root_object="index.html",
            aliases=list(self._args.domain_names),
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=purpose,
                    domain_name=bucket.bucket_regional_domain_name,
                    origin_access_control_id=access_control.id,
                )
                for purpose, bucket in (("site", self.site_bucket), ("media", self.media_bucket))
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id="site",
                cache_policy_id=app_shell.id,
                **common,
                function_associations=[
                    aws.cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArgs(
                        event_type="viewer-request", function_arn=spa_routing.arn
                    )
                ],
            ),
            ordered_cache_behaviors=[
                # No SPA routing on media: a missing recording must stay a 404 for the player.
                behaviour(f"/{MEDIA_PREFIX}/*", "media", app_shell),
                behaviour("/assets/*", "site", immutable),
            ],
            # Deliberately no custom_error_responses: 403/404 are never rewritten to index.html.
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")
            ),
            viewer_certificate=self._viewer_certificate(),
            opts=self._child,
        )

