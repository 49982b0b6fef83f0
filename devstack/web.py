"""The one HTTPS origin of the local stack (a Starlette app), standing in for CloudFront,
AppSync and the AWS endpoints the browser calls:

- `/` and the built frontend (`frontend/dist`) with the CDN's cache headers: `no-cache` for
  HTML and `config.json`, `immutable` for content-hashed `assets/*`, 5 minutes otherwise;
  a placeholder page until `make frontend` has built it;
- `/config.json` generated from the stack's own endpoints;
- `/media/<path>`: the media bucket's `media/<path>`, 404 when missing (never `index.html`);
- `/aws/<path>`: a reverse proxy to moto (Cognito, Cognito Identity, S3), so an HTTPS page
  never calls an HTTP endpoint and no CORS is involved;
- `POST /graphql` and the WebSocket `/graphql/realtime` (AppSync's two protocols).
"""
from __future__ import annotations

import http.client
import json
import mimetypes
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from devstack.gateway import Gateway
from devstack.identity import Caller, HttpRequest, Unauthenticated
from devstack.realtime import Realtime

NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
EDGE_TTL = "public, max-age=300"
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


def cache_control(relative_path: str) -> str:
    if relative_path.endswith(".html") or relative_path == "config.json":
        return NO_CACHE
    if relative_path.startswith("assets/"):
        return IMMUTABLE
    return EDGE_TTL


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
    ):
        self.frontend_dir = frontend_dir
        self.config = config
        self.gateway = gateway
        self.realtime = realtime
        self.authenticate = authenticate
        self.moto = urlsplit(moto_endpoint)
        # media key (without the `media/` prefix) → (body, content type), None when missing.
        self.media = media

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
                Route("/{path:path}", self.frontend, methods=["GET", "HEAD"]),
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
        try:
            document = json.loads(body)
            if not isinstance(document, dict):
                raise ValueError
        except ValueError:
            return JSONResponse(
                {"errors": [{"errorType": "MalformedHttpRequestException",
                             "message": "The body must be a JSON object."}]},
                status_code=400,
            )
        return JSONResponse(await self.gateway.execute(document, caller, headers))

    # ------------------------------------------------------------------------- static files
    async def config_json(self, request: Request) -> Response:
        return JSONResponse(self.config(), headers={"Cache-Control": NO_CACHE})

    async def frontend(self, request: Request) -> Response:
        relative = request.path_params["path"] or "index.html"
        root = self.frontend_dir.resolve()
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(PLACEHOLDER, headers={"Cache-Control": NO_CACHE})
        candidate = (root / relative).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return FileResponse(candidate, headers={"Cache-Control": cache_control(relative)})
        if "." in relative.rsplit("/", 1)[-1]:
            return Response("Not Found", status_code=404, headers={"Cache-Control": EDGE_TTL})
        # SPA routing: a page path (no extension) gets the app; files stay 404.
        return FileResponse(index, headers={"Cache-Control": NO_CACHE})

    async def media_file(self, request: Request) -> Response:
        found = await anyio.to_thread.run_sync(self.media, request.path_params["key"])
        if found is None:
            return Response("Not Found", status_code=404, media_type="text/plain")
        body, content_type = found
        content_type = content_type or mimetypes.guess_type(request.path_params["key"])[0]
        return Response(body, media_type=content_type or "application/octet-stream",
                        headers={"Cache-Control": EDGE_TTL})

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
