"""`POST /graphql` as AppSync answers it: Cognito tokens verified against the pool's JWKS,
SigV4 for the back end, the schema's auth directives, the resolver's errors in AppSync's shape."""
from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import jwt
import moto
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives.asymmetric import rsa

from newsroom_calls import LIST_NEWS, PUBLISH, UPDATE_NEWS


def _moto_signing_key():
    """The key moto signs its Cognito tokens with (to mint tokens it would have issued)."""
    path = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-private.json.gz"
    return jwt.algorithms.RSAAlgorithm.from_jwk(gzip.decompress(path.read_bytes()).decode())


def _claims(stack, **changes):
    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.{stack.region}.amazonaws.com/{stack.config['userPoolId']}",
        "sub": stack.subs["journalist"], "client_id": stack.config["userPoolClientId"],
        "token_use": "access", "username": "journalist", "cognito:groups": ["journalists"],
        "iat": now - 60, "exp": now + 3600,
    }
    claims.update(changes)
    return claims


def _mint(claims, key=None) -> str:
    return jwt.encode(claims, key or _moto_signing_key(), algorithm="RS256",
                      headers={"kid": "dummy"})


def _signed(stack, body: bytes, secret: str = "testing") -> dict[str, str]:
    request = AWSRequest(method="POST", url=stack.graphql_url, data=body,
                         headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials("testing", secret, "testing"), "appsync", stack.region).add_auth(request)
    return dict(request.headers)


def test_access_and_id_tokens_from_cognito_are_accepted(call, token):
    for kind in ("AccessToken", "IdToken"):
        status, body = call(LIST_NEWS, raw_token=token("journalist", kind))
        assert status == 200 and "errors" not in body, body
        assert isinstance(body["data"]["listNews"]["items"], list)


@pytest.mark.parametrize(
    "bad_token",
    [
        pytest.param(lambda stack: "", id="missing"),
        pytest.param(lambda stack: "not-a-jwt", id="garbage"),
        pytest.param(lambda stack: _mint(_claims(stack, exp=int(time.time()) - 10)), id="expired"),
        pytest.param(lambda stack: _mint(_claims(stack), rsa.generate_private_key(65537, 2048)),
                     id="foreign-key"),
        pytest.param(lambda stack: _mint(_claims(stack, iss="https://cognito-idp.eu-west-3"
                     ".amazonaws.com/eu-west-3_other")), id="other-pool"),
        pytest.param(lambda stack: _mint(_claims(stack, client_id="another-client")),
                     id="other-client"),
        pytest.param(lambda stack: _mint(_claims(stack, token_use="refresh")), id="wrong-use"),
    ],
)
def test_bad_tokens_are_refused_with_401(stack, call, bad_token):
    status, body = call(LIST_NEWS, raw_token=bad_token(stack))
    assert status == 401
    assert body["errors"][0]["errorType"] == "UnauthorizedException"
    assert "data" not in body


def test_expired_token_says_so(stack, call):
    status, body = call(LIST_NEWS, raw_token=_mint(_claims(stack, exp=int(time.time()) - 10)))
    assert status == 401 and body["errors"][0]["message"] == "Token has expired."


def test_a_token_moto_would_issue_is_accepted(stack, call):
    """The negative cases above fail for their one changed claim, not for the minting."""
    status, body = call(LIST_NEWS, raw_token=_mint(_claims(stack)))
    assert status == 200 and "errors" not in body, body


def test_publish_is_refused_to_signed_in_users(call):
    change = {"entity": "news", "op": "CREATE", "id": "news-x", "changedAt": 1.0}
    status, body = call(PUBLISH, {"change": change})
    assert status == 200
    assert body["data"] == {"publish": None}
    error = body["errors"][0]
    assert error["errorType"] == "Unauthorized"
    assert error["path"] == ["publish"]
    assert error["message"] == "Not Authorized to access publish on type Mutation"


def test_publish_is_accepted_with_sigv4_and_returns_the_change(stack):
    change = {"entity": "news", "op": "UPDATE", "id": "news-x", "version": 3,
              "item": json.dumps({"id": "news-x"}), "changedBy": "u-1", "changedAt": 5.0}
    body = json.dumps({"query": PUBLISH, "variables": {"change": change}}).encode()
    response = requests.post(stack.graphql_url, data=body, headers=_signed(stack, body),
                             verify=str(stack.ca_path))
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"publish": change}}


def test_sigv4_with_a_wrong_secret_or_a_changed_body_is_refused(stack):
    body = json.dumps({"query": PUBLISH, "variables": {"change": {
        "entity": "news", "op": "CREATE", "id": "n", "changedAt": 1.0}}}).encode()
    wrong_secret = requests.post(stack.graphql_url, data=body,
                                 headers=_signed(stack, body, secret="guessed"),
                                 verify=str(stack.ca_path))
    tampered = requests.post(stack.graphql_url, data=body.replace(b'"n"', b'"m"'),
                             headers=_signed(stack, body), verify=str(stack.ca_path))
    assert wrong_secret.status_code == 401 and tampered.status_code == 401
    assert tampered.json()["errors"][0]["errorType"] == "UnauthorizedException"


def test_iam_callers_reach_only_iam_fields(stack):
    body = json.dumps({"query": LIST_NEWS}).encode()
    response = requests.post(stack.graphql_url, data=body, headers=_signed(stack, body),
                             verify=str(stack.ca_path))
    assert response.status_code == 200
    assert response.json()["errors"][0]["errorType"] == "Unauthorized"
    assert response.json()["data"] is None


def test_stale_update_is_a_conflict_carrying_the_current_item(call, create_news):
    news = create_news("Conflit")
    first = call(UPDATE_NEWS, {"input": {"id": news["id"], "expectedVersion": 1,
                                         "data": json.dumps({"title": "Mine"})}})[1]
    assert first["data"]["updateNews"]["version"] == 2, first
    status, second = call(UPDATE_NEWS, {"input": {"id": news["id"], "expectedVersion": 1,
                                                  "data": json.dumps({"title": "Theirs"})}},
                          user="journalist2")
    assert status == 200 and second["data"] == {"updateNews": None}
    error = second["errors"][0]
    assert error["errorType"] == "ConflictError"
    assert error["errorInfo"]["current"]["version"] == 2
    assert error["errorInfo"]["current"]["title"] == "Mine"
    assert error["path"] == ["updateNews"] and error["locations"][0]["line"] == 2


def test_volunteer_cannot_edit_a_journalists_news(call, create_news):
    news = create_news("Rédaction")
    status, body = call(UPDATE_NEWS, {"input": {"id": news["id"], "expectedVersion": 1,
                                                "data": json.dumps({"title": "Vandalisme"})}},
                        user="volunteer")
    assert body["errors"][0]["errorType"] == "Unauthorized"
    assert call("query($id: ID!) { getNews(id: $id) { title } }", {"id": news["id"]})[1][
        "data"]["getNews"]["title"] == "Rédaction"


def test_invalid_documents_and_bodies_are_refused(stack, call, token):
    status, body = call("{ listNews { items { nope } } }")
    assert status == 200 and body["data"] is None
    assert "nope" in body["errors"][0]["message"]
    response = requests.post(stack.graphql_url, data=b"not json",
                             headers={"Authorization": token("journalist")},
                             verify=str(stack.ca_path))
    assert response.status_code == 400
