"""Property-based fuzzing of the resolver: any arguments, any caller. The resolver always
answers with an envelope (never raises, never an InternalError), and a refused call leaves every
table byte-for-byte as it was."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from graphql import is_non_null_type
from hypothesis import strategies as st

from appsync_calls import call, dump_tables, identity, seed
from infra.appsync_schema import load
from newsroom.api import ROUTES
from newsroom.entities import BY_NAME

# Presence fields have their own tests (test_presence.py).
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
    seed(tables, BY_NAME["news"], "news-1", "journalist-1")
    seed(tables, BY_NAME["news"], "news-deleted", "volunteer-1", deleted=True)
    seed(tables, BY_NAME["conductors"], "conductor-1", "volunteer-1", scheduledDate="2025-11-18")
    before = dump_tables(tables)
    envelope = call(tables, field, caller, **arguments) if caller else call(tables, field, anonymous=True, **arguments)
    assert set(envelope) in ({"data"}, {"error"})
    if "error" in envelope:
        assert envelope["error"]["errorType"] in (
            "ValidationError", "ConflictError", "NotFoundError", "Unauthorized"), envelope
        assert envelope["error"]["message"]
        assert dump_tables(tables) == before


# ------------------------------------------------------------------ values nothing can store
# The hostile classes of values: each becomes a ValidationError naming the field that holds it
# (wherever in the item it hides), never an InternalError, and nothing is written.
def _deep_json(depth: int, kind: str) -> str:
    return ("[" * depth + "]" * depth) if kind == "list" else ('{"a":' * (depth - 1) + "{}" + "}" * (depth - 1))


LONE_SURROGATE = st.integers(0xD800, 0xDFFF).map(chr)
BAD_DURATIONS = st.one_of(
    st.sampled_from(["inf", "-inf", "Infinity", "nan", "NaN", "1e400", "-1e400", "1E999"]),
    st.integers(39, 80).map(lambda digits: "9" * digits + ":00"),
    st.integers(39, 80).map(lambda digits: "1:" + "5" * digits + ":00"),
)
BAD_NUMBERS = st.one_of(
    st.integers(10 ** 38, 10 ** 60).filter(lambda n: str(n).rstrip("0") != "1"),
    st.integers(10 ** 38, 10 ** 60).map(lambda n: -n),
    st.floats(min_value=1e127, max_value=1e307),
    st.floats(min_value=1e-300, max_value=1e-131),
)
BAD_TEXT = st.builds(lambda before, char, after: before + char + after,
                     st.text(max_size=10), LONE_SURROGATE, st.text(max_size=10))
PLACES = st.lists(st.sampled_from(["list", "map"]), max_size=3)  # where inside the field it hides
APP_FIELDS = st.sampled_from(["title", "content", "segments", "sounds", "meta", "notes"])


@st.composite
def hostile_items(draw):
    """(entity, data as the client sends it: JSON text or parsed, id or None, the field the
    error must name)."""
    kind = draw(st.sampled_from(["duration", "number", "deep", "text", "index", "name", "id"]))
    entity = BY_NAME[draw(st.sampled_from(["news", "conductors", "journals"]))]
    data = {"title": "Flash 7h", "status": "draft"}
    item_id, deep = None, None
    if kind == "duration":
        field = draw(st.sampled_from(["duration", "audioDuration"]))
        data[field] = draw(BAD_DURATIONS)
    elif kind == "index":
        entity = BY_NAME[draw(st.sampled_from(["conductors", "journals"]))]
        field = "scheduledDate"
        data[draw(st.sampled_from(["scheduledDate", "date"]))] = "2025-11-18" + draw(
            st.sampled_from(["x", "é", "🎙"])) * draw(st.integers(2048, 3000))
    elif kind == "id":
        field, item_id = "id", draw(BAD_TEXT)
    else:
        field = draw(APP_FIELDS)
        value = {"number": BAD_NUMBERS, "text": BAD_TEXT, "deep": st.just("\x00deep"),
                 "name": st.builds(lambda v: {"": v}, SCALARS)}[kind]
        value = draw(value)
        if kind == "deep":
            depth = draw(st.one_of(st.integers(34, 100), st.sampled_from([999, 1000, 5000])))
            deep = _deep_json(depth, draw(st.sampled_from(["list", "map"])))
        for place in draw(PLACES):
            value = [value] if place == "list" else {"inside": value}
        if kind == "name" and draw(st.booleans()):
            field, value = '""', draw(SCALARS)  # the empty name at the top: data {"": ...}
            data[""] = value
        else:
            data[field] = value
    as_text = deep is not None or draw(st.booleans())  # the local gateway hands over JSON text
    if deep is not None:
        text = json.dumps(data).replace(json.dumps("\x00deep"), deep)
        return entity, text, item_id, field
    return entity, json.dumps(data) if as_text else data, item_id, field


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(case=hostile_items(), update=st.booleans())
def test_values_nothing_can_store_are_validation_errors_naming_the_field(tables, case, update):
    entity, data, item_id, field = case
    seed(tables, entity, f"{entity.id_prefix}-seeded", "journalist-1", scheduledDate="2025-11-18")
    before = dump_tables(tables)
    if update and item_id is None:
        envelope = call(tables, f"update{entity.type_name}", input={
            "id": f"{entity.id_prefix}-seeded", "expectedVersion": 1, "data": data})
    else:
        envelope = call(tables, f"create{entity.type_name}", input={"id": item_id, "data": data})
    assert "error" in envelope, envelope
    error = envelope["error"]
    assert error["errorType"] == "ValidationError", error
    assert field in error["message"], (field, error["message"])
    assert dump_tables(tables) == before
    listed = call(tables, f"list{entity.plural}")  # the table still serves everyone
    assert "error" not in listed and listed["data"]["items"], listed
