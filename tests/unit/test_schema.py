"""The GraphQL schema as AppSync reads it: it parses with AppSync's scalars and directives,
names every operation of docs/contracts.md for every entity, and `infra/api.py` maps every
root field to a resolver."""
from __future__ import annotations

import pytest
from graphql import GraphQLNonNull, get_named_type

from newsroom.auth import GROUPS
from newsroom.entities import ENTITIES, Entity
from infra import appsync_schema
from infra.api import PUBLISH_FIELD, field_resolvers


@pytest.fixture(scope="module")
def schema():
    return appsync_schema.load()


def directives(field) -> dict[str, dict]:
    return {
        d.name.value: {a.name.value: a.value for a in d.arguments}
        for d in field.ast_node.directives
    }


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_every_entity_has_the_whole_set_of_operations(schema, entity: Entity):
    t = entity.type_name
    queries, mutations = schema.query_type.fields, schema.mutation_type.fields
    assert get_named_type(queries[f"get{t}"].type).name == t
    assert set(queries[f"list{entity.plural}"].args) == {"limit", "nextToken"}
    assert f"list{entity.plural}ByOwner" in queries
    for verb in ("create", "update", "delete", "restore"):
        assert get_named_type(mutations[f"{verb}{t}"].type).name == t, verb
    assert set(mutations[f"delete{t}"].args) == {"id", "expectedVersion"}
    update_input = get_named_type(mutations[f"update{t}"].args["input"].type)
    assert isinstance(update_input.fields["expectedVersion"].type, GraphQLNonNull)
    subscription = schema.subscription_type.fields[f"on{t}Changed"]
    assert get_named_type(subscription.type).name == "Change"
    if entity.scheduled:
        assert f"list{entity.plural}ByDate" in queries


def test_entity_enum_is_the_entity_list(schema):
    assert set(schema.type_map["Entity"].values) == {e.name for e in ENTITIES}


def test_catch_up_query_returns_changes_since_a_time(schema):
    changes = schema.query_type.fields["changesSince"]
    assert {"entity", "since", "limit", "nextToken"} == set(changes.args)
    change = get_named_type(changes.type).fields["items"].type
    assert get_named_type(change).name == "Change"


def test_change_carries_what_subscribers_need(schema):
    assert {"entity", "op", "id", "version", "item", "changedBy", "changedAt"} <= set(schema.type_map["Change"].fields)


def test_publish_is_iam_only_and_feeds_every_entity_subscription(schema):
    publish = schema.mutation_type.fields[PUBLISH_FIELD]
    assert set(directives(publish)) == {"aws_iam"}
    for entity in ENTITIES:
        subscribe = directives(schema.subscription_type.fields[f"on{entity.type_name}Changed"])["aws_subscribe"]
        assert [v.value for v in subscribe["mutations"].values] == [PUBLISH_FIELD]


def test_every_subscription_is_for_the_newsroom_groups_only(schema):
    """Subscriptions run no Lambda: the schema itself must keep accounts in no group out (the
    local stack's WebSocket reads the same directive)."""
    for name, field in schema.subscription_type.fields.items():
        auth = {key: value for key, value in directives(field).items() if key != "aws_subscribe"}
        assert set(auth) == {"aws_cognito_user_pools"}, name
        groups = auth["aws_cognito_user_pools"]["cognito_groups"]
        assert [value.value for value in groups.values] == list(GROUPS), name


def test_no_api_key_directive_anywhere():
    assert "@aws_api_key" not in appsync_schema.schema_sdl()


def test_field_resolvers_cover_every_root_field_once(schema):
    planned = field_resolvers()
    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    every_field = [(root.name, name) for root in roots for name in root.fields]
    assert sorted((t, f) for t, f, _ in planned) == sorted(every_field)
    on_none = {(t, f) for t, f, source in planned if source == "none"}
    assert on_none == {("Mutation", PUBLISH_FIELD)} | {("Subscription", f) for f in schema.subscription_type.fields}
