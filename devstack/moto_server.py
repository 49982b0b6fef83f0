"""moto in server mode on a free loopback port, stopped for good.

moto's own `ThreadedMotoServer` returns from stop() while requests in flight are still being
served and leaves the listening socket open. `MotoServer` serves the same WSGI application
(`DomainDispatcherApplication(create_backend_app)` with moto's request handler, what
ThreadedMotoServer and `moto_server` run) with werkzeug's public `ThreadedWSGIServer`, tracking
the connections it serves: stop() ends them and joins every thread that served them.

The three moto names below are what moto's `moto.server` module imports for its own server;
they are not documented API. They are imported here only, and tests/devstack/test_moto_server.py
fails on a moto upgrade that moves or changes them (moto is pinned in requirements.txt).
"""
from __future__ import annotations

import logging
import socket
import threading
import time

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import ThreadedWSGIServer

STOP_SECONDS = 5  # how long stop() waits for the connections it ended to be let go


class _TrackingServer(ThreadedWSGIServer):
    """Werkzeug's threaded server, knowing which connections are open and who serves them."""

    def __init__(self, host: str, port: int, app):
        super().__init__(host, port, app, handler=MotoRequestHandler)
        self.open: set[socket.socket] = set()  # connections being served
        self.threads: list[threading.Thread] = []  # the threads that served them
        self.lock = threading.Lock()

    def process_request(self, request, client_address) -> None:
        with self.lock:  # in the accepting thread: no connection escapes stop()
            self.open.add(request)
            self.threads = [thread for thread in self.threads if thread.is_alive()]
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        # Named for whose thread it is (tests tell one stack's threads from another's).
        threading.current_thread().name = f"moto:{self.server_port} served"
        with self.lock:
            self.threads.append(threading.current_thread())
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.lock:
                self.open.discard(request)

    def end_connections(self, seconds: float) -> None:
        """End the open connections and wait for their threads (at most `seconds`)."""
        with self.lock:
            connections = list(self.open)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)  # the serving thread sees the end
            except OSError:
                pass  # closed meanwhile
        deadline = time.monotonic() + seconds
        while self.open and time.monotonic() < deadline:
            time.sleep(0.01)
        with self.lock:
            threads = list(self.threads)
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))


class MotoServer:
    """moto on 127.0.0.1, a free port. Every moto server of a process shares moto's state (its
    backends are module-level): stacks sharing a process tell their resources apart by name."""

    def __init__(self):
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log lines
        self._server: _TrackingServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Start serving; returns the endpoint URL."""
        self._server = _TrackingServer(
            "127.0.0.1", 0, DomainDispatcherApplication(create_backend_app)
        )
        port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"moto:{port}", daemon=True
        )
        self._thread.start()
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        """No new connection, the open ones ended, every thread joined, the port freed."""
        if self._server is None:
            return
        self._server.shutdown()  # serve_forever returns: nothing is accepted any more
        self._thread.join()
        self._server.server_close()
        self._server.end_connections(STOP_SECONDS)
        self._server = None
