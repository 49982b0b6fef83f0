"""Starting and stopping: `python -m devstack` prints what a user needs and stops cleanly on
SIGTERM (ports freed, nothing left running), and `--persist` brings the newsroom back after a
restart, owners included."""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3

from devstack.client import RealtimeClient, graphql
from devstack.stack import Stack
from newsroom_calls import CREATE_NEWS, ON_NEWS, UPDATE_NEWS

ROOT = Path(__file__).resolve().parents[2]


def _port_is_free(port: int) -> bool:
    """Nothing listens there any more: a server may bind it again (SO_REUSEADDR, as servers
    do, lets connections the stack closed linger in TIME_WAIT)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
    return True


def _serving(process: subprocess.Popen) -> tuple[str, int]:
    """What a starting `python -m devstack` printed until it serves, and its port."""
    output = ""
    while "Ctrl-C to stop." not in output:
        line = process.stdout.readline()
        assert line, f"devstack exited early:\n{output}"
        output += line
    return output, int(re.search(r"https://127\.0\.0\.1:(\d+)/", output)[1])


def test_stop_frees_the_ports_and_threads_even_with_a_subscriber_connected(tmp_path):
    endpoint_before = os.environ.get("AWS_ENDPOINT_URL")
    threads_before = set(threading.enumerate())
    stack = Stack(port=0, state_dir=tmp_path, prefix="devstack-stop").start()
    moto_port = int(stack.moto_endpoint.rsplit(":", 1)[1])

    async def subscribed_then_stopped():
        async with RealtimeClient(stack.realtime_url, stack.sign_in("admin")["AccessToken"],
                                  stack.ca_path) as client:
            await client.subscribe(ON_NEWS)
            await asyncio.to_thread(stack.stop)

    asyncio.run(subscribed_then_stopped())
    assert _port_is_free(stack.port) and _port_is_free(moto_port)
    # Other stacks of the test session (the package's, the e2e one) keep serving meanwhile:
    # their moto threads are theirs. Any other thread started since is a leak of this stack.
    other_stacks = re.compile(rf"moto:(?!{moto_port} )\d+ ")
    leftovers = [t.name for t in set(threading.enumerate()) - threads_before
                 if t.is_alive() and not other_stacks.match(t.name)]
    assert leftovers == []
    assert os.environ.get("AWS_ENDPOINT_URL") == endpoint_before


def test_python_m_devstack_prints_the_url_and_users_and_stops_on_sigterm(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", "--port", "0", "--state-dir", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        output, port = _serving(process)
        users = json.loads((tmp_path / "users.json").read_text())
        assert {u["group"] for u in users} == {"admins", "journalists", "volunteers"}
        for user in users:
            assert f"{user['username']}" in output and user["password"] in output
        assert json.loads((tmp_path / "config.json").read_text())["graphqlUrl"] == \
            f"https://127.0.0.1:{port}/graphql"
        assert (tmp_path / "ca.pem").is_file()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert _port_is_free(port)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_persist_brings_items_media_and_owners_back(tmp_path):
    data_dir = tmp_path / "data"
    with Stack(port=0, state_dir=tmp_path / "one", persist_dir=data_dir,
               prefix="devstack-persist-one") as first:
        token = first.sign_in("volunteer")["AccessToken"]
        created = graphql(first.graphql_url, CREATE_NEWS, {"input": {
            "id": "news-benevole", "data": json.dumps({"title": "Fête du quartier"})}},
            token=token, ca_path=first.ca_path).json()["data"]["createNews"]
        assert created["ownerId"] == first.subs["volunteer"]
        first.client("s3").put_object(Bucket=first.media_bucket, Key="media/audio/x/a.mp3",
                                      Body=b"mp3", ContentType="audio/mpeg")
        passwords = {u["username"]: u["password"] for u in first.users}
        old_sub = first.subs["volunteer"]

    # A fresh moto state (other names), restored from the saved directory.
    with Stack(port=0, state_dir=tmp_path / "two", persist_dir=data_dir,
               prefix="devstack-persist-two") as second:
        assert {u["username"]: u["password"] for u in second.users} == passwords
        assert second.subs["volunteer"] != old_sub
        token = second.sign_in("volunteer")["AccessToken"]
        # Still the volunteer's own news: they may edit it.
        answer = graphql(second.graphql_url, UPDATE_NEWS, {"input": {
            "id": "news-benevole", "expectedVersion": 1,
            "data": json.dumps({"title": "Fête du quartier (samedi)"})}},
            token=token, ca_path=second.ca_path).json()
        assert "errors" not in answer, answer
        assert answer["data"]["updateNews"]["version"] == 2
        media = boto3.client("s3", endpoint_url=second.moto_endpoint, region_name=second.region)
        assert media.get_object(Bucket=second.media_bucket,
                                Key="media/audio/x/a.mp3")["Body"].read() == b"mp3"


def test_the_stack_stops_when_its_parent_dies(tmp_path):
    """`make dev` killed with SIGTERM does not pass the signal on: the stack must still go."""
    parent = subprocess.Popen(
        ["bash", "-c", f"'{sys.executable}' -m devstack --port 0 --state-dir '{tmp_path}'; true"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "DEVSTACK_STOP_WITH_PARENT": "1"},  # as `make dev` starts it
    )
    _, port = _serving(parent)
    assert not _port_is_free(port)
    parent.kill()
    parent.wait()
    # The orphaned stack gets SIGTERM from the kernel and stops cleanly.
    deadline = time.monotonic() + 30
    while _processes_mentioning(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.2)
    orphans = _processes_mentioning(str(tmp_path))
    for pid in orphans:
        os.kill(pid, signal.SIGKILL)
    assert orphans == [], "the stack outlived its parent"
    assert "stopping..." in parent.stdout.read()
    assert _port_is_free(port)


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains `text`."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text in cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                found.append(int(cmdline.parent.name))
        except OSError:  # the process ended meanwhile
            continue
    return found
