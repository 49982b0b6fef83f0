"""Optimistic locking under contention: eight editors saving the same conductor at once."""
from __future__ import annotations

import json
import threading

import pytest

from appsync_calls import call, data_of, identity
from newsroom.entities import BY_NAME

THREADS = 8
UPDATES_PER_THREAD = 50


@pytest.fixture
def atomic_conditional_writes(monkeypatch):
    """DynamoDB evaluates a write's condition and applies it atomically; moto's server checks
    and writes in separate steps on concurrent threads, so it can let two conditional puts of
    the same version both through. Serialise moto's writes to give them DynamoDB's guarantee."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.Lock()
    for name in ("put_item", "update_item", "delete_item"):
        unlocked = getattr(DynamoDBBackend, name)

        def locked(*args, _unlocked=unlocked, **kwargs):
            with lock:
                return _unlocked(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


def test_concurrent_read_modify_write_loses_no_update(tables, atomic_conditional_writes):
    conductor = BY_NAME["conductors"]
    editor = identity("journalist-1", "journalists")
    created = data_of(call("createConductor", editor, input={
        "id": "conductor-main", "data": json.dumps({"title": "Conducteur", "saves": {}})}))
    refusals, successes, problems = [], [], []
    lock = threading.Lock()

    def editor_session(number: int) -> None:
        try:
            current = json.loads(data_of(call("getConductor", editor, id="conductor-main"))["data"])
            for _ in range(UPDATES_PER_THREAD):
                while True:  # read-modify-write: retry on the server's item until it sticks
                    saves = dict(current["saves"])
                    saves[str(number)] = saves.get(str(number), 0) + 1
                    envelope = call("updateConductor", editor, input={
                        "id": "conductor-main", "expectedVersion": current["version"],
                        "data": json.dumps({"title": "Conducteur", "saves": saves})})
                    if "error" not in envelope:
                        current = json.loads(envelope["data"]["data"])
                        with lock:
                            successes.append(current["version"])
                        break
                    with lock:
                        refusals.append(envelope["error"])
                    current = envelope["error"]["errorInfo"]["current"]
        except Exception as error:  # surfaced below: a thread must not die silently
            problems.append(repr(error))

    threads = [threading.Thread(target=editor_session, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert problems == []
    final = json.loads(data_of(call("getConductor", editor, id="conductor-main"))["data"])
    assert len(successes) == THREADS * UPDATES_PER_THREAD
    assert final["version"] == created["version"] + len(successes)
    assert sorted(successes) == list(range(2, final["version"] + 1))  # each version written once
    assert final["saves"] == {str(n): UPDATES_PER_THREAD for n in range(THREADS)}  # no lost update
    assert refusals, "eight concurrent editors should have collided at least once"
    for refusal in refusals:
        assert refusal["errorType"] == "ConflictError"
        assert refusal["errorInfo"]["current"]["id"] == "conductor-main"
        assert refusal["errorInfo"]["current"]["version"] >= 2
