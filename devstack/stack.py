"""`Stack`: the whole local platform in one object, for `python -m devstack` and for tests.

    with Stack(port=0, state_dir=tmp_path) as stack:
        stack.url, stack.graphql_url, stack.realtime_url   # https://127.0.0.1:<port>...
        stack.config        # the served config.json (dict)
        stack.users         # [{"username", "password", "group"}], one or two per group
        stack.subs          # username → Cognito sub
        stack.sign_in("journalist")  # Cognito AuthenticationResult (AccessToken, IdToken, ...)
        stack.moto_endpoint, stack.ca_path, stack.dynamodb, stack.region
        stack.tables        # newsroom.tables.Tables: the stack's tables, its moto, its region
        stack.hosted_ui     # the Hosted UI endpoints (/login, /oauth2/*, /logout)

Tokens of the platform client and of every `accept_client_ids` entry are accepted by the
gateway and the WebSocket; the Hosted UI issues tokens of the platform client whatever client id
the page sends (devstack/hosted_ui.py). With `app_dir`, the site root serves the station's own
app with its storage tag swapped (infra/station_app.py); `hosted_ui_domain` names the Cognito
domain the app has hard-coded, pointed at this stack in the app's HTML and JavaScript as they
are served (locally only: the files stay as they are).

The stack builds its functions with their factories (`handlers.<x>.build`), passing them its
tables, moto endpoint, region, GraphQL URL, CA and distribution: it never writes the process
environment, so several stacks run in one process side by side, each with its own `prefix`
(moto's state is process-wide: the prefix keeps their tables, bucket and pools apart). What is
process-wide by nature (fake credentials, the functions' Powertools settings) is set once by
devstack/process.py, which `python -m devstack` calls.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import boto3
import uvicorn

from devstack import persist, provision, tls
from devstack.bridge import LegacyBridge
from devstack.moto_server import MotoServer
from devstack.gateway import Gateway
from devstack.hosted_ui import SCOPES, HostedUi
from devstack.identity import Credentials, UserPoolVerifier, authenticate
from devstack.realtime import Realtime
from devstack.streams import Consumer, StreamPollers
from devstack.web import Site
from infra.station_app import station_files
from newsroom.entities import ENTITIES
from newsroom.tables import Tables

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "saint-esprit-local"
log = logging.getLogger("devstack")


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    return sock


class Stack:
    def __init__(
        self,
        port: int = 8443,
        state_dir: Path | None = None,
        persist_dir: Path | None = None,
        frontend_dir: Path | None = None,
        keepalive_seconds: float = 30.0,
        poll_interval: float = 0.1,
        prefix: str = PREFIX,
        app_dir: Path | None = None,
        accept_client_ids: Sequence[str] = (),
        hosted_ui_domain: str | None = None,
        legacy_bridge: bool = True,
        region: str | None = None,
    ):
        """`port` 0 picks a free port. `state_dir` receives config.json, users.json and the
        certificate (default `.devstack/`). `persist_dir` keeps data between runs. `prefix` names
        the tables, bucket and pools (two stacks in one process need different prefixes: moto's
        state is shared by the whole process). `app_dir`, `accept_client_ids`,
        `hosted_ui_domain`: see the module docstring. `region`: the stack's AWS region (default
        the environment's AWS_REGION, else eu-west-3)."""
        self.prefix = prefix
        self.legacy_bridge = legacy_bridge  # the station jobs' legacy table, bridged (devstack/bridge.py)
        self.requested_port = port
        self.state_dir = Path(state_dir or ROOT / ".devstack")
        self.persist_dir = Path(persist_dir) if persist_dir else None
        self.frontend_dir = Path(frontend_dir or ROOT / "frontend" / "dist")
        self.app_dir = Path(app_dir) if app_dir else None
        self.accept_client_ids = list(accept_client_ids)
        self.hosted_ui_domain = hosted_ui_domain
        self.keepalive_seconds = keepalive_seconds
        self.poll_interval = poll_interval
        self.region = region or os.environ.get("AWS_REGION") or "eu-west-3"
        self.users: list[dict[str, str]] = []
        self.subs: dict[str, str] = {}
        self.config: dict[str, Any] = {}
        self.tables: Tables | None = None  # at start: named after the prefix, in the stack's moto
        self._moto = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._pollers: StreamPollers | None = None
        self._bridge: LegacyBridge | None = None
        self._clients: dict[str, Any] = {}

    # ------------------------------------------------------------------------- addresses
    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    @property
    def realtime_url(self) -> str:
        return f"wss://127.0.0.1:{self.port}/graphql/realtime"

    @property
    def ca_path(self) -> Path:
        return self.state_dir / "ca.pem"

    def client(self, service: str):
        """A boto3 client for one of the stack's services (talks to moto; one per service)."""
        if service not in self._clients:
            self._clients[service] = boto3.client(
                service, endpoint_url=self.moto_endpoint, region_name=self.region
            )
        return self._clients[service]

    @property
    def dynamodb(self):
        return self.client("dynamodb")

    def sign_in(self, username: str) -> dict[str, Any]:
        """Sign a demo user in (USER_PASSWORD_AUTH): its Cognito AuthenticationResult."""
        password = next(u["password"] for u in self.users if u["username"] == username)
        return self.client("cognito-idp").initiate_auth(
            ClientId=self.config["userPoolClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )["AuthenticationResult"]

    # ----------------------------------------------------------------------------- start
    def _provision(self, saved_users: dict[str, dict[str, str]]) -> None:
        provision.create_tables(self.dynamodb, self.tables)
        self.media_bucket = provision.create_media_bucket(
            self.client("s3"), f"{self.prefix}-media", self.url
        )
        self.distribution_id = provision.create_distribution(
            self.client("cloudfront"), self.media_bucket
        )
        idp = self.client("cognito-idp")
        self.user_pool_id, self.client_id = provision.create_user_pool(idp, f"{self.prefix}-users")
        for username, group, display_name in provision.DEMO_USERS:
            password = saved_users.get(username, {}).get("password") \
                or provision.generate_password()
            self.subs[username] = provision.create_user(
                idp, self.user_pool_id, username, password, group, display_name
            )
            self.users.append({"username": username, "password": password, "group": group})
        self.identity_pool_id = provision.create_identity_pool(
            self.client("cognito-identity"), f"{self.prefix}-identities", self.region,
            self.user_pool_id, self.client_id,
        )

    def _build_config(self) -> dict[str, Any]:
        aws = f"{self.url}/aws"
        return {
            "region": self.region,
            "graphqlUrl": self.graphql_url,
            "realtimeUrl": self.realtime_url,
            "userPoolId": self.user_pool_id,
            "userPoolClientId": self.client_id,
            "identityPoolId": self.identity_pool_id,
            "mediaBucket": self.media_bucket,
            "mediaBaseUrl": f"{self.url}/media",
            "authFlow": "USER_PASSWORD_AUTH",
            "endpoints": {"cognitoIdp": aws, "cognitoIdentity": aws, "s3": aws},
            "hostedUi": {
                "domain": f"127.0.0.1:{self.port}",
                "scopes": list(SCOPES),
                "redirectSignIn": [f"{self.url}/"],
                "redirectSignOut": [f"{self.url}/logout.html"],
                "clientIds": [self.client_id, *self.accept_client_ids],
            },
        }

    def _media(self, key: str) -> tuple[bytes, str] | None:
        try:
            found = self.client("s3").get_object(Bucket=self.media_bucket, Key=f"media/{key}")
        except self.client("s3").exceptions.ClientError as error:
            # Missing, or a key S3 cannot hold (`/media/a%00b.mp3`): not found, never a 500.
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (400, 404):
                return None
            raise
        return found["Body"].read(), found.get("ContentType", "")

    def _functions(self) -> dict[str, Callable]:
        """The stack's functions, built for its tables, endpoints and region."""
        # Imported here, not with the module: Powertools reads its settings at import, after
        # devstack/process.py set them up.
        from handlers import invalidator, publisher, resolver

        return {
            "resolver": resolver.build(self.tables),
            "publisher": publisher.build(self.tables, graphql_url=self.graphql_url,
                                         region=self.region, cafile=str(self.ca_path)),
            "invalidator": invalidator.build(self.tables, distribution_id=self.distribution_id),
        }

    def _build_app(self, resolver: Callable):
        user_pool = UserPoolVerifier(
            f"{self.moto_endpoint}/{self.user_pool_id}/.well-known/jwks.json",
            f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}",
            [self.client_id, *self.accept_client_ids],
        )
        user_pool.keys()  # now, not inside the first request
        frozen = boto3.Session().get_credentials().get_frozen_credentials()
        credentials = Credentials(frozen.access_key, frozen.secret_key)
        gateway = Gateway(
            resolver,
            self.region,
            on_write=lambda entity: self._pollers and self._pollers.nudge(entity),
        )
        realtime = Realtime(gateway, user_pool.caller, self.keepalive_seconds)
        gateway.on_mutation_result = realtime.publish
        self.gateway, self.realtime = gateway, realtime
        self.hosted_ui = HostedUi(
            cognito=lambda: self.client("cognito-idp"), client_id=self.client_id,
            verifier=user_pool, origins=[self.url, f"https://localhost:{self.port}"],
        )
        return Site(
            frontend_dir=self.frontend_dir,
            config=lambda: self.config,
            gateway=gateway,
            realtime=realtime,
            authenticate=lambda request: authenticate(user_pool, credentials, request),
            moto_endpoint=self.moto_endpoint,
            media=self._media,
            hosted_ui=self.hosted_ui.routes(),
            app_dir=self.app_dir,
            app_rewrites={self.hosted_ui_domain: f"127.0.0.1:{self.port}"}
            if self.app_dir and self.hosted_ui_domain else None,
        ).app()

    def _start_server(self, app, sock: socket.socket, certificate: tls.Certificate) -> None:
        config = uvicorn.Config(
            app,
            ssl_certfile=str(certificate.cert_path),
            ssl_keyfile=str(certificate.key_path),
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=3,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="gateway", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the gateway did not start")
            time.sleep(0.02)

    def start(self) -> "Stack":
        if self.app_dir:
            station_files(self.app_dir, self.frontend_dir)  # StationAppError says what is missing
        self.state_dir.mkdir(parents=True, exist_ok=True)
        sock = _bind(self.requested_port)
        self.port = sock.getsockname()[1]
        try:
            self._moto = MotoServer()
            self.moto_endpoint = self._moto.start()
            self.tables = Tables.named(
                self.prefix, endpoint_url=self.moto_endpoint, region=self.region
            )
            saved = persist.load(self.persist_dir) if self.persist_dir else None
            self._provision(saved.users if saved else {})
            if saved:
                persist.restore(saved, self)
            self.config = self._build_config()
            certificate = tls.generate(self.state_dir)  # before the publisher trusts its CA
            functions = self._functions()
            app = self._build_app(functions["resolver"])
            consumers = [
                Consumer("saint-esprit-publisher", functions["publisher"]),
                Consumer("saint-esprit-invalidator", functions["invalidator"]),
            ]
            self._pollers = StreamPollers(
                self.dynamodb, self.client("dynamodbstreams"),
                {entity.name: self.tables.name(entity) for entity in ENTITIES},
                self.region, consumers, self.poll_interval,
            )
            self._start_server(app, sock, certificate)
            self._pollers.start()
            if self.legacy_bridge:
                self._bridge = LegacyBridge.for_stack(self)
                self._bridge.start()
            self._write_state()
        except BaseException:
            sock.close()
            self.stop()
            raise
        return self

    def _write_state(self) -> None:
        (self.state_dir / "config.json").write_text(json.dumps(self.config, indent=2) + "\n")
        users = self.state_dir / "users.json"
        users.write_text(json.dumps(self.users, indent=2) + "\n")
        users.chmod(0o600)

    def stop_stream_consumers(self) -> None:
        """Stop feeding the tables' streams to the publisher and invalidator: a benchmark that
        seeds thousands of items and then times reads keeps the fan-out of those writes (one
        process, one GIL) out of its figures. Writes are still stored; nobody is told of them."""
        if self._pollers is not None:
            self._pollers.stop()
            self._pollers = None

    # ------------------------------------------------------------------------------ stop
    def stop(self) -> None:
        """Stop serving, save state if asked, stop moto, free the ports."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None
        self.stop_stream_consumers()
        if self._bridge is not None:
            self._bridge.stop()
            self._bridge = None
        if self._server is not None and self.persist_dir:
            try:
                persist.save(self.persist_dir, self)
            except Exception:
                log.exception("could not save the stack's state to %s", self.persist_dir)
        self._server = None
        for client in self._clients.values():
            client.close()
        self._clients = {}
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
