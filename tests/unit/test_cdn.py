"""The cdn tier, as the real program declares it for prod and dev (under the mocks): private
buckets behind Origin Access Control, an edge that never serves stale app code, media that
stays a 404 when missing, the uploaded frontend and its generated config.json."""
from __future__ import annotations

import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import anyio
import pytest
from conftest import evaluate_program, make_site_dir, test_config

from devstack.web import Site
from infra.cdn import NONCURRENT_MEDIA_DAYS, SPA_ROUTING_FUNCTION
from infra.security_headers import MEDIA_RESPONSE_FUNCTION, media_headers, page_origins, site_csp
from infra.settings import SettingsError
from infra.site import SiteNotBuilt, cache_control, content_type, site_files
from infra.station_app import swap_storage_tag

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
    spa = of(run, "aws:cloudfront/function:Function", "cdn-spa-routing")
    assert inputs["defaultCacheBehavior"]["functionAssociations"] == [
        {"eventType": "viewer-request", "functionArn": spa.outputs["arn"]}
    ]
    assert spa.inputs["runtime"] == "cloudfront-js-2.0" and spa.inputs["publish"] is True
    assert "customErrorResponses" not in inputs  # no 403/404 → index.html rewrite
    behaviours = {b["pathPattern"]: b for b in inputs["orderedCacheBehaviors"]}
    media = behaviours["/media/*"]
    assert media["targetOriginId"] == "media"
    assert [a["eventType"] for a in media["functionAssociations"]] == ["viewer-response"]  # no routing
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


def test_production_serves_its_domains_with_tls_1_2_and_dev_the_cloudfront_domain(prod_after_cut_over, dev):
    prod = prod_after_cut_over  # the names join at the cut-over (docs/runbooks/cut-over.md)
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


def headers_policy(run, purpose):
    return of(run, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", f"cdn-{purpose}-headers")


@pytest.mark.parametrize("stack", STACKS)
def test_every_response_carries_the_security_headers(program, stack):
    run = program(stack)
    inputs = distribution(run).inputs
    behaviours = {b["pathPattern"]: b for b in inputs["orderedCacheBehaviors"]}
    site, media = headers_policy(run, "site"), headers_policy(run, "media")
    for policy in (site, media):
        headers = policy.inputs["securityHeadersConfig"]
        assert headers["strictTransportSecurity"]["accessControlMaxAgeSec"] >= 31_536_000
        assert headers["contentTypeOptions"]["override"] is True
        assert headers["frameOptions"]["frameOption"] == "DENY"
        assert headers["referrerPolicy"]["referrerPolicy"] == "strict-origin-when-cross-origin"
        assert headers["contentSecurityPolicy"]["override"] is True
    assert inputs["defaultCacheBehavior"]["responseHeadersPolicyId"] == site.id
    assert behaviours["/assets/*"]["responseHeadersPolicyId"] == site.id
    assert behaviours["/media/*"]["responseHeadersPolicyId"] == media.id


@pytest.mark.parametrize("stack", STACKS)
def test_media_is_sandboxed_and_anything_but_audio_is_downloaded(program, stack):
    """Uploaded HTML or SVG must never run on the site's origin: CSP sandbox with nothing
    allowed, nosniff (above), and a viewer-response function adding Content-Disposition:
    attachment to whatever is not audio (CloudFront cannot rewrite a content type)."""
    run = program(stack)
    csp = headers_policy(run, "media").inputs["securityHeadersConfig"]["contentSecurityPolicy"]
    assert csp["contentSecurityPolicy"] == "sandbox; default-src 'none'"
    function = of(run, "aws:cloudfront/function:Function", "cdn-media-response")
    assert function.inputs["code"] == MEDIA_RESPONSE_FUNCTION
    assert function.inputs["runtime"] == "cloudfront-js-2.0" and function.inputs["publish"] is True
    behaviours = {b["pathPattern"]: b for b in distribution(run).inputs["orderedCacheBehaviors"]}
    assert behaviours["/media/*"]["functionAssociations"] == [
        {"eventType": "viewer-response", "functionArn": function.outputs["arn"]}]


def test_the_site_csp_allows_its_own_scripts_cognito_appsync_and_the_media_bucket_only(prod_after_cut_over):
    prod = prod_after_cut_over
    csp = headers_policy(prod, "site").inputs["securityHeadersConfig"]["contentSecurityPolicy"]["contentSecurityPolicy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    exports = prod.exports
    api_host = exports["graphqlUrl"].split("/")[2]
    realtime_host = exports["realtimeUrl"].split("/")[2]
    assert directives["script-src"] == ["'self'"]  # no inline script, no other origin
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert set(directives["connect-src"]) >= {
        "'self'", f"https://{api_host}", f"wss://{realtime_host}",
        "https://cognito-idp.eu-west-3.amazonaws.com", "https://cognito-identity.eu-west-3.amazonaws.com",
        "https://saint-esprit-radio-auth.auth.eu-west-3.amazoncognito.com",
        f"https://{exports['mediaBucket']}.s3.eu-west-3.amazonaws.com",
    }
    # Audio URLs name the first domain; a page opened on www. plays them too.
    assert "https://saint-esprit.link" in directives["media-src"]
    # One definition: what the local stack sends for the same config.json.
    [config_object] = [r for r in prod.of_type(OBJECT) if r.inputs["key"] == "config.json"]
    config = json.loads(config_object.inputs["content"])
    assert csp == site_csp(config)


@pytest.mark.parametrize("stack", STACKS)
def test_old_media_versions_expire(program, stack):
    run = program(stack)
    lifecycle = of(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "cdn-media").inputs
    assert lifecycle["bucket"] == of(run, BUCKET, "cdn-media").id
    [rule] = lifecycle["rules"]
    assert rule["status"] == "Enabled" and rule["filter"] == {"prefix": ""}  # the whole bucket
    assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == NONCURRENT_MEDIA_DAYS <= 90
    assert rule["expiration"] == {"expiredObjectDeleteMarker": True}
    assert rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] >= 1


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


def test_the_browser_may_upload_to_media_from_the_site_origins_only(prod_after_cut_over):
    prod = prod_after_cut_over
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
    # The hosted UI block is the auth tier's (tests/unit/test_auth.py); present when set.
    assert ("hostedUi" in config) is bool(run.config.get("saint-esprit:hostedUiDomain"))
    config.pop("hostedUi", None)
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


def media_response(content_type: str | None) -> dict:
    """What the media viewer-response function does to a 200 with this content type."""
    headers = {"content-type": {"value": content_type}} if content_type is not None else {}
    event = {"response": {"statusCode": 200, "headers": headers}}
    script = MEDIA_RESPONSE_FUNCTION + f"\nconsole.log(JSON.stringify(handler({json.dumps(event)}).headers));"
    return json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the CloudFront Function")
@pytest.mark.parametrize("content_type, attachment", [
    ("audio/mpeg", False),
    ("audio/webm;codecs=opus", False),
    ("AUDIO/WAV", False),
    ("text/html", True),
    ("text/html; charset=utf-8", True),
    ("image/svg+xml", True),
    ("application/octet-stream", True),
    ("audio/", True),
    ("audiox/mpeg", True),
    ("", True),
    (None, True),
])
def test_the_media_function_and_the_local_stack_download_everything_but_audio(content_type, attachment):
    headers = media_response(content_type)
    assert ("content-disposition" in headers) is attachment
    if attachment:
        assert headers["content-disposition"] == {"value": "attachment"}
    # The local stack applies the same rule (infra/security_headers.py).
    assert media_headers(content_type).get("Content-Disposition") == ("attachment" if attachment else None)


# --- the station's own app, deployed as it is (its storage script swapped at upload) ----------

STATION_BUNDLE = "assets/station-7QK2M4ZD.js"
# As the station's index.html loads its scripts (docs: the app's boot order): inline config,
# the AWS SDK and lamejs from CDNs, its own classic scripts, the old storage among them.
STATION_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Saint-Esprit</title>
<link rel="stylesheet" href="css/style.css?v=12">
<script>const cognitoConfig = {domain: 'saint-esprit-radio-auth.auth.eu-west-3.amazoncognito.com'};</script>
</head><body>
<button onclick="app.switchView('news')">News</button>
<script src="https://sdk.amazonaws.com/js/aws-sdk-2.1462.0.min.js"></script>
<script src="js/core/cognito-auth.js"></script>
<script src="js/core/storage-dynamodb-v2.js?v=3"></script>
<script src="https://cdnjs.cloudflare.com/ajax/libs/lamejs/1.2.1/lame.min.js"></script>
<script src="v3-app-1763468887.js"></script>
</body></html>
"""


@pytest.fixture(scope="module")
def station_app(tmp_path_factory):
    """The prod stack publishing the station's app folder (setting appDir)."""
    dist = make_site_dir(tmp_path_factory.mktemp("dist-with-station-bundle"))
    (dist / STATION_BUNDLE).write_text("window.StorageDynamoDB = window.Storage = class {};")
    (dist / "assets.json").write_text(json.dumps({"newsroom": "assets/app-3f2a9c1d.js", "station": STATION_BUNDLE}))
    app = tmp_path_factory.mktemp("station-app")
    for key, text in {"index.html": STATION_PAGE, "logout.html": "<p>Au revoir</p>",
                      "css/style.css": "body{}", "v3-app-1763468887.js": "window.app = {};",
                      "js/core/cognito-auth.js": "window.cognitoAuth = {};",
                      "js/core/storage-dynamodb-v2.js": "window.StorageDynamoDB = class {};",
                      ".env": "SECRET=not-for-the-site"}.items():
        (app / key).parent.mkdir(parents=True, exist_ok=True)
        (app / key).write_text(text)
    return evaluate_program("prod", test_config("prod", dist, appDir=str(app))), app, dist


def test_the_station_app_is_uploaded_with_its_storage_tag_swapped_and_the_cache_rules(station_app):
    run, app, dist = station_app
    site_bucket = of(run, BUCKET, "cdn-site").id
    objects = {r.inputs["key"]: r.inputs for r in run.of_type(OBJECT)}
    assert set(objects) == {"index.html", "logout.html", "css/style.css", "v3-app-1763468887.js",
                            "js/core/cognito-auth.js", "js/core/storage-dynamodb-v2.js",
                            "assets/app-3f2a9c1d.js", STATION_BUNDLE, "config.json"}  # no dot-files
    assert all(o["bucket"] == site_bucket for o in objects.values())
    index = objects["index.html"]
    assert index["content"] == swap_storage_tag(STATION_PAGE, f"/{STATION_BUNDLE}")
    assert f'<script src="/{STATION_BUNDLE}"></script>' in index["content"]
    assert "storage-dynamodb-v2.js" not in index["content"] and "onclick=\"app.switchView('news')\"" in index["content"]
    assert (index["contentType"], index["cacheControl"]) == ("text/html; charset=utf-8", "no-cache")
    assert objects["logout.html"]["cacheControl"] == "no-cache"
    # The app's own files are not content-hashed: the short edge TTL; the bundle is hashed.
    for key in ("css/style.css", "v3-app-1763468887.js", "js/core/cognito-auth.js"):
        assert objects[key]["cacheControl"] == "public, max-age=300", key
        assert objects[key]["source"].path == str(app / key)
    assert objects["v3-app-1763468887.js"]["contentType"].startswith("text/javascript")
    assert objects["css/style.css"]["contentType"] == "text/css; charset=utf-8"
    assert objects[STATION_BUNDLE]["cacheControl"] == "public, max-age=31536000, immutable"
    assert objects[STATION_BUNDLE]["source"].path == str(dist / STATION_BUNDLE)
    assert json.loads(objects["config.json"]["content"])["graphqlUrl"] == run.exports["graphqlUrl"]


def test_serving_the_station_app_lets_its_page_load_what_it_loads_and_nothing_more(station_app):
    run, _, _ = station_app
    csp = headers_policy(run, "site").inputs["securityHeadersConfig"]["contentSecurityPolicy"]["contentSecurityPolicy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    # Inline <script> blocks and onclick="app.…" handlers: only 'unsafe-inline' allows them
    # without changing the app (infra/security_headers.py).
    assert directives["script-src"] == ["'self'", "'unsafe-inline'", "https://cdnjs.cloudflare.com",
                                        "https://sdk.amazonaws.com"]
    assert "https://saint-esprit-radio-auth.auth.eu-west-3.amazoncognito.com" in directives["connect-src"]
    assert directives["object-src"] == ["'none'"]


def test_an_app_folder_without_index_html_stops_the_program_naming_the_setting(tmp_path, site_dir):
    with pytest.raises(SettingsError, match="appDir"):
        evaluate_program("dev", test_config("dev", site_dir, appDir=str(tmp_path)))


def test_an_app_whose_page_has_no_storage_tag_stops_the_program(tmp_path, station_app):
    _, _, dist = station_app
    (tmp_path / "index.html").write_text("<!doctype html><script src='js/app.js'></script>")
    with pytest.raises(SettingsError, match="appDir.*storage-dynamodb-v2.js"):
        evaluate_program("dev", test_config("dev", dist, appDir=str(tmp_path)))


# --- the local stack sends the same headers (devstack/web.py, one definition) ------------------

LOCAL_CONFIG = {"region": "eu-west-3", "graphqlUrl": "https://127.0.0.1:8443/graphql",
                "realtimeUrl": "wss://127.0.0.1:8443/graphql/realtime", "mediaBucket": "saint-esprit-local-media",
                "mediaBaseUrl": "https://127.0.0.1:8443/media", "hostedUi": {"domain": "127.0.0.1:8443"},
                "endpoints": {"s3": "https://127.0.0.1:8443/aws"}}


def local_get(site, path: str) -> tuple[int, dict[str, str]]:
    """One GET through the local stack's ASGI app: status and headers (lower-cased names)."""
    sent, asked = [], []

    async def receive():  # the request, then (as a browser does) a disconnect once answered
        if not asked:
            asked.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        while not (sent and sent[-1]["type"] == "http.response.body" and not sent[-1].get("more_body")):
            await anyio.sleep(0.01)
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [], "http_version": "1.1", "scheme": "https", "root_path": "",
             "server": ("127.0.0.1", 8443), "client": ("127.0.0.1", 50000)}
    # In a thread of its own: an event loop run here would leave none for the Pulumi mocks.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(anyio.run, site.app(), scope, receive, send).result()
    return sent[0]["status"], {k.decode(): v.decode() for k, v in sent[0]["headers"]}


def local_site(frontend_dir, app_dir=None, media=None):
    # Only static files and media are asked for: the API parts are never called.
    return Site(frontend_dir=frontend_dir, config=lambda: LOCAL_CONFIG, gateway=None,
                realtime=SimpleNamespace(endpoint=None),
                authenticate=None, moto_endpoint="http://127.0.0.1:5000", media=media or (lambda key: None),
                app_dir=app_dir)


@pytest.mark.parametrize("stored_type, attachment", [
    ("audio/mpeg", False), ("text/html", True), ("image/svg+xml", True), ("", True)])
def test_the_local_stack_serves_media_with_the_cdn_media_headers(site_dir, stored_type, attachment):
    site = local_site(site_dir, media=lambda key: (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
                                                   stored_type))
    status, headers = local_get(site, "/media/audio/volunteer/upload.bin")
    assert status == 200
    assert headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers.get("content-disposition") == ("attachment" if attachment else None)


def test_the_local_stack_serves_the_site_with_the_cdn_site_csp(site_dir, station_app):
    for path in ("/", "/journal/2025-11-18", "/assets/app-3f2a9c1d.js", "/config.json"):
        status, headers = local_get(local_site(site_dir), path)
        assert status == 200 and headers["content-security-policy"] == site_csp(LOCAL_CONFIG), path
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    _, app, dist = station_app
    status, headers = local_get(local_site(dist, app_dir=app), "/")
    page = swap_storage_tag(STATION_PAGE, f"/{STATION_BUNDLE}")
    assert status == 200 and headers["content-security-policy"] == site_csp(LOCAL_CONFIG, page)
    assert "'unsafe-inline'" in headers["content-security-policy"]
    # The app posts to the hosted UI its inline settings name (locally mapped to the stack).
    assert "https://saint-esprit-radio-auth.auth.eu-west-3.amazoncognito.com" in headers["content-security-policy"]


def test_a_station_page_loading_from_too_many_places_stops_the_deploy_naming_cloudfronts_limit():
    """CloudFront refuses a CSP over 1,783 characters: the program says so instead of AWS."""
    page = "".join(f'<script src="https://cdn{n}.example.org/lib.js"></script>' for n in range(80))
    assert len(page_origins(page)["scripts"]) == 80
    with pytest.raises(ValueError, match="1783"):
        site_csp(LOCAL_CONFIG, page)
