"""One resolver build serving threads at once (as the local stack does): optimistic locking under
contention (eight editors saving the same conductor), and each call answered as its own caller."""
from __future__ import annotations

import json
import threading

import pytest

from appsync_calls import call_with, data_of, identity
from handlers import resolver

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
    editor = identity("journalist-1", "journalists")
    resolve = resolver.build(tables)  # one build, every thread
    created = data_of(call_with(resolve, "createConductor", editor, input={
        "id": "conductor-main", "data": json.dumps({"title": "Conducteur", "saves": {}})}))
    refusals, successes, problems = [], [], []
    lock = threading.Lock()

    def editor_session(number: int) -> None:
        try:
            current = json.loads(data_of(call_with(resolve, "getConductor", editor, id="conductor-main"))["data"])
            for _ in range(UPDATES_PER_THREAD):
                while True:  # read-modify-write: retry on the server's item until it sticks
                    saves = dict(current["saves"])
                    saves[str(number)] = saves.get(str(number), 0) + 1
                    envelope = call_with(resolve, "updateConductor", editor, input={
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
    final = json.loads(data_of(call_with(resolve, "getConductor", editor, id="conductor-main"))["data"])
    assert len(successes) == THREADS * UPDATES_PER_THREAD
    assert final["version"] == created["version"] + len(successes)
    assert sorted(successes) == list(range(2, final["version"] + 1))  # each version written once
    assert final["saves"] == {str(n): UPDATES_PER_THREAD for n in range(THREADS)}  # no lost update
    assert refusals, "eight concurrent editors should have collided at least once"
    for refusal in refusals:
        assert refusal["errorType"] == "ConflictError"
        assert refusal["errorInfo"]["current"]["id"] == "conductor-main"
        assert refusal["errorInfo"]["current"]["version"] >= 2


def test_threads_sharing_a_build_are_each_answered_as_their_own_caller(tables):
    """Journalists and accounts in no newsroom group call one build at once: each create is
    owned by its own caller, each outsider refused, every time."""
    resolve = resolver.build(tables)
    callers = [identity(f"journalist-{n}", "journalists") for n in range(4)]
    callers += [identity(f"outsider-{n}", None) for n in range(4)]
    answers: dict[str, list] = {caller["sub"]: [] for caller in callers}
    start = threading.Barrier(len(callers))

    def session(caller: dict) -> None:
        start.wait()
        for n in range(UPDATES_PER_THREAD // 2):
            answers[caller["sub"]].append(call_with(resolve, "createNews", caller, input={
                "id": f"news-{caller['sub']}-{n}", "data": json.dumps({"title": caller["sub"]})}))

    threads = [threading.Thread(target=session, args=(caller,)) for caller in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for sub, envelopes in answers.items():
        assert len(envelopes) == UPDATES_PER_THREAD // 2
        if sub.startswith("journalist"):
            assert {(data_of(e)["ownerId"], data_of(e)["updatedBy"], data_of(e)["title"]) for e in envelopes} == {
                (sub, sub, sub)}
        else:
            assert {e["error"]["errorType"] for e in envelopes} == {"Unauthorized"}
