"""The cdn tier, as the real program declares it for prod and dev (under the mocks): private
buckets behind Origin Access Control, an edge that never serves stale app code, media that
stays a 404 when missing, the uploaded frontend and its generated config.json."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import evaluate_program, test_config

from infra.cdn import SPA_ROUTING_FUNCTION
from infra.site import SiteNotBuilt, cache_control, content_type, site_files

CDN = "saint-esprit:cdn:CdnTier"
BUCKET = "aws:s3/bucket:Bucket"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
CACHE_POLICY = "aws:cloudfront/cachePolicy:CachePolicy"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
STACKS = ["prod", "dev"]


def of(run, type_token, name):
    """The cdn tier's resource of this type and name under the stack's prefix (several types
    share a name: `of(run, BUCKET, "cdn-media")` is `<namePrefix>-cdn-media`)."""
    [found] = [r for r in run.children_of(CDN) if r.type == type_token and r.name == run.prefixed(name)]
    return found


def distribution(run):
    [found] = run.of_type(DISTRIBUTION)
    return found


def cache_policy(run, policy_id):
    [found] = [r for r in run.of_type(CACHE_POLICY) if r.id == policy_id]
    return found.inputs


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("purpose", ["site", "media"])
def test_buckets_are_private_owner_enforced_and_encrypted(program, stack, purpose):
    run = program(stack)
    name = f"cdn-{purpose}"
    block = of(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name).inputs
    assert all(block[flag] is True for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                                "restrictPublicBuckets"))
    bucket = of(run, BUCKET, name)
    assert block["bucket"] == bucket.id
    ownership = of(run, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", name).inputs
    assert ownership["rule"]["objectOwnership"] == "BucketOwnerEnforced"
    assert "acl" not in bucket.inputs
    [rule] = of(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                name).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"


@pytest.mark.parametrize("stack", STACKS)
def test_only_media_is_versioned_and_only_production_media_is_protected(program, stack):
    run = program(stack)
    versioned = [r.inputs["bucket"] for r in run.of_type("aws:s3/bucketVersioning:BucketVersioning")]
    assert versioned == [of(run, BUCKET, "cdn-media").id]
    assert run.of_type("aws:s3/bucketVersioning:BucketVersioning")[0].inputs["versioningConfiguration"] == {"status": "Enabled"}
    media, site = of(run, BUCKET, "cdn-media"), of(run, BUCKET, "cdn-site")
    assert media.protect is (stack == "prod") and site.protect is False
    assert media.inputs["forceDestroy"] is (stack != "prod")


@pytest.mark.parametrize("stack", STACKS)
def test_buckets_answer_only_this_distribution_over_https(program, stack):
    run = program(stack)
    this_distribution = distribution(run).outputs["arn"]
    for purpose, expected in (("site", {"s3:GetObject"}), ("media", {"s3:GetObject", "s3:ListBucket"})):
        document = json.loads(of(run, "aws:s3/bucketPolicy:BucketPolicy", f"cdn-{purpose}").inputs["policy"])
        allows = [s for s in document["Statement"] if s["Effect"] == "Allow"]
        assert {a for s in allows for a in s["Action"]} == expected
        for statement in allows:
            assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
            assert statement["Condition"] == {"StringEquals": {"AWS:SourceArn": this_distribution}}
        [deny] = [s for s in document["Statement"] if s["Effect"] == "Deny"]
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    media_policy = json.loads(of(run, "aws:s3/bucketPolicy:BucketPolicy", "cdn-media").inputs["policy"])
    media_arn = of(run, BUCKET, "cdn-media").outputs["arn"]
    resources = {s["Sid"]: s["Resource"] for s in media_policy["Statement"]}
    # ListBucket makes a missing recording a 404 instead of a 403; reads only under media/.
    assert resources["MissingMediaIsNotFound"] == [media_arn]
    assert resources["CloudFrontReadsMedia"] == [f"{media_arn}/media/*"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_app_shell_lives_at_most_five_minutes_at_the_edge_with_query_strings_in_the_key(program, stack):
    run = program(stack)
    default = distribution(run).inputs["defaultCacheBehavior"]
    policy = cache_policy(run, default["cachePolicyId"])
    assert policy["defaultTtl"] <= 300 and policy["maxTtl"] <= 300 and policy["minTtl"] == 0
    parameters = policy["parametersInCacheKeyAndForwardedToOrigin"]
    assert parameters["queryStringsConfig"]["queryStringBehavior"] == "all"
    assert parameters["enableAcceptEncodingGzip"] is True and parameters["enableAcceptEncodingBrotli"] is True
    assert default["compress"] is True and default["viewerProtocolPolicy"] == "redirect-to-https"


@pytest.mark.parametrize("stack", STACKS)
def test_app_routes_go_to_index_html_but_missing_media_stays_a_404(program, stack):
    run = program(stack)
    inputs = distribution(run).inputs
    [spa] = run.of_type("aws:cloudfront/function:Function")
    assert inputs["defaultCacheBehavior"]["functionAssociations"] == [
        {"eventType": "viewer-request", "functionArn": spa.outputs["arn"]}
    ]
    assert spa.inputs["runtime"] == "cloudfront-js-2.0" and spa.inputs["publish"] is True
    assert "customErrorResponses" not in inputs  # no 403/404 → index.html rewrite
    behaviours = {b["pathPattern"]: b for b in inputs["orderedCacheBehaviors"]}
    media = behaviours["/media/*"]
    assert media["targetOriginId"] == "media" and "functionAssociations" not in media
    assert cache_policy(run, media["cachePolicyId"])["maxTtl"] <= 300
    assets = cache_policy(run, behaviours["/assets/*"]["cachePolicyId"])
    assert assets["maxTtl"] == 31_536_000  # content-hashed: a new build has new names
    assert all(b["viewerProtocolPolicy"] == "redirect-to-https" and b["compress"] for b in behaviours.values())


@pytest.mark.parametrize("stack", STACKS)
def test_origins_are_the_two_buckets_through_origin_access_control(program, stack):
    run = program(stack)
    origins = {o["originId"]: o for o in distribution(run).inputs["origins"]}
    [oac] = run.of_type("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert oac.inputs["signingBehavior"] == "always" and oac.inputs["originAccessControlOriginType"] == "s3"
    for purpose in ("site", "media"):
        assert origins[purpose]["domainName"] == of(run, BUCKET, f"cdn-{purpose}").outputs["bucketRegionalDomainName"]
        assert origins[purpose]["originAccessControlId"] == oac.id
        assert "s3OriginConfig" not in origins[purpose]


def test_production_serves_its_domains_with_tls_1_2_and_dev_the_cloudfront_domain(prod, dev):
    prod_inputs, dev_inputs = distribution(prod).inputs, distribution(dev).inputs
    assert prod_inputs["aliases"] == ["saint-esprit.link", "www.saint-esprit.link"]
    certificate = prod_inputs["viewerCertificate"]
    assert certificate["minimumProtocolVersion"] == "TLSv1.2_2021" and certificate["sslSupportMethod"] == "sni-only"
    assert certificate["acmCertificateArn"].startswith("arn:aws:acm:us-east-1:")
    assert dev_inputs["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert not dev_inputs.get("aliases")
    assert prod.exports["siteUrl"] == "https://saint-esprit.link"
    assert dev.exports["siteUrl"] == f"https://{distribution(dev).outputs['domainName']}"
    assert prod.exports["mediaBaseUrl"] == "https://saint-esprit.link/media"
    for inputs in (prod_inputs, dev_inputs):
        assert inputs["priceClass"] == "PriceClass_100" and inputs["httpVersion"] == "http2and3"


def test_every_response_carries_the_security_headers(prod):
    [policy] = prod.of_type("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    headers = policy.inputs["securityHeadersConfig"]
    assert headers["strictTransportSecurity"]["accessControlMaxAgeSec"] >= 31_536_000
    assert headers["contentTypeOptions"]["override"] is True
    assert headers["frameOptions"]["frameOption"] == "DENY"
    assert headers["referrerPolicy"]["referrerPolicy"] == "strict-origin-when-cross-origin"
    inputs = distribution(prod).inputs
    for behaviour in [inputs["defaultCacheBehavior"], *inputs["orderedCacheBehaviors"]]:
        assert behaviour["responseHeadersPolicyId"] == policy.id


@pytest.mark.parametrize("stack", STACKS)
def test_signed_in_users_read_media_and_write_only_under_their_own_identity(program, stack):
    run = program(stack)
    # The identity pool's role: the only one Cognito identities may assume.
    [auth_role] = [r for r in run.of_type("aws:iam/role:Role")
                   if "cognito-identity.amazonaws.com" in r.inputs["assumeRolePolicy"]]
    grant = of(run, "aws:iam/rolePolicy:RolePolicy", "cdn-media-access").inputs
    assert grant["role"] == auth_role.outputs["name"]
    media_arn = of(run, BUCKET, "cdn-media").outputs["arn"]
    statements = {s["Sid"]: s for s in json.loads(grant["policy"])["Statement"]}
    assert statements["ReadMedia"]["Action"] == ["s3:GetObject"]
    assert statements["ReadMedia"]["Resource"] == [f"{media_arn}/media/*"]
    assert statements["WriteOwnAudio"]["Action"] == ["s3:DeleteObject", "s3:PutObject"]
    assert statements["WriteOwnAudio"]["Resource"] == [
        f"{media_arn}/media/audio/${{cognito-identity.amazonaws.com:sub}}/*"
    ]


def test_the_browser_may_upload_to_media_from_the_site_origins_only(prod):
    [rule] = of(prod, "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", "cdn-media").inputs["corsRules"]
    assert rule["allowedOrigins"] == [
        "https://saint-esprit.link", "https://www.saint-esprit.link", f"https://{distribution(prod).outputs['domainName']}"
    ]
    assert set(rule["allowedMethods"]) == {"GET", "HEAD", "PUT", "DELETE"}


@pytest.mark.parametrize("stack", STACKS)
def test_the_built_frontend_is_uploaded_with_types_and_cache_headers(program, stack):
    run = program(stack)
    site_bucket = of(run, BUCKET, "cdn-site").id
    objects = {r.inputs["key"]: r.inputs for r in run.of_type(OBJECT)}
    assert set(objects) == {"index.html", "assets/app-3f2a9c1d.js", "config.json"}
    assert all(o["bucket"] == site_bucket for o in objects.values())
    assert objects["index.html"]["cacheControl"] == "no-cache"
    assert objects["index.html"]["contentType"] == "text/html; charset=utf-8"
    assert objects["assets/app-3f2a9c1d.js"]["cacheControl"] == "public, max-age=31536000, immutable"
    assert objects["assets/app-3f2a9c1d.js"]["contentType"] == "text/javascript; charset=utf-8"
    assert objects["config.json"]["cacheControl"] == "no-cache"


@pytest.mark.parametrize("stack", STACKS)
def test_config_json_is_generated_from_the_stack_outputs(program, stack):
    run = program(stack)
    [config_object] = [r for r in run.of_type(OBJECT) if r.inputs["key"] == "config.json"]
    config = json.loads(config_object.inputs["content"])
    exports = run.exports
    assert config == {
        "region": "eu-west-3",
        "graphqlUrl": exports["graphqlUrl"],
        "realtimeUrl": exports["realtimeUrl"],
        "userPoolId": exports["userPoolId"],
        "userPoolClientId": exports["userPoolClientId"],
        "identityPoolId": exports["identityPoolId"],
        "mediaBucket": exports["mediaBucket"],
        "mediaBaseUrl": exports["mediaBaseUrl"],
        "authFlow": "USER_SRP_AUTH",
        "endpoints": {},
    }
    assert config["mediaBaseUrl"] == exports["siteUrl"] + "/media"


def test_without_a_frontend_build_the_program_stops_saying_how_to_build_it(tmp_path):
    with pytest.raises(SiteNotBuilt, match="make frontend"):
        evaluate_program("dev", test_config("dev", tmp_path))


def test_cache_headers_and_content_types_by_file():
    assert cache_control("index.html") == cache_control("help/about.html") == "no-cache"
    assert cache_control("config.json") == "no-cache"
    assert cache_control("assets/newsroom-Q3ZKX7AB.css") == "public, max-age=31536000, immutable"
    assert cache_control("assets/newsroom-style-4RWXWEF2.css") == "public, max-age=31536000, immutable"
    assert cache_control("assets/logo.svg") == "public, max-age=300"  # not hashed: may change
    assert cache_control("assets/app-settings.js") == "public, max-age=300"  # a word, not a hash
    assert cache_control("favicon.ico") == "public, max-age=300"
    assert content_type("assets/app-ABCDEFGH.mjs") == "text/javascript; charset=utf-8"
    assert content_type("jingle.mp3") == "audio/mpeg"
    assert content_type("blob.unknownext") == "application/octet-stream"


def test_a_stale_config_json_in_the_build_folder_is_not_uploaded(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "config.json").write_text('{"graphqlUrl": "https://127.0.0.1:8443/graphql"}')
    assert site_files(tmp_path) == ["index.html"]


def route(uri: str) -> str:
    script = SPA_ROUTING_FUNCTION + f"\nconsole.log(handler({{request: {{uri: {json.dumps(uri)}}}}}).uri);"
    return subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the CloudFront Function")
@pytest.mark.parametrize("uri, served", [
    ("/", "/index.html"),
    ("/journal/2025-11-18", "/index.html"),
    ("/conductor/", "/index.html"),
    ("/assets/app-3f2a9c1d.js", "/assets/app-3f2a9c1d.js"),
    ("/config.json", "/config.json"),
    ("/favicon.ico", "/favicon.ico"),
])
def test_the_spa_routing_function_rewrites_app_routes_only(uri, served):
    assert route(uri) == served
