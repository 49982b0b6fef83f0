"""The local stack: the whole Saint-Esprit platform on one machine, no AWS account.

Run:    make dev                      (installs what is missing, builds the frontend, then this)
        .venv/bin/python -m devstack [--port 8443] [--persist DIR] [--app-dir DIR]
        PORT=9443 make dev            (another port)
        nohup .venv/bin/python -m devstack > devstack.log 2>&1 &   (outlives the shell)
        make dev APP_DIR=../station/frontend [HOSTED_UI_DOMAIN=<the app's Cognito domain>]

What runs, all on 127.0.0.1, stopped together by Ctrl-C or SIGTERM (no process left, ports freed):
- moto in server mode on a free port: DynamoDB (+ Streams) with the tables of
  `newsroom/entities.py` (devstack/provision.py, the same definitions as infra/), the media S3
  bucket, a CloudFront distribution (for the invalidator), a Cognito user pool (groups admins,
  journalists, volunteers; a public app client allowing USER_PASSWORD_AUTH, since moto has no
  SRP) and an identity pool (no unauthenticated identities);
- on https://127.0.0.1:PORT (TLS with a certificate generated at start, signed by a local CA):
  the frontend (`frontend/dist`, or a page asking for `make frontend`), `/config.json`,
  `/graphql` and `/graphql/realtime` (AppSync's HTTP and real-time WebSocket protocols, served
  from `infra/schema.graphql` by devstack/gateway.py and devstack/realtime.py, calling
  `handlers.resolver`), `/media/*` (the media bucket, 404 when missing) and `/aws/*` (a proxy
  to moto, so the page's Cognito and S3 calls stay on one HTTPS origin);
- one stream poller per table (devstack/streams.py) feeding `handlers.publisher` and
  `handlers.invalidator`, so writes made straight to a table reach subscribers too;
- Cognito's Hosted UI (devstack/hosted_ui.py): `/login` (a form with `username` and
  `password`), `/oauth2/authorize`, `/oauth2/token` (authorization_code and refresh_token
  grants), `/oauth2/userInfo`, `/logout`, issuing the local pool's tokens (its platform client)
  whatever client id the page sends; config.json's `hostedUi` names it.

Demo users (admin, journalist, journalist2, volunteer) are created with generated passwords and
printed. Written under `.devstack/` at the repository root (git-ignored): `config.json` (as
served), `users.json` ([{username, password, group}]), `ca.pem` (the local CA: give it to Python
clients as SSL_CERT_FILE; browsers need `--ignore-certificate-errors` or a one-time exception).

Options:
  --port N       HTTPS port (default: $PORT or 8443; 0 picks a free one)
  --state-dir D  where config.json, users.json and the CA go (default: .devstack/)
  --persist DIR  keep data between runs: at a clean stop, items of every table, media files and
                 the demo users' passwords are saved in DIR and restored at the next start (see
                 devstack/persist.py). Without it, everything lives in memory only.
  --app-dir DIR  serve the station's own app folder at the site root instead of the newsroom
                 page: its files, `index.html` with its `js/core/storage-dynamodb-v2.js` tag
                 swapped for the platform's classic storage bundle (built by `make frontend`),
                 and the build's `assets/*`, with the CDN's cache rules (infra/station_app.py).
  --hosted-ui-domain NAME
                 with --app-dir: the Cognito domain the app has hard-coded (e.g.
                 `<prefix>.auth.eu-west-3.amazoncognito.com`); in the app's HTML and JavaScript
                 it is replaced by this stack's `127.0.0.1:PORT` as they are served, so the app
                 signs in here unchanged. Local only: the files on disk are not touched.
  --accept-client-id ID
                 (repeatable) also accept tokens issued to this app client (the gateway, the
                 WebSocket; listed in config.json's `hostedUi.clientIds`).

Limits, on purpose: the WebSocket accepts user pool tokens only (the API's subscribers are
signed-in users; IAM is for the publisher's `publish` over HTTP); each table stream is read from
its shards at start (moto keeps one shard per stream); state is saved only at a clean stop.

Tests and benchmarks use the same code in-process: `devstack.stack.Stack` (see its docstring;
several stacks with different prefixes can run in one process), and `devstack.client` (an
AppSync HTTP + real-time client speaking as aws-amplify v6 does).

The process uses fake AWS credentials and no AWS profile (devstack/process.py, its one set-up
of the environment) and the stack sends every AWS call to its moto server: it never touches a
real AWS account.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from devstack import process

# Set by `make dev` alone: the stack then stops when make dies. Started by hand (under nohup,
# setsid or a service manager) it runs until it is stopped, whatever becomes of its shell.
STOP_WITH_PARENT = "DEVSTACK_STOP_WITH_PARENT"

def stop_with_parent() -> None:
    """Get SIGTERM when the parent dies: `make dev` killed with SIGTERM does not pass the signal
    on, and the stack must not outlive it holding its ports (Linux only; elsewhere a no-op)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    PR_SET_PDEATHSIG = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() == 1:  # the parent was already gone before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8443))
    parser.add_argument("--persist", type=Path, metavar="DIR")
    parser.add_argument("--state-dir", type=Path, metavar="DIR")
    parser.add_argument("--app-dir", type=Path, metavar="DIR")
    parser.add_argument("--hosted-ui-domain", metavar="NAME")
    parser.add_argument("--accept-client-id", action="append", default=[], metavar="ID")
    args = parser.parse_args(argv)
    if args.hosted_ui_domain and not args.app_dir:
        parser.error("--hosted-ui-domain applies to the app served with --app-dir")

    process.set_up()  # never a real account: fake credentials, no profile (devstack/process.py)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("devstack").setLevel(logging.INFO)

    from devstack.stack import Stack
    from infra.station_app import StationAppError

    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    if os.environ.get(STOP_WITH_PARENT) == "1":
        stop_with_parent()

    stack = Stack(port=args.port, persist_dir=args.persist, state_dir=args.state_dir,
                  app_dir=args.app_dir, accept_client_ids=args.accept_client_id,
                  hosted_ui_domain=args.hosted_ui_domain)
    try:
        stack.start()
    except StationAppError as error:
        print(f"devstack: cannot serve the app folder: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"devstack: cannot serve on 127.0.0.1:{args.port}: {error}", file=sys.stderr)
        return 1
    try:
        print(f"\nSaint-Esprit local stack: {stack.url}/")
        if args.app_dir:
            print(f"(the station's app from {args.app_dir}, its storage tag swapped)")
        print(f"(certificate from a local CA: accept it once in the browser, or trust {stack.ca_path})\n")
        print("Demo users:")
        for user in stack.users:
            print(f"  {user['username']:<12} {user['password']:<18} {user['group']}")
        print(f"\nWritten: {stack.state_dir / 'config.json'}, {stack.state_dir / 'users.json'}, "
              f"{stack.ca_path}")
        if args.persist:
            print(f"data kept in {args.persist} (saved at a clean stop)")
        print("Ctrl-C to stop.", flush=True)
        while not stopping.wait(1):
            pass
    finally:
        print("\nstopping...", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
