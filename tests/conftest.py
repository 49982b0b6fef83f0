"""Fixtures shared by every test folder: fake AWS credentials and moto in server mode.

Tests never touch real AWS: credentials are fake and every SDK call goes to a moto server on
127.0.0.1 through the SDK's standard `AWS_ENDPOINT_URL`.
"""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_REGION": "eu-west-3",
        "POWERTOOLS_SERVICE_NAME": "saint-esprit-tests",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "SaintEsprit",
    }
)
for leaked in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
    os.environ.pop(leaked, None)


@pytest.fixture(scope="session")
def moto_server():
    """A moto server for the whole session; yields its endpoint URL and exports it."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    yield endpoint
    server.stop()


@contextlib.contextmanager
def fresh_tables(prefix: str):
    """Every table of the platform, created empty under `prefix` and deleted afterwards: a
    `Tables` reaching them through the SDK's defaults (AWS_ENDPOINT_URL: the session's moto)."""
    from devstack.provision import create_tables
    from newsroom.tables import Tables

    named = Tables.named(prefix)
    dynamodb = named.dynamodb()
    create_tables(dynamodb, named)
    try:
        yield named
    finally:
        for name in named.names.values():
            dynamodb.delete_table(TableName=name)


@pytest.fixture
def tables(moto_server, request):
    """Fresh, empty tables for one test (a prefix of its own)."""
    with fresh_tables(f"t{abs(hash(request.node.nodeid)) % 10**8}") as named:
        yield named


@pytest.fixture
def other_tables(tables):
    """A second set of fresh tables beside the test's own (another prefix)."""
    with fresh_tables(f"{tables.name('news').rsplit('-', 1)[0]}-other") as other:
        yield other
