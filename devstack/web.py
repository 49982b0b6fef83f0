"""The one HTTPS origin of the local stack (a Starlette app), standing in for CloudFront,
AppSync and the AWS endpoints the browser calls:

- `/` and the built frontend (`frontend/dist`) with the CDN's cache headers: `no-cache` for
  HTML and `config.json`, `immutable` for content-hashed `assets/*`, 5 minutes otherwise
  (infra/cache_rules.py, the rule the CDN upload uses);
  a placeholder page until `make frontend` has built it;
- `/config.json` generated from the stack's own endpoints;
- `/media/<path>`: the media bucket's `media/<path>`, 404 when missing (never `index.html`);
- the CDN's security headers (infra/security_headers.py): the site's Content-Security-Policy
  on site responses, the media sandbox on `/media/*`;
- `/aws/<path>`: a reverse proxy to moto (Cognito, Cognito Identity, S3), so an HTTPS page
  never calls an HTTP endpoint and no CORS is involved;
- `POST /graphql` and the WebSocket `/graphql/realtime` (AppSync's two protocols);
- the Hosted UI's `/login`, `/oauth2/*` and `/logout` (devstack/hosted_ui.py).

With an app folder (`--app-dir`), the site root serves the station's own app instead of the
newsroom page, as the CDN would (infra/station_app.py): its files, `index.html` with the old
storage tag swapped for the build's classic storage bundle, and the build's `assets/*`. The
app's text files (HTML, JavaScript) can have strings replaced at serve time (`app_rewrites`:
the local stack points the app's hard-coded Hosted UI domain at itself); the files on disk and
what is uploaded to AWS stay unchanged.
"""
from __future__ import annotations

import html
import http.client
import mimetypes
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import urlsplit

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from devstack.gateway import Gateway
from devstack.identity import Caller, HttpRequest, Unauthenticated
from devstack.realtime import Realtime
from infra.cache_rules import NO_CACHE, SHORT_LIVED, cache_control
from infra.security_headers import media_headers, site_headers
from infra.station_app import INDEX, StationAppError, station_file

# Headers that describe one hop of a connection, never forwarded by a proxy.
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length",
}

PROXIED_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

PLACEHOLDER = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Saint-Esprit (local)</title></head>
<body><h1>Saint-Esprit local stack</h1>
<p>The frontend is not built yet: run <code>make frontend</code> (or <code>make dev</code>),
then reload. The API is up at <code>/graphql</code>; see <code>/config.json</code>.</p>
</body></html>"""


class Site:
    """Builds the app from the stack's parts."""

    def __init__(
        self,
        *,
        frontend_dir: Path,
        config: Callable[[], dict[str, Any]],
        gateway: Gateway,
        realtime: Realtime,
        authenticate: Callable[[HttpRequest], Caller],
        moto_endpoint: str,
        media: Callable[[str], tuple[bytes, str] | None],
        hosted_ui: Sequence[BaseRoute] = (),
        app_dir: Path | None = None,
        app_rewrites: Mapping[str, str] | None = None,
    ):
        self.frontend_dir = frontend_dir
        self.config = config
        self.gateway = gateway
        self.realtime = realtime
        self.authenticate = authenticate
        self.moto = urlsplit(moto_endpoint)
        # media key (without the `media/` prefix) → (body, content type), None when missing.
        self.media = media
        self.hosted_ui = list(hosted_ui)
        self.app_dir = app_dir  # the station's app folder served at the root, if any
        self.app_rewrites = dict(app_rewrites or {})  # old → new, in the app's text files

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/graphql", self.graphql, methods=["POST"]),
                WebSocketRoute("/graphql/realtime", self.realtime.endpoint),
                Route("/config.json", self.config_json, methods=["GET", "HEAD"]),
                Route("/media/{key:path}", self.media_file, methods=["GET", "HEAD"]),
                # `/aws` itself too: Amplify posts Cognito calls to the endpoint as configured.
                Route("/aws", self.aws_proxy, methods=PROXIED_METHODS),
                Route("/aws/{path:path}", self.aws_proxy, methods=PROXIED_METHODS),
                *self.hosted_ui,
                Route("/{path:path}", self.station_app if self.app_dir else self.frontend,
                      methods=["GET", "HEAD"]),
            ]
        )

    # ----------------------------------------------------------------------------- GraphQL
    async def graphql(self, request: Request) -> Response:
        body = await request.body()
        headers = {name.lower(): value for name, value in request.headers.items()}
        try:
            caller = self.authenticate(HttpRequest(
                request.method, request.url.path, request.url.query, headers, body,
                request.client.host if request.client else "127.0.0.1",
            ))
        except Unauthenticated as error:
            return JSONResponse(
                {"errors": [{"errorType": "UnauthorizedException", "message": str(error)}]},
                status_code=401,
            )
        status, answer = await self.gateway.answer(body, caller, headers)
        return JSONResponse(answer, status_code=status)

    # ------------------------------------------------------------------------- static files
    def _site_headers(self) -> dict[str, str]:
        """The CDN's site security headers (infra/security_headers.py) for this stack's
        config.json and, when serving the station's app, its (swapped) page."""
        found = station_file(self.app_dir, self.frontend_dir, INDEX) if self.app_dir else None
        return site_headers(self.config(), found[0].decode("utf-8") if found else None)

    async def config_json(self, request: Request) -> Response:
        return JSONResponse(self.config(), headers={"Cache-Control": NO_CACHE, **self._site_headers()})

    async def frontend(self, request: Request) -> Response:
        relative = request.path_params["path"] or "index.html"
        root = self.frontend_dir.resolve()
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(PLACEHOLDER, headers={"Cache-Control": NO_CACHE})
        candidate = (root / relative).resolve()
        security = self._site_headers()
        if candidate.is_relative_to(root) and candidate.is_file():
            return FileResponse(candidate, headers={"Cache-Control": cache_control(relative), **security})
        if "." in relative.rsplit("/", 1)[-1]:
            return Response("Not Found", status_code=404, headers={"Cache-Control": SHORT_LIVED, **security})
        # SPA routing: a page path (no extension) gets the app; files stay 404.
        return FileResponse(index, headers={"Cache-Control": NO_CACHE, **security})

    async def station_app(self, request: Request) -> Response:
        key = request.path_params["path"] or INDEX
        try:
            found = await anyio.to_thread.run_sync(
                station_file, self.app_dir, self.frontend_dir, key)
        except StationAppError as error:  # the build went missing since the start
            return HTMLResponse(f"<!doctype html><p>{html.escape(str(error))}</p>",
                                status_code=503, headers={"Cache-Control": NO_CACHE})
        security = await anyio.to_thread.run_sync(self._site_headers)
        if found is None:
            return Response("Not Found", status_code=404, headers={"Cache-Control": SHORT_LIVED, **security})
        body, content_type, cache = found
        headers = {"Cache-Control": cache, **security}
        if self.app_rewrites and content_type.startswith(("text/html", "text/javascript")):
            text = body if isinstance(body, bytes) else body.read_bytes()
            for old, new in self.app_rewrites.items():
                text = text.replace(old.encode(), new.encode())
            return Response(text, media_type=content_type, headers=headers)
        if isinstance(body, Path):
            return FileResponse(body, media_type=content_type, headers=headers)
        return Response(body, media_type=content_type, headers=headers)

    async def media_file(self, request: Request) -> Response:
        found = await anyio.to_thread.run_sync(self.media, request.path_params["key"])
        if found is None:
            return Response("Not Found", status_code=404, media_type="text/plain")
        body, content_type = found
        content_type = content_type or mimetypes.guess_type(request.path_params["key"])[0]
        # As the CDN's /media/* behaviour: sandboxed, never sniffed, downloaded unless audio.
        return Response(body, media_type=content_type or "application/octet-stream",
                        headers={"Cache-Control": SHORT_LIVED, **media_headers(content_type)})

    # ------------------------------------------------------------------------------- proxy
    def _forward(self, method: str, path: str, headers: list[tuple[str, str]],
                 body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(self.moto.hostname, self.moto.port, timeout=60)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", self.moto.netloc)
            for name, value in headers:
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    async def aws_proxy(self, request: Request) -> Response:
        # The raw (still percent-encoded) path: S3 keys must reach moto exactly as signed.
        raw_path = request.scope.get("raw_path", b"/aws").decode("latin-1")
        path = raw_path[len("/aws"):] or "/"
        if request.url.query:
            path += "?" + request.url.query
        headers = [(n, v) for n, v in request.headers.items() if n.lower() not in HOP_BY_HOP]
        status, response_headers, body = await anyio.to_thread.run_sync(
            self._forward, request.method, path, headers, await request.body()
        )
        response = Response(body, status_code=status)
        for name, value in response_headers:
            if name.lower() not in HOP_BY_HOP and name.lower() not in ("date", "server"):
                response.headers.append(name, value)
        return response
