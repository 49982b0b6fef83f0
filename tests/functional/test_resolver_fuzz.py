"""Property-based fuzzing of the resolver: any arguments, any caller. The resolver always
answers with an envelope (never raises, never an InternalError), and a refused call leaves every
table byte-for-byte as it was."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from graphql import is_non_null_type
from hypothesis import strategies as st

from appsync_calls import call, dump_tables, identity, seed
from handlers.entities import BY_NAME
from handlers.resolver import ROUTES
from infra.appsync_schema import load

# Presence fields are engineer F's module, fuzzed by its own tests.
FIELDS = sorted(field for (_, field) in ROUTES if "Edit" not in field)
IDS = st.sampled_from(["news-1", "conductor-1", "journal-1", "news-deleted", "", " x", "1731913200"])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 2**40), st.floats(allow_nan=True),
    st.text(max_size=30), IDS,
)
ITEM_FIELDS = st.dictionaries(
    st.sampled_from(["title", "duration", "audioData", "segments", "version", "ownerId",
                     "scheduledDate", "date", "expiresAt", "liveList", "sounds", "content"]),
    st.one_of(SCALARS, st.just("data:audio/mpeg;base64,AAAA"), st.just("1:30"),
              st.lists(st.dictionaries(st.sampled_from(["id", "url", "duration"]), SCALARS), max_size=3)),
    max_size=6,
)
DATA = st.one_of(ITEM_FIELDS.map(json.dumps), ITEM_FIELDS, SCALARS)
INPUT = st.one_of(st.fixed_dictionaries({}, optional={
    "id": st.one_of(IDS, SCALARS), "expectedVersion": st.one_of(st.integers(-1, 3), SCALARS),
    "data": DATA}), SCALARS)
# Values per argument name of the schema (plus an argument no field declares).
VALUES = {
    "id": st.one_of(IDS, SCALARS), "input": INPUT, "expectedVersion": st.one_of(st.integers(-1, 3), SCALARS),
    "limit": st.one_of(st.integers(-1, 1200), SCALARS), "nextToken": SCALARS,
    "ownerId": st.one_of(st.just("journalist-1"), SCALARS), "scheduledDate": st.one_of(st.just("2025-11-18"), SCALARS),
    "entity": st.one_of(st.sampled_from(["news", "conductors", "habillage"]), SCALARS),
    "since": st.one_of(st.integers(0, 2**42), SCALARS), "unexpected": SCALARS,
}


def arguments_for(field: str):
    """The field's required arguments, some of its optional ones, rarely a stray one."""
    declared = load().get_type(_type_of(field)).fields[field].args
    required = {name: VALUES[name] for name, arg in declared.items() if is_non_null_type(arg.type)}
    optional = {name: VALUES[name] for name, arg in declared.items() if name not in required}
    stray = st.sampled_from([{}] * 9 + [{"unexpected": 1}])
    return st.builds(lambda own, extra: {**own, **extra},
                     st.fixed_dictionaries(required, optional=optional), stray)


def _type_of(field: str) -> str:
    return next(type_name for (type_name, name) in ROUTES if name == field)


def make_caller(sub: str, group: str | None, via_claims: bool):
    if group == "anonymous":
        return None
    if group == "iam":
        return {"sub": None, "username": "iam-role", "claims": {}}
    return identity(sub, group, via_claims=via_claims)


CALLERS = st.builds(
    make_caller,
    st.sampled_from(["journalist-1", "volunteer-1", "admin-1"]),
    st.sampled_from(["journalists", "volunteers", "admins", "journalists", "volunteers", "admins",
                     None, "anonymous", "iam"]),
    st.booleans(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), caller=CALLERS, draw=st.data())
def test_any_call_gets_an_envelope_and_a_refusal_changes_nothing(tables, field, caller, draw):
    arguments = draw.draw(arguments_for(field), label="arguments")
    seed(BY_NAME["news"], "news-1", "journalist-1")
    seed(BY_NAME["news"], "news-deleted", "volunteer-1", deleted=True)
    seed(BY_NAME["conductors"], "conductor-1", "volunteer-1", scheduledDate="2025-11-18")
    before = dump_tables()
    envelope = call(field, caller, **arguments) if caller else call(field, anonymous=True, **arguments)
    assert set(envelope) in ({"data"}, {"error"})
    if "error" in envelope:
        assert envelope["error"]["errorType"] in (
            "ValidationError", "ConflictError", "NotFoundError", "Unauthorized"), envelope
        assert envelope["error"]["message"]
        assert dump_tables() == before
