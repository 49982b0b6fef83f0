"""The station's own app served as it is: `infra/station_app.py` swaps its storage script tag
for the platform's classic bundle (as the CDN upload does), and the local stack serves the app
folder with the CDN's cache rules (`--app-dir`), pointing the app's hard-coded Hosted UI domain
at itself, and accepts tokens of the app's own client."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from devstack.client import RealtimeClient
from devstack.stack import Stack
from infra.station_app import (
    IMMUTABLE, NO_CACHE, SHORT_LIVED, StationAppError, station_files, swap_storage_tag,
)
from newsroom_calls import LIST_NEWS
from test_graphql_http import _claims, _mint

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = "assets/station-Q3ZKX7AB.js"
APP_DOMAIN = "station-auth.auth.eu-west-3.amazoncognito.com"  # what the app has hard-coded
APP_CLIENT = "station0app0client0id"
INDEX = f"""<!doctype html><html><head><meta charset="utf-8"><title>Saint-Esprit</title>
<script>const cognitoConfig = {{ domain: '{APP_DOMAIN}' }};</script>
<script src="js/core/cognito-auth.js"></script>
<script src="js/core/storage-dynamodb-v2.js?v=1763468887"></script>
<script src="v3-app-1763468887.js"></script>
</head><body><a href="https://{APP_DOMAIN}/logout">Sortir</a></body></html>"""
COGNITO_AUTH = f"const tokenUrl = 'https://{APP_DOMAIN}/oauth2/token';\n"


def _app_folder(root: Path) -> Path:
    """A folder shaped like the station's `frontend/` (its file names: docs/contracts.md,
    "The station's app")."""
    app = root / "app"
    (app / "js" / "core").mkdir(parents=True)
    (app / "index.html").write_text(INDEX)
    (app / "logout.html").write_text("<!doctype html><p>Déconnecté</p>")
    (app / "v3-app-1763468887.js").write_text("window.SaintEspritV3 = class {};\n")
    (app / "js" / "core" / "cognito-auth.js").write_text(COGNITO_AUTH)
    (app / "js" / "core" / "storage-dynamodb-v2.js").write_text("// the old storage\n")
    (app / ".env").write_text("NEVER=public\n")
    (app / "config.json").write_text('{"the app\'s": "own"}')
    return app


def _build(root: Path, assets: dict | None = None) -> Path:
    """A build output with the station bundle (what `make frontend` writes)."""
    dist = root / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "assets.json").write_text(json.dumps(
        {"station": BUNDLE, "storage": "assets/storage-B3KLBHJW.js"} if assets is None
        else assets))
    (dist / BUNDLE).write_text("window.StorageDynamoDB = window.Storage = class {};\n")
    (dist / "assets" / "storage-B3KLBHJW.js").write_text("export {};\n")
    return dist


# ------------------------------------------------------------------------- the tag swap
@pytest.mark.parametrize("tag", [
    '<script src="js/core/storage-dynamodb-v2.js"></script>',
    '<script src="./js/core/storage-dynamodb-v2.js?v=3"></script>',
    "<script type='text/javascript' src='/js/core/storage-dynamodb-v2.js' defer></script >",
    "<SCRIPT src=js/core/storage-dynamodb-v2.js></SCRIPT>",
    '<script\n  src="js/core/storage-dynamodb-v2.js">\n</script>',
])
def test_the_old_storage_tag_is_swapped_for_the_bundle(tag):
    page = f"<head><script src=\"js/core/cognito-auth.js\"></script>\n{tag}\n<p>x</p>"
    swapped = swap_storage_tag(page, "/" + BUNDLE)
    assert swapped == ("<head><script src=\"js/core/cognito-auth.js\"></script>\n"
                       f'<script src="/{BUNDLE}"></script>\n<p>x</p>')


@pytest.mark.parametrize("page", [
    "<p>no scripts</p>",
    '<script src="js/core/storage-dynamodb.js"></script>',  # the older storage, not this one
    '<script src="js/core/storage-dynamodb-v2.json"></script>',
    "<script src=js/core/storage-dynamodb-v2.jsx></script>",
    '<script src="myjs/core/storage-dynamodb-v2.js"></script>',
])
def test_a_page_without_the_old_storage_tag_is_refused(page):
    with pytest.raises(StationAppError, match="storage-dynamodb-v2.js"):
        swap_storage_tag(page, "/" + BUNDLE)


def test_station_files_are_the_app_swapped_plus_the_build_assets(tmp_path):
    app, dist = _app_folder(tmp_path), _build(tmp_path)
    files = {key: (body, kind, cache) for key, body, kind, cache in station_files(app, dist)}
    assert sorted(files) == [
        BUNDLE, "assets/storage-B3KLBHJW.js", "index.html", "js/core/cognito-auth.js",
        "js/core/storage-dynamodb-v2.js", "logout.html", "v3-app-1763468887.js",
    ]  # no dot-files, no config.json (the platform writes its own)
    index, kind, cache = files["index.html"]
    assert index == INDEX.replace(
        '<script src="js/core/storage-dynamodb-v2.js?v=1763468887"></script>',
        f'<script src="/{BUNDLE}"></script>').encode()
    assert (kind, cache) == ("text/html; charset=utf-8", NO_CACHE)
    assert files["logout.html"][2] == NO_CACHE
    assert files[BUNDLE] == (dist / BUNDLE, "text/javascript; charset=utf-8", IMMUTABLE)
    assert files["v3-app-1763468887.js"] == (app / "v3-app-1763468887.js",
                                             "text/javascript; charset=utf-8", SHORT_LIVED)
    assert (app / "index.html").read_text() == INDEX  # the station's folder stays as it is


def test_station_files_say_what_is_missing(tmp_path):
    app, dist = _app_folder(tmp_path), _build(tmp_path)
    (app / "index.html").write_text("<p>plus de script</p>")
    with pytest.raises(StationAppError, match=f"{app / 'index.html'}.*storage-dynamodb-v2.js"):
        station_files(app, dist)
    with pytest.raises(StationAppError, match="index.html is missing"):
        station_files(tmp_path / "elsewhere", dist)
    (app / "index.html").write_text(INDEX)
    (dist / "assets.json").write_text(json.dumps({"storage": "assets/storage-B3KLBHJW.js"}))
    with pytest.raises(StationAppError, match="make frontend"):
        station_files(app, dist)
    (dist / "assets.json").unlink()
    with pytest.raises(StationAppError, match="make frontend"):
        station_files(app, dist)


def test_an_app_file_the_build_would_shadow_is_refused(tmp_path):
    app, dist = _app_folder(tmp_path), _build(tmp_path)
    (app / "assets").mkdir()
    (app / BUNDLE).write_text("// the app's own file of that name")
    with pytest.raises(StationAppError, match=BUNDLE):
        station_files(app, dist)


def test_a_link_out_of_the_app_folder_is_not_published(tmp_path):
    app, dist = _app_folder(tmp_path), _build(tmp_path)
    (tmp_path / "secret.txt").write_text("outside")
    (app / "notes.txt").symlink_to(tmp_path / "secret.txt")
    assert "notes.txt" not in [key for key, *_ in station_files(app, dist)]


# ----------------------------------------------------------------------- the local stack
@pytest.fixture(scope="module")
def app_stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("station")
    with Stack(port=0, state_dir=root / "state", frontend_dir=_build(root),
               app_dir=_app_folder(root), prefix="devstack-app",
               accept_client_ids=[APP_CLIENT], hosted_ui_domain=APP_DOMAIN) as running:
        yield running


def _get(stack, path: str) -> requests.Response:
    return requests.get(stack.url + path, verify=str(stack.ca_path), timeout=10)


def test_the_site_root_is_the_app_with_the_bundle_and_the_local_sign_in(app_stack):
    index = _get(app_stack, "/")
    assert index.status_code == 200
    assert index.headers["cache-control"] == NO_CACHE
    assert f'<script src="/{BUNDLE}"></script>' in index.text
    assert "storage-dynamodb-v2.js" not in index.text
    assert APP_DOMAIN not in index.text
    assert f"domain: '127.0.0.1:{app_stack.port}'" in index.text
    assert f'href="{app_stack.url}/logout"' in index.text
    assert '<script src="v3-app-1763468887.js"></script>' in index.text  # the rest as it is
    assert (app_stack.app_dir / "index.html").read_text() == INDEX  # only served swapped


def test_app_files_have_the_cdn_cache_rules_and_the_local_domain(app_stack):
    bundle = _get(app_stack, f"/{BUNDLE}")
    assert bundle.status_code == 200 and "StorageDynamoDB" in bundle.text
    assert bundle.headers["cache-control"] == IMMUTABLE
    assert "javascript" in bundle.headers["content-type"]
    script = _get(app_stack, "/js/core/cognito-auth.js")
    assert script.headers["cache-control"] == SHORT_LIVED
    assert script.text == f"const tokenUrl = '{app_stack.url}/oauth2/token';\n"
    assert _get(app_stack, "/logout.html").headers["cache-control"] == NO_CACHE
    assert _get(app_stack, "/js/core/storage-dynamodb-v2.js").status_code == 200


def test_what_is_not_the_app_stays_404(app_stack):
    for path in ("/.env", "/missing.js", "/js/../.env", "/%2e%2e/state/users.json",
                 "/assets/gone-ABCDEFGH.js", "/news/2025"):
        response = _get(app_stack, path)
        assert response.status_code == 404, path
        assert "NEVER" not in response.text and "password" not in response.text
    config = _get(app_stack, "/config.json").json()  # the stack's, never the app's file
    assert config["graphqlUrl"] == app_stack.graphql_url


def test_tokens_of_the_apps_own_client_are_accepted(app_stack):
    assert app_stack.config["hostedUi"]["clientIds"] == [
        app_stack.config["userPoolClientId"], APP_CLIENT]

    def post(token):
        return requests.post(app_stack.graphql_url, json={"query": LIST_NEWS},
                             headers={"Authorization": token}, verify=str(app_stack.ca_path))

    for kind in ({"client_id": APP_CLIENT}, {"token_use": "id", "aud": APP_CLIENT}):
        accepted = post(_mint(_claims(app_stack, **kind)))
        assert accepted.status_code == 200 and "errors" not in accepted.json(), accepted.text
    assert post(_mint(_claims(app_stack, client_id="a-third-client"))).status_code == 401

    async def connect(token):
        async with RealtimeClient(app_stack.realtime_url, token, app_stack.ca_path) as client:
            return client.acknowledgement["type"]

    assert asyncio.run(connect(_mint(_claims(app_stack, client_id=APP_CLIENT)))) \
        == "connection_ack"
    assert asyncio.run(connect(_mint(_claims(app_stack, client_id="a-third-client")))) \
        == "connection_error"


def test_a_folder_without_the_tag_stops_the_start_with_a_clear_message(tmp_path):
    app, dist = _app_folder(tmp_path), _build(tmp_path)
    (app / "index.html").write_text("<p>pas de stockage</p>")
    with pytest.raises(StationAppError, match="storage-dynamodb-v2.js"):
        Stack(port=0, state_dir=tmp_path / "state", frontend_dir=dist, app_dir=app).start()
    command = subprocess.run(
        [sys.executable, "-m", "devstack", "--port", "0", "--state-dir", str(tmp_path / "s"),
         "--app-dir", str(app)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert command.returncode == 1
    assert f"{app / 'index.html'}" in command.stderr and "storage-dynamodb-v2.js" in command.stderr
