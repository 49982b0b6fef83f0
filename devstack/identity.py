"""Who is calling the local gateway, checked the way AppSync checks it.

Two authorization modes, as in `infra/schema.graphql`: a Cognito user pool token (ID or access
token: Amplify sends the access token) in `Authorization`, verified against the pool's JWKS
(signature, expiry, issuer, token use, one of the accepted app clients); or a SigV4 signature
(IAM, service `appsync`) made with the stack's local credentials, which only the back-end
publisher holds.
"""
from __future__ import annotations

import datetime
import hmac
import json
import re
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import jwt
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

USER_POOL = "AMAZON_COGNITO_USER_POOLS"
IAM = "AWS_IAM"
# How far a SigV4 signing time may be from now (AppSync: 5 minutes).
SIGV4_CLOCK_SKEW = datetime.timedelta(minutes=5)
_SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]+)"
)


class Unauthenticated(Exception):
    """The caller could not be identified: AppSync answers 401 UnauthorizedException."""


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: its mode and the `identity` AppSync hands resolvers."""

    mode: str  # USER_POOL or IAM
    identity: dict[str, Any] = field(default_factory=dict)


class UserPoolVerifier:
    """Verifies Cognito tokens of one user pool, issued to one of the accepted app clients
    (the platform's, and the station app's own client of an adopted pool; keys fetched once)."""

    def __init__(self, jwks_url: str, issuer: str, client_ids: Iterable[str]):
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.client_ids = frozenset(client_ids)
        self._keys: dict[str, Any] | None = None

    def keys(self) -> dict[str, Any]:
        """The pool's public keys by `kid` (fetched from the JWKS URL once)."""
        if self._keys is None:
            with urllib.request.urlopen(self.jwks_url, timeout=10) as response:
                document = json.load(response)
            self._keys = {
                key.get("kid"): jwt.PyJWK.from_dict(key).key for key in document["keys"]
            }
        return self._keys

    def _key(self, kid: str | None):
        try:
            return self.keys()[kid]
        except KeyError:
            raise Unauthenticated("Token was not signed by the user pool.") from None

    def claims(self, token: str) -> dict[str, Any]:
        """The token's claims if it is a valid ID or access token of this pool, issued to an
        accepted client."""
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(
                token,
                self._key(header.get("kid")),
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"verify_aud": False, "require": ["exp", "iss", "sub", "token_use"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("Token has expired.") from None
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"Valid authorization header not provided. ({error})") from None
        token_use = claims.get("token_use")
        # An ID token names its client in `aud`, an access token in `client_id`.
        client = claims.get("aud") if token_use == "id" else claims.get("client_id")
        if token_use not in ("id", "access"):
            raise Unauthenticated("Token is neither an ID nor an access token.")
        if client not in self.client_ids:
            raise Unauthenticated("Token was issued to another app client.")
        return claims

    def caller(self, token: str, source_ip: str) -> Caller:
        claims = self.claims(token)
        groups = claims.get("cognito:groups") or []
        return Caller(
            USER_POOL,
            {
                "sub": claims["sub"],
                "issuer": claims["iss"],
                "username": claims.get("cognito:username") or claims.get("username"),
                "claims": claims,
                "sourceIp": [source_ip],
                "defaultAuthStrategy": "ALLOW",
                "groups": list(groups),
            },
        )


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str


@dataclass(frozen=True)
class HttpRequest:
    """What authentication reads from an HTTP request (headers lower-cased)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    source_ip: str


def verify_sigv4(credentials: Credentials, request: HttpRequest,
                 now: datetime.datetime | None = None) -> Caller:
    """Check a SigV4 `Authorization` header (service `appsync`) against the local credentials:
    recompute the signature over the signed headers and the body, as AWS does."""
    headers = request.headers
    match = _SIGV4.fullmatch(headers.get("authorization", "").strip())
    if not match:
        raise Unauthenticated("Valid authorization header not provided.")
    access_key, date, region, service, terminator = match["credential"].split("/")
    if access_key != credentials.access_key or service != "appsync" or terminator != "aws4_request":
        raise Unauthenticated("The security token included in the request is invalid.")
    amz_date = headers.get("x-amz-date", "")
    try:
        signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc
        )
    except ValueError:
        raise Unauthenticated("Missing or malformed X-Amz-Date.") from None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if abs(now - signed_at) > SIGV4_CLOCK_SKEW or not amz_date.startswith(date):
        raise Unauthenticated("Signature expired.")
    signed_headers = match["signed"].split(";")
    if "host" not in signed_headers:
        raise Unauthenticated("The host header must be signed.")
    # botocore recomputes the signature over exactly the headers the client signed.
    query = f"?{request.query}" if request.query else ""
    signed = AWSRequest(
        method=request.method, url=f"https://{headers.get('host', '')}{request.path}{query}",
        data=request.body, headers={name: headers.get(name, "") for name in signed_headers},
    )
    signed.context["timestamp"] = amz_date
    signer = SigV4Auth(BotoCredentials(credentials.access_key, credentials.secret_key), service, region)
    expected = signer.signature(signer.string_to_sign(signed, signer.canonical_request(signed)), signed)
    if not hmac.compare_digest(expected, match["signature"]):
        raise Unauthenticated(
            "The request signature we calculated does not match the signature you provided."
        )
    return Caller(
        IAM,
        {
            "accountId": "000000000000",
            "sourceIp": [request.source_ip],
            "username": access_key,
            "userArn": f"arn:aws:iam::000000000000:user/{access_key}",
            "cognitoIdentityPoolId": None,
            "cognitoIdentityId": None,
            "cognitoIdentityAuthType": None,
            "cognitoIdentityAuthProvider": None,
        },
    )


def authenticate(user_pool: UserPoolVerifier, credentials: Credentials,
                 request: HttpRequest) -> Caller:
    """The caller behind a request: SigV4 when the Authorization header is a signature, else a
    user pool token."""
    authorization = request.headers.get("authorization", "").strip()
    if not authorization:
        raise Unauthenticated("Valid authorization header not provided.")
    if authorization.startswith("AWS4-HMAC-SHA256"):
        return verify_sigv4(credentials, request)
    return user_pool.caller(authorization, request.source_ip)
