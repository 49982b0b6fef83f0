"""The local Hosted UI: an app using Cognito's authorization-code flow (the station's app) signs
in against the local stack, whatever client id it sends, and gets tokens the gateway accepts;
codes are single-use, short-lived, bound to their redirect_uri and PKCE verifier; redirects
never leave the stack's origin; the token and userInfo endpoints answer CORS."""
from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests

from newsroom_calls import LIST_NEWS

from devstack.provision import generate_password

# Production's client id is written in the station's app: the local stack must not care.
FOREIGN_CLIENT = "5tationapp0client0id0from0prod"
APP_ORIGIN = "https://app.example"  # where a page calling the endpoints cross-origin lives


class _Form(HTMLParser):
    """The sign-in page's form: its action and the names of its inputs."""

    def __init__(self):
        super().__init__()
        self.action, self.inputs = None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        elif tag == "input":
            self.inputs.append(attrs.get("name"))


def _form(page: str) -> _Form:
    form = _Form()
    form.feed(page)
    return form


@pytest.fixture
def browser(stack):
    """A requests session trusting the stack's CA, following no redirect by itself."""
    with requests.Session() as session:
        session.verify = str(stack.ca_path)
        session.trust_env = False  # REQUESTS_CA_BUNDLE would override `verify`
        yield session


def _password(stack, username: str) -> str:
    return next(u["password"] for u in stack.users if u["username"] == username)


def _authorize_params(stack, **changes) -> dict[str, str]:
    params = {"client_id": FOREIGN_CLIENT, "response_type": "code",
              "scope": "email openid profile", "redirect_uri": f"{stack.url}/",
              "state": "s-42"}
    params.update(changes)
    return {name: value for name, value in params.items() if value is not None}


def _sign_in(stack, browser, username="journalist", password=None, **changes):
    """The app's redirect to /oauth2/authorize, then the form filled and posted: the response
    to the POST (a 302 to redirect_uri with the code, or the page again)."""
    authorize = browser.get(f"{stack.url}/oauth2/authorize",
                            params=_authorize_params(stack, **changes), allow_redirects=False)
    assert authorize.status_code == 302, authorize.text
    page = browser.get(stack.url + authorize.headers["location"], allow_redirects=False)
    assert page.status_code == 200, page.text
    form = _form(page.text)
    assert {"username", "password"} <= set(form.inputs)
    return browser.post(stack.url + form.action, allow_redirects=False, data={
        "username": username,
        "password": _password(stack, username) if password is None else password,
    })


def _code(stack, browser, **changes) -> str:
    signed_in = _sign_in(stack, browser, **changes)
    assert signed_in.status_code == 302, signed_in.text
    location = urlsplit(signed_in.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == \
        changes.get("redirect_uri", f"{stack.url}/")
    query = parse_qs(location.query)
    assert query["state"] == ["s-42"]
    return query["code"][0]


def _token(stack, browser, headers=None, **form) -> requests.Response:
    return browser.post(f"{stack.url}/oauth2/token", data=form, headers=headers or {})


def _exchange(stack, browser, code, **changes) -> requests.Response:
    form = {"grant_type": "authorization_code", "client_id": FOREIGN_CLIENT, "code": code,
            "redirect_uri": f"{stack.url}/"}
    form.update(changes)
    return _token(stack, browser, **{k: v for k, v in form.items() if v is not None})


def _graphql(stack, token: str) -> requests.Response:
    return requests.post(stack.graphql_url, json={"query": LIST_NEWS},
                         headers={"Authorization": token}, verify=str(stack.ca_path))


def test_config_names_the_stack_as_hosted_ui_domain(stack):
    assert stack.config["hostedUi"] == {
        "domain": f"127.0.0.1:{stack.port}",
        "scopes": ["email", "openid", "profile"],
        "redirectSignIn": [f"{stack.url}/"],
        "redirectSignOut": [f"{stack.url}/logout.html"],
        "clientIds": [stack.config["userPoolClientId"]],
    }


def test_code_flow_with_a_foreign_client_id_gives_tokens_the_gateway_accepts(stack, browser):
    code = _code(stack, browser, username="journalist2")
    response = _exchange(stack, browser, code)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert set(tokens) == {"id_token", "access_token", "refresh_token", "expires_in",
                           "token_type"}
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] > 0
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["aud"] == stack.config["userPoolClientId"]  # the local pool's platform client
    assert claims["cognito:username"] == "journalist2"

    info = browser.get(f"{stack.url}/oauth2/userInfo",
                       headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.status_code == 200, info.text
    user = info.json()
    assert user["sub"] == stack.subs["journalist2"]
    assert user["username"] == "journalist2"
    assert user["email"] == "journalist2@saint-esprit.local"
    assert user["email_verified"] == "true"  # a string, as Cognito answers
    assert user["name"] == "Journaliste Deux"

    for token in (tokens["access_token"], tokens["id_token"]):
        answer = _graphql(stack, token)
        assert answer.status_code == 200 and "errors" not in answer.json(), answer.text


def test_refresh_grant_gives_new_tokens_without_a_refresh_token(stack, browser):
    refresh_token = _exchange(stack, browser, _code(stack, browser)).json()["refresh_token"]
    response = _token(stack, browser, grant_type="refresh_token", client_id=FOREIGN_CLIENT,
                      refresh_token=refresh_token)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert set(tokens) == {"id_token", "access_token", "expires_in", "token_type"}
    assert _graphql(stack, tokens["access_token"]).status_code == 200

    forged = _token(stack, browser, grant_type="refresh_token", client_id=FOREIGN_CLIENT,
                    refresh_token="not-a-refresh-token")
    assert forged.status_code == 400 and forged.json()["error"] == "invalid_grant"


def test_wrong_password_shows_the_form_again_with_an_error(stack, browser):
    for password in ("Wrong-password-1!", ""):
        response = _sign_in(stack, browser, password=password)
        assert response.status_code == 400
        assert "location" not in response.headers
        assert "incorrect" in response.text
        assert {"username", "password"} <= set(_form(response.text).inputs)
    unknown = _sign_in(stack, browser, username="nobody", password=generate_password())
    assert unknown.status_code == 400


def test_a_code_is_used_once(stack, browser):
    code = _code(stack, browser)
    assert _exchange(stack, browser, code).status_code == 200
    again = _exchange(stack, browser, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert _exchange(stack, browser, "made-up-code").json()["error"] == "invalid_grant"


def test_a_code_expires_after_five_minutes(stack, browser, monkeypatch):
    code = _code(stack, browser)
    now = stack.hosted_ui.clock()
    monkeypatch.setattr(stack.hosted_ui, "clock", lambda: now + 301)
    response = _exchange(stack, browser, code)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_a_code_answers_only_its_own_redirect_uri_and_client(stack, browser):
    code = _code(stack, browser)
    moved = _exchange(stack, browser, code, redirect_uri=f"{stack.url}/autre/")
    assert moved.status_code == 400 and moved.json()["error"] == "invalid_grant"
    assert _exchange(stack, browser, code).json()["error"] == "invalid_grant"  # spent anyway
    other_client = _exchange(stack, browser, _code(stack, browser), client_id="another-client")
    assert other_client.json()["error"] == "invalid_grant"


def test_pkce_verifier_must_match_the_challenge(stack, browser):
    verifier = "a-long-random-code-verifier-0123456789-abcdefghijklmnop"
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}
    wrong = _exchange(stack, browser, _code(stack, browser, **pkce), code_verifier="guessed")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    missing = _exchange(stack, browser, _code(stack, browser, **pkce))
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"
    right = _exchange(stack, browser, _code(stack, browser, **pkce), code_verifier=verifier)
    assert right.status_code == 200, right.text


def test_malformed_token_requests_get_oauth_errors(stack, browser):
    cases = [
        ({"client_id": FOREIGN_CLIENT, "code": "x"}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "x"}, "invalid_request"),
        ({"grant_type": "authorization_code", "client_id": FOREIGN_CLIENT}, "invalid_request"),
        ({"grant_type": "password", "client_id": FOREIGN_CLIENT}, "unsupported_grant_type"),
        ({"grant_type": "refresh_token", "client_id": FOREIGN_CLIENT}, "invalid_request"),
    ]
    for form, error in cases:
        response = _token(stack, browser, **form)
        assert (response.status_code, response.json()["error"]) == (400, error), form
    garbage = browser.post(f"{stack.url}/oauth2/token", data=b"\xff\xfe%%%=&&=",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert garbage.status_code == 400


def test_token_and_user_info_answer_cors_for_the_calling_origin(stack, browser):
    preflight = browser.options(f"{stack.url}/oauth2/token", headers={
        "Origin": APP_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()

    tokens = _exchange(stack, browser, _code(stack, browser)).json()
    exchanged = _token(stack, browser, {"Origin": APP_ORIGIN}, grant_type="refresh_token",
                       client_id=FOREIGN_CLIENT, refresh_token=tokens["refresh_token"])
    assert exchanged.headers["access-control-allow-origin"] == APP_ORIGIN
    refused = _token(stack, browser, {"Origin": APP_ORIGIN}, grant_type="refresh_token",
                     client_id=FOREIGN_CLIENT, refresh_token="nope")
    assert refused.headers["access-control-allow-origin"] == APP_ORIGIN  # errors readable too

    preflight = browser.options(f"{stack.url}/oauth2/userInfo", headers={
        "Origin": APP_ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    info = browser.get(f"{stack.url}/oauth2/userInfo", headers={
        "Origin": APP_ORIGIN, "Authorization": f"Bearer {tokens['access_token']}"})
    assert info.status_code == 200
    assert info.headers["access-control-allow-origin"] == APP_ORIGIN


def test_user_info_wants_a_valid_access_token(stack, browser, token):
    id_token, access_token = token("journalist", "IdToken"), token("journalist")
    for authorization in (None, "Bearer", "Bearer not-a-jwt", f"Bearer {id_token}",
                          access_token):  # an ID token, or the scheme missing
        headers = {"Authorization": authorization} if authorization else {}
        response = browser.get(f"{stack.url}/oauth2/userInfo", headers=headers)
        assert response.status_code == 401, authorization
        assert response.json()["error"] == "invalid_token"
    good = browser.get(f"{stack.url}/oauth2/userInfo",
                       headers={"Authorization": f"Bearer {access_token}"})
    assert good.status_code == 200 and good.json()["username"] == "journalist"


def test_user_info_refuses_tokens_of_a_client_the_platform_does_not_accept(stack, browser):
    """Another app client of the same pool: Cognito (moto) knows its tokens, the platform
    does not accept them, so neither does its Hosted UI."""
    idp = stack.client("cognito-idp")
    other = idp.create_user_pool_client(
        UserPoolId=stack.config["userPoolId"], ClientName="not-accepted",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    foreign = idp.initiate_auth(ClientId=other, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "volunteer", "PASSWORD": _password(stack, "volunteer")})
    response = browser.get(f"{stack.url}/oauth2/userInfo", headers={
        "Authorization": f"Bearer {foreign['AuthenticationResult']['AccessToken']}"})
    assert response.status_code == 401
    assert "another app client" in response.json()["error_description"]


def test_logout_goes_back_to_the_app_or_to_the_sign_in_page(stack, browser):
    back = browser.get(f"{stack.url}/logout", allow_redirects=False, params={
        "client_id": FOREIGN_CLIENT, "logout_uri": f"{stack.url}/logout.html"})
    assert back.status_code == 302 and back.headers["location"] == f"{stack.url}/logout.html"
    login = browser.get(f"{stack.url}/logout", allow_redirects=False,
                        params={"client_id": FOREIGN_CLIENT})
    assert login.status_code == 302 and login.headers["location"].startswith("/login")


@pytest.mark.parametrize("elsewhere", [
    "https://evil.example/",
    "http://127.0.0.1:{port}/",  # the right host, not the stack's scheme
    "https://127.0.0.1:{port}@evil.example/",
    "https://127.0.0.1:{port}\\@evil.example/",
    "//evil.example/",
    "/relative",
    "javascript:alert(1)",
    "https://127.0.0.1:{port}/\r\nSet-Cookie: session=stolen",  # never a header injection
    "https://127.0.0.1:{port}/#fragment",  # the code would be appended after it
])
def test_redirects_never_leave_the_stacks_origin(stack, browser, elsewhere):
    target = elsewhere.format(port=stack.port)
    params = _authorize_params(stack, redirect_uri=target)
    page = browser.get(f"{stack.url}/login", params=params, allow_redirects=False)
    assert page.status_code == 400 and "location" not in page.headers
    assert not _form(page.text).inputs  # no form that would post towards it
    posted = browser.post(f"{stack.url}/login?{urlencode(params)}", allow_redirects=False,
                          data={"username": "journalist",
                                "password": _password(stack, "journalist")})
    assert posted.status_code == 400 and "location" not in posted.headers
    logout = browser.get(f"{stack.url}/logout", allow_redirects=False,
                         params={"client_id": FOREIGN_CLIENT, "logout_uri": target})
    assert logout.status_code == 400 and "location" not in logout.headers


def test_other_response_types_go_back_with_an_error(stack, browser):
    page = browser.get(f"{stack.url}/login", allow_redirects=False,
                       params=_authorize_params(stack, response_type="token"))
    assert page.status_code == 302
    query = parse_qs(urlsplit(page.headers["location"]).query)
    assert query == {"error": ["unsupported_response_type"], "state": ["s-42"]}


def test_the_sign_in_page_escapes_what_it_echoes(stack, browser):
    hostile = '"><script>alert(1)</script>'
    page = browser.get(f"{stack.url}/login", params=_authorize_params(stack, state=hostile))
    assert page.status_code == 200 and "<script>alert(1)" not in page.text
    wrong = _sign_in(stack, browser, username=hostile, password="x", state=hostile)
    assert wrong.status_code == 400 and "<script>alert(1)" not in wrong.text
    signed_in = _sign_in(stack, browser, state=hostile)
    assert parse_qs(urlsplit(signed_in.headers["location"]).query)["state"] == [hostile]
