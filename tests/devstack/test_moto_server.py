"""devstack/moto_server.py serves moto's WSGI application through names moto does not document
(`moto.server`'s DomainDispatcherApplication, create_backend_app, MotoRequestHandler): this
test is the one place a moto upgrade that moves or changes them fails, and it checks what the
stack relies on: AWS calls answered, and stop() ending a connection still open and joining the
thread serving it, the port freed."""
from __future__ import annotations

import socket
import threading

import boto3

from devstack.moto_server import MotoServer


def test_moto_serves_aws_calls_and_stop_ends_open_connections_and_their_threads():
    server = MotoServer()
    endpoint = server.start()
    port = int(endpoint.rsplit(":", 1)[1])
    try:
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        s3.create_bucket(Bucket="moto-pin")
        assert "moto-pin" in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
        assert s3.list_objects_v2(Bucket="moto-pin")["KeyCount"] == 0

        # A client that sent half a request: a thread is serving it, waiting for the rest.
        hanging = socket.create_connection(("127.0.0.1", port))
        hanging.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        s3.list_buckets()  # answered after the hanging connection was accepted
        serving = [t for t in threading.enumerate() if t.name == f"moto:{port} served"]
        assert serving and all(t.is_alive() for t in serving)
    finally:
        server.stop()
    assert not any(t.is_alive() for t in serving)
    assert [t.name for t in threading.enumerate() if t.name.startswith(f"moto:{port}")] == []
    assert hanging.recv(1) == b""  # the server ended it
    hanging.close()
    with socket.socket() as probe:  # nothing listens there any more
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
