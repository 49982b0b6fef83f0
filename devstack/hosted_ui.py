"""Cognito's Hosted UI, answered by the local stack: the authorization-code flow an app uses
when it signs in through `https://<domain>/login` (the station's app does, docs/contracts.md).

Endpoints, on the stack's own origin (config.json `hostedUi.domain` = `127.0.0.1:<port>`):
- `GET /oauth2/authorize` → 302 to `/login` with the same parameters, as Cognito does;
- `GET /login`: a sign-in page whose form has inputs named `username` and `password` (as
  Cognito's page), posting back to `/login` with the query kept (`client_id`, `redirect_uri`,
  `state`, `response_type=code`, `scope`, `code_challenge`[, `code_challenge_method=S256`]);
- `POST /login`: the password is checked against the local pool (USER_PASSWORD_AUTH on the
  platform's client); wrong → the page again with an error (400); right → 302 to
  `redirect_uri?code=<one-time code>&state=…`;
- `POST /oauth2/token` (form-encoded): `authorization_code` (the code once, within
  CODE_LIFETIME seconds, with the same `client_id` and `redirect_uri`, and the PKCE
  `code_verifier` when a `code_challenge` was given) and `refresh_token` grants; Cognito's
  answer `{id_token, access_token, refresh_token (code grant only), expires_in, token_type}`
  and its errors (400 `{"error": "invalid_grant"}`, `invalid_request`, `unsupported_grant_type`);
- `GET|POST /oauth2/userInfo`: the signed-in user's attributes for a Bearer access token;
- `GET /logout` → 302 to `logout_uri`, else to `/login` (no session to end: the page forgets).

Tokens are always the local pool's, issued to its platform client, whatever `client_id` the
page sends: the station's app carries production's client id in its code, and the gateway
accepts the platform client anyway. `/oauth2/token` and `/oauth2/userInfo` answer CORS for the
requesting origin, as Cognito's domain does. Redirects go only to the stack's own origin
(`https://127.0.0.1:<port>` or `https://localhost:<port>`): anything else is an error page,
never an open redirect. Unlike Cognito, no session cookie: every sign-in shows the form.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit

import anyio.to_thread
from botocore.exceptions import ClientError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from devstack.identity import Unauthenticated, UserPoolVerifier

SCOPES = ("email", "openid", "profile")
CODE_LIFETIME = 300  # seconds an authorization code stays valid (Cognito: 5 minutes)
# What the sign-in page carries from /oauth2/authorize to the code it issues.
LOGIN_PARAMETERS = (
    "client_id", "redirect_uri", "state", "response_type", "scope", "code_challenge",
    "code_challenge_method",
)
WRONG_CREDENTIALS = "Nom d'utilisateur ou mot de passe incorrect."


@dataclass(frozen=True)
class Grant:
    """What an authorization code stands for until it is exchanged."""

    tokens: dict[str, Any]  # Cognito's AuthenticationResult
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    expires_at: float


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}}
label,input,button{{display:block;width:100%;margin:.3rem 0}}input,button{{padding:.5rem}}
.error{{color:#b00020}}</style></head>
<body><h1>{html.escape(title)}</h1>
{body}
</body></html>""",
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _error_page(message: str) -> HTMLResponse:
    return _page("Connexion impossible", f'<p class="error">{html.escape(message)}</p>', 400)


def _oauth_error(error: str, description: str | None = None, status: int = 400) -> JSONResponse:
    body = {"error": error}
    if description:
        body["error_description"] = description
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _back_to_app(parameters: dict[str, str], **answer: str) -> RedirectResponse:
    """302 to the sign-in request's redirect_uri with `answer` (and its `state`) added."""
    if "state" in parameters:
        answer["state"] = parameters["state"]
    url = parameters["redirect_uri"]
    return RedirectResponse(url + ("&" if urlsplit(url).query else "?") + urlencode(answer),
                            status_code=302)


def pkce_challenge(verifier: str) -> str:
    """The S256 `code_challenge` of a PKCE `code_verifier` (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class HostedUi:
    """The Hosted UI endpoints of one stack (its pool, its platform client, its origins)."""

    def __init__(self, *, cognito: Callable[[], Any], client_id: str,
                 verifier: UserPoolVerifier, origins: Sequence[str]):
        self.cognito = cognito  # the stack's cognito-idp client (moto)
        self.client_id = client_id  # the platform client: every token is issued to it
        self.verifier = verifier
        self.origins = {origin.lower() for origin in origins}
        self.clock = time.monotonic
        self._grants: dict[str, Grant] = {}

    def routes(self) -> list[Route]:
        return [
            Route("/login", self.login_page, methods=["GET", "HEAD"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/oauth2/authorize", self.authorize, methods=["GET", "HEAD"]),
            Route("/oauth2/token", self.token, methods=["POST", "OPTIONS"]),
            Route("/oauth2/userInfo", self.user_info, methods=["GET", "POST", "OPTIONS"]),
            Route("/logout", self.logout, methods=["GET", "HEAD"]),
        ]

    # ------------------------------------------------------------------------- redirects
    def is_own_url(self, url: str) -> bool:
        """An absolute URL on the stack's own origin (scheme, host and port exactly; user info
        or a backslash make another netloc), without a fragment (OAuth's rule: the answer is
        added to the query). Blanks and control characters are refused before parsing:
        urlsplit drops tabs and newlines that would then reach the Location header."""
        if not url or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
            return False
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}".lower() in self.origins and not parts.fragment

    # ---------------------------------------------------------------------------- sign-in
    @staticmethod
    def _parameters(request: Request) -> dict[str, str]:
        return {name: request.query_params[name] for name in LOGIN_PARAMETERS
                if request.query_params.get(name)}

    def _check_request(self, parameters: dict[str, str]) -> Response | None:
        """The error answer to a sign-in request, or None when it may go on. An invalid
        redirect_uri is never redirected to; later errors go back to it, as OAuth says."""
        if not parameters.get("client_id"):
            return _error_page("Paramètre client_id manquant.")
        if not self.is_own_url(parameters.get("redirect_uri", "")):
            return _error_page("Adresse de retour (redirect_uri) refusée : elle doit être sur "
                               "l'origine de la pile locale.")
        error = None
        if parameters.get("response_type") != "code":
            error = "unsupported_response_type"
        elif parameters.get("code_challenge") \
                and parameters.get("code_challenge_method", "S256") != "S256":
            error = "invalid_request"
        return _back_to_app(parameters, error=error) if error else None

    def _form(self, parameters: dict[str, str], username: str = "", error: str = "",
              status: int = 200) -> HTMLResponse:
        action = "/login?" + urlencode(parameters)
        message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        return _page("Saint-Esprit — Connexion", f"""{message}
<form method="post" action="{html.escape(action)}">
<label for="username">Nom d'utilisateur</label>
<input id="username" name="username" type="text" autocomplete="username" required
 value="{html.escape(username)}" autofocus>
<label for="password">Mot de passe</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" name="signInSubmitButton">Se connecter</button>
</form>""", status)

    async def authorize(self, request: Request) -> Response:
        return RedirectResponse("/login?" + request.url.query, status_code=302)

    async def login_page(self, request: Request) -> Response:
        parameters = self._parameters(request)
        return self._check_request(parameters) or self._form(parameters)

    async def login(self, request: Request) -> Response:
        parameters = self._parameters(request)
        refused = self._check_request(parameters)
        if refused is not None:
            return refused
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        username, password = form.get("username", "").strip(), form.get("password", "")
        if not username or not password:
            return self._form(parameters, username, WRONG_CREDENTIALS, 400)
        try:
            result = await anyio.to_thread.run_sync(lambda: self.cognito().initiate_auth(
                ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            ))
        except ClientError:
            return self._form(parameters, username, WRONG_CREDENTIALS, 400)
        if "AuthenticationResult" not in result:  # a challenge (new password...): not here
            return self._form(parameters, username, "Ce compte doit être finalisé par un "
                              "administrateur avant de se connecter.", 400)
        code = self._grant(result["AuthenticationResult"], parameters)
        return _back_to_app(parameters, code=code)

    def _grant(self, tokens: dict[str, Any], parameters: dict[str, str]) -> str:
        now = self.clock()
        self._grants = {code: grant for code, grant in self._grants.items()
                        if grant.expires_at > now}
        code = secrets.token_urlsafe(32)
        self._grants[code] = Grant(tokens, parameters["client_id"], parameters["redirect_uri"],
                                   parameters.get("code_challenge"), now + CODE_LIFETIME)
        return code

    async def logout(self, request: Request) -> Response:
        logout_uri = request.query_params.get("logout_uri")
        if logout_uri is None:
            return RedirectResponse("/login?" + request.url.query, status_code=302)
        if not self.is_own_url(logout_uri):
            return _error_page("Adresse de déconnexion (logout_uri) refusée : elle doit être "
                               "sur l'origine de la pile locale.")
        return RedirectResponse(logout_uri, status_code=302)

    # ------------------------------------------------------------------------------ OAuth 2
    @staticmethod
    def _cors(request: Request, response: Response, methods: str) -> Response:
        origin = request.headers.get("origin")
        if origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers["Vary"] = "Origin"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = methods
            response.headers["Access-Control-Allow-Headers"] = request.headers.get(
                "access-control-request-headers", "Authorization, Content-Type")
            response.headers["Access-Control-Max-Age"] = "600"
        return response

    async def token(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return self._cors(request, Response(status_code=204), "POST, OPTIONS")
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        return self._cors(request, await self._token(form), "POST, OPTIONS")

    async def _token(self, form: dict[str, str]) -> Response:
        grant_type = form.get("grant_type")
        if not grant_type or not form.get("client_id"):
            return _oauth_error("invalid_request", "grant_type and client_id are required")
        if grant_type == "authorization_code":
            return self._exchange_code(form)
        if grant_type == "refresh_token":
            return await self._refresh(form)
        return _oauth_error("unsupported_grant_type")

    def _exchange_code(self, form: dict[str, str]) -> Response:
        if not form.get("code") or not form.get("redirect_uri"):
            return _oauth_error("invalid_request", "code and redirect_uri are required")
        grant = self._grants.pop(form["code"], None)  # single use, even when refused below
        if grant is None or grant.expires_at <= self.clock() \
                or grant.client_id != form["client_id"] \
                or grant.redirect_uri != form["redirect_uri"]:
            return _oauth_error("invalid_grant")
        if grant.code_challenge is not None and not hmac.compare_digest(
                pkce_challenge(form.get("code_verifier", "")), grant.code_challenge):
            return _oauth_error("invalid_grant", "code_verifier does not match")
        return self._tokens(grant.tokens, with_refresh=True)

    async def _refresh(self, form: dict[str, str]) -> Response:
        if not form.get("refresh_token"):
            return _oauth_error("invalid_request", "refresh_token is required")
        try:
            result = await anyio.to_thread.run_sync(lambda: self.cognito().initiate_auth(
                ClientId=self.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": form["refresh_token"]},
            ))
        except ClientError:
            return _oauth_error("invalid_grant")
        return self._tokens(result["AuthenticationResult"], with_refresh=False)

    @staticmethod
    def _tokens(result: dict[str, Any], with_refresh: bool) -> JSONResponse:
        body = {
            "id_token": result["IdToken"],
            "access_token": result["AccessToken"],
            "expires_in": result.get("ExpiresIn", 3600),
            "token_type": "Bearer",
        }
        if with_refresh:
            body["refresh_token"] = result["RefreshToken"]
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    async def user_info(self, request: Request) -> Response:
        methods = "GET, POST, OPTIONS"
        if request.method == "OPTIONS":
            return self._cors(request, Response(status_code=204), methods)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer" or not token:
                raise Unauthenticated("Bearer access token required.")
            self.verifier.claims(token.strip())  # signature, expiry, pool, accepted client
            user = await anyio.to_thread.run_sync(
                lambda: self.cognito().get_user(AccessToken=token.strip()))
        except (Unauthenticated, ClientError) as error:  # moto knows access tokens only
            response = _oauth_error("invalid_token", str(error), 401)
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return self._cors(request, response, methods)
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        return self._cors(request, JSONResponse({**attributes, "username": user["Username"]},
                                                headers={"Cache-Control": "no-store"}), methods)
