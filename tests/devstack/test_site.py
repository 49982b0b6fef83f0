"""The stack's HTTPS origin besides GraphQL: the frontend with the CDN's cache headers,
`config.json`, media served from the bucket (404 stays 404), and the `/aws` proxy the page uses
for Cognito, Cognito Identity and S3."""
from __future__ import annotations

import asyncio
import json

import boto3
import requests
from botocore.config import Config
from starlette.requests import Request

from devstack.web import PLACEHOLDER, Site

CONFIG_KEYS = {
    "region", "graphqlUrl", "realtimeUrl", "userPoolId", "userPoolClientId", "identityPoolId",
    "mediaBucket", "mediaBaseUrl", "authFlow", "endpoints", "hostedUi",
}


def get(stack, path: str) -> requests.Response:
    return requests.get(stack.url + path, verify=str(stack.ca_path), timeout=10)


def test_config_json_points_at_the_stack_itself(stack):
    response = get(stack, "/config.json")
    assert response.headers["cache-control"] == "no-cache"
    config = response.json()
    assert set(config) == CONFIG_KEYS
    assert config["graphqlUrl"] == f"{stack.url}/graphql"
    assert config["realtimeUrl"] == f"wss://127.0.0.1:{stack.port}/graphql/realtime"
    assert config["mediaBaseUrl"] == f"{stack.url}/media"
    assert config["authFlow"] == "USER_PASSWORD_AUTH"
    assert config["endpoints"] == {name: f"{stack.url}/aws"
                                   for name in ("cognitoIdp", "cognitoIdentity", "s3")}
    written = (stack.state_dir / "config.json").read_text()
    assert response.json() == json.loads(written)


def test_frontend_files_carry_the_cdn_cache_headers(stack):
    index = get(stack, "/")
    assert index.status_code == 200 and "Newsroom fixture" in index.text
    assert index.headers["cache-control"] == "no-cache"
    asset = get(stack, "/assets/app-1a2b3c4d.js")
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in asset.headers["content-type"]


def test_page_paths_get_the_app_but_missing_files_stay_404(stack, tmp_path):
    assert "Newsroom fixture" in get(stack, "/journal/2025-11-18").text
    assert get(stack, "/assets/gone-0000.js").status_code == 404
    secret = stack.frontend_dir.parent / "secret.txt"
    leak = get(stack, "/..%2fsecret.txt")
    assert secret.read_text() not in leak.text


def test_missing_media_is_404_never_the_page(stack):
    response = get(stack, "/media/missing.mp3")
    assert response.status_code == 404
    assert "<html" not in response.text.lower()


def test_audio_uploaded_through_the_proxy_is_served_under_media(stack):
    s3 = boto3.client("s3", endpoint_url=f"{stack.url}/aws", region_name=stack.region,
                      verify=str(stack.ca_path), config=Config(s3={"addressing_style": "path"}))
    key = "media/audio/eu-west-3:identity/news-1-abc.mp3"
    s3.put_object(Bucket=stack.config["mediaBucket"], Key=key, Body=b"ID3 fake mp3",
                  ContentType="audio/mpeg")
    response = get(stack, "/media/audio/eu-west-3:identity/news-1-abc.mp3")
    assert response.status_code == 200
    assert response.content == b"ID3 fake mp3"
    assert response.headers["content-type"] == "audio/mpeg"


def test_sign_in_and_identity_credentials_through_the_proxy(stack):
    """What Amplify does against `endpoints`: InitiateAuth, then GetId and
    GetCredentialsForIdentity with the ID token."""
    aws = {"endpoint_url": f"{stack.url}/aws", "region_name": stack.region,
           "verify": str(stack.ca_path)}
    password = next(u["password"] for u in stack.users if u["username"] == "volunteer")
    tokens = boto3.client("cognito-idp", **aws).initiate_auth(
        ClientId=stack.config["userPoolClientId"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "volunteer", "PASSWORD": password},
    )["AuthenticationResult"]
    logins = {f"cognito-idp.{stack.region}.amazonaws.com/{stack.config['userPoolId']}":
              tokens["IdToken"]}
    identity = boto3.client("cognito-identity", **aws)
    identity_id = identity.get_id(IdentityPoolId=stack.config["identityPoolId"],
                                  Logins=logins)["IdentityId"]
    credentials = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
    assert credentials["Credentials"]["AccessKeyId"]


def test_placeholder_page_until_the_frontend_is_built(tmp_path):
    site = Site(frontend_dir=tmp_path / "dist", config=dict, gateway=None, realtime=None,
                authenticate=None, moto_endpoint="http://127.0.0.1:1", media=lambda key: None)
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": [],
                       "path_params": {"path": ""}})
    response = asyncio.run(site.frontend(request))
    assert response.body.decode() == PLACEHOLDER
    assert "make frontend" in PLACEHOLDER


def test_cognito_calls_posted_to_the_bare_endpoint_reach_moto(stack):
    """Amplify posts to `userPoolEndpoint` exactly as configured (`.../aws`, no slash)."""
    password = next(u["password"] for u in stack.users if u["username"] == "admin")
    response = requests.post(
        f"{stack.url}/aws",
        headers={"X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
                 "Content-Type": "application/x-amz-json-1.1"},
        data=json.dumps({"AuthFlow": "USER_PASSWORD_AUTH",
                         "ClientId": stack.config["userPoolClientId"],
                         "AuthParameters": {"USERNAME": "admin", "PASSWORD": password}}),
        verify=str(stack.ca_path), timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["AuthenticationResult"]["AccessToken"]
