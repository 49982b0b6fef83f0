"""The cdn tier: the private site and media buckets behind one CloudFront distribution.

What it fixes (docs/domain.md): the old distribution cached everything for a day and ignored query
strings, and its 403/404 → `/index.html` rule turned missing audio into HTML. Here the edge
keeps the app shell at most five minutes with query strings in the cache key, app routes are
rewritten to `/index.html` by a CloudFront Function on the site behaviour only, and `/media/*`
goes straight to the media bucket, where a missing file is an honest 404.

Headers (infra/security_headers.py, shared with the local stack): the site carries a
Content-Security-Policy built from its config.json; media, which users upload, is sandboxed,
never sniffed, and downloaded rather than rendered unless it is audio. Deleted or overwritten
recordings stay recoverable for NONCURRENT_MEDIA_DAYS, then stop costing.

With `app_dir` the site is the station's own app (infra/station_app.py), its storage script tag
swapped at upload time for the platform's storage bundle.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from infra import iam, security_headers
from infra.site import config_json, site_config, site_objects, upload_site
from infra.station_app import INDEX, station_files

MEDIA_PREFIX = "media"  # bucket keys and URL paths of media both start with it (docs/contracts.md)
APP_SHELL_TTL = 300  # seconds at the edge, at most (the plan's target: five minutes)
IMMUTABLE_TTL = 31_536_000  # content-hashed bundles never change under one name
# A deleted or overwritten recording can be brought back this long (bucket versioning), then
# its old version expires.
NONCURRENT_MEDIA_DAYS = 30
ABANDONED_UPLOAD_DAYS = 7  # parts of a multipart upload the browser never completed

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
    # config.json without the media keys this tier adds (values may be Outputs of other tiers)
    frontend_config: Mapping[str, pulumi.Input[Any]]
    production: bool
    # The station's app folder: published instead of the built newsroom page (whose build
    # still provides the storage bundle, `site_dir/assets`).
    app_dir: Path | None = None
    # The Cognito hosted UI the pages sign in through (host): the site's CSP lets them call it.
    hosted_ui_domain: str | None = None


class CdnTier(pulumi.ComponentResource):
    def __init__(self, name: str, args: CdnTierArgs, opts: pulumi.ResourceOptions | None = None):
        # Stop before declaring anything if the frontend has not been built (or the station's
        # app folder cannot be served: no index.html, no storage tag to swap, no bundle).
        files = site_objects(args.site_dir) if args.app_dir is None else station_files(args.app_dir, args.site_dir)
        super().__init__("saint-esprit:cdn:CdnTier", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)

        self.site_bucket = self._private_bucket("site", versioned=False)
        self.media_bucket = self._private_bucket("media", versioned=True)
        self._expire_old_media_versions()
        self.site_bucket_name = self.site_bucket.bucket
        self.media_bucket_name = self.media_bucket.bucket
        # The station's (swapped) page: its CSP allows what that page loads.
        station_page = next(body.decode("utf-8") for key, body, *_ in files if key == INDEX) if args.app_dir else None
        self.distribution = self._distribution(self._site_csp(station_page))
        self._bucket_policies()
        self._media_uploads()

        self.distribution_id = self.distribution.id
        self.distribution_arn = self.distribution.arn
        host = args.domain_names[0] if args.domain_names else self.distribution.domain_name
        self.site_url = pulumi.Output.concat("https://", host)
        self.media_base_url = pulumi.Output.concat(self.site_url, f"/{MEDIA_PREFIX}")

        config = pulumi.Output.all(
            pulumi.Output.from_input(args.frontend_config), self.media_bucket_name, self.media_base_url
        ).apply(lambda values: config_json(site_config(*values)))
        self.site_objects = upload_site(f"{name}-site", self.site_bucket.id, files, config, self)

        self.register_outputs(
            {
                "distribution_id": self.distribution_id,
                "site_url": self.site_url,
                "media_base_url": self.media_base_url,
                "media_bucket_name": self.media_bucket_name,
                "site_bucket_name": self.site_bucket_name,
            }
        )

    # --- the site's policy --------------------------------------------------------------------

    def _site_csp(self, station_page: str | None) -> pulumi.Output[str]:
        """The site's Content-Security-Policy, from the config.json it is served with. Two of
        its values are given here rather than read from it, because they follow from the
        distribution this policy belongs to: the hosted UI block (its redirect URLs name the
        site) and, on CloudFront's own domain, the media URL (then the site's origin, 'self')."""
        args = self._args
        media_base_url = f"https://{args.domain_names[0]}/{MEDIA_PREFIX}" if args.domain_names else None
        independent = {key: value for key, value in dict(args.frontend_config).items() if key != "hostedUi"}
        hosted_ui = {"hostedUi": {"domain": args.hosted_ui_domain}} if args.hosted_ui_domain else {}
        return pulumi.Output.all(pulumi.Output.from_input(independent), self.media_bucket.bucket).apply(
            lambda values: security_headers.site_csp(
                {**site_config(values[0], values[1], media_base_url), **hosted_ui}, station_page))

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

    def _expire_old_media_versions(self) -> None:
        """Versioning keeps every deleted or overwritten recording; without expiry they would be
        billed forever."""
        name = f"{self._name}-media"
        aws.s3.BucketLifecycleConfiguration(
            name,
            bucket=self.media_bucket.id,
            rules=[aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-old-versions",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=NONCURRENT_MEDIA_DAYS),
                # A delete marker left alone once its old versions expired.
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(expired_object_delete_marker=True),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=ABANDONED_UPLOAD_DAYS),
            )],
            opts=self._child,
        )

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

    def _headers_policy(self, purpose: str, csp: pulumi.Input[str]) -> aws.cloudfront.ResponseHeadersPolicy:
        """HSTS, nosniff, no framing, referrer policy and this content's Content-Security-Policy
        (values from infra/security_headers.py, which the local stack sends too)."""
        headers = security_headers
        return aws.cloudfront.ResponseHeadersPolicy(
            f"{self._name}-{purpose}-headers",
            comment=f"Saint-Esprit {purpose}: HSTS, nosniff, no framing, referrer policy, CSP",
            security_headers_config=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs(
                strict_transport_security=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
                    access_control_max_age_sec=headers.HSTS_MAX_AGE, include_subdomains=True, preload=True, override=True
                ),
                content_type_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(
                    override=True
                ),
                frame_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(
                    frame_option=headers.FRAME_OPTIONS, override=True
                ),
                referrer_policy=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(
                    referrer_policy=headers.REFERRER_POLICY, override=True
                ),
                content_security_policy=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs(
                    content_security_policy=csp, override=True
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

    def _distribution(self, site_csp: pulumi.Input[str]) -> aws.cloudfront.Distribution:
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
        # Uploaded media that is not audio is downloaded, never rendered on the site's origin
        # (a response headers policy cannot decide by content type; a function can).
        media_response = aws.cloudfront.Function(
            f"{self._name}-media-response",
            runtime="cloudfront-js-2.0",
            comment="Media that is not audio is sent as an attachment",
            code=security_headers.MEDIA_RESPONSE_FUNCTION,
            publish=True,
            opts=self._child,
        )
        app_shell = self._cache_policy("app-shell", APP_SHELL_TTL, APP_SHELL_TTL)
        immutable = self._cache_policy("hashed-assets", APP_SHELL_TTL, IMMUTABLE_TTL)
        site_headers = self._headers_policy("site", site_csp)
        media_headers = self._headers_policy("media", security_headers.MEDIA_CSP)
        # What every behaviour shares: read-only, HTTPS, compressed.
        common = dict(
            viewer_protocol_policy="redirect-to-https",
            allowed_methods=["GET", "HEAD", "OPTIONS"],
            cached_methods=["GET", "HEAD"],
            compress=True,
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
                response_headers_policy_id=site_headers.id,
                **common,
                function_associations=[
                    aws.cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArgs(
                        event_type="viewer-request", function_arn=spa_routing.arn
                    )
                ],
            ),
            ordered_cache_behaviors=[
                # No SPA routing on media: a missing recording must stay a 404 for the player.
                aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                    path_pattern=f"/{MEDIA_PREFIX}/*", target_origin_id="media", cache_policy_id=app_shell.id,
                    response_headers_policy_id=media_headers.id, **common,
                    function_associations=[aws.cloudfront.DistributionOrderedCacheBehaviorFunctionAssociationArgs(
                        event_type="viewer-response", function_arn=media_response.arn)],
                ),
                aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                    path_pattern="/assets/*", target_origin_id="site", cache_policy_id=immutable.id,
                    response_headers_policy_id=site_headers.id, **common,
                ),
            ],
            # Deliberately no custom_error_responses: 403/404 are never rewritten to index.html.
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")
            ),
            viewer_certificate=self._viewer_certificate(),
            opts=self._child,
        )

