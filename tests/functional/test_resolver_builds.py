"""Two resolvers built in one process over two sets of tables (two local stacks, two tests) each
read and write their own tables only: the tables travel with the build, not the environment."""
from __future__ import annotations

import json

from appsync_calls import call_with, data_of, dump_tables, error_of, identity
from handlers import resolver
from newsroom.tables import Tables

EDITOR = identity("journalist-1", "journalists")


def test_two_builds_over_two_tables_write_to_their_own_only(tables, other_tables):
    first, second = resolver.build(tables), resolver.build(other_tables)
    mine = data_of(call_with(first, "createNews", EDITOR, input={"id": "news-1", "data": json.dumps({"title": "1"})}))
    theirs = data_of(call_with(second, "createNews", EDITOR, input={"id": "news-1", "data": json.dumps({"title": "2"})}))
    assert (mine["version"], theirs["version"]) == (1, 1)  # same id, no conflict: other tables
    assert [item["title"] for item in data_of(call_with(first, "listNews", EDITOR))["items"]] == ["1"]
    assert [item["title"] for item in data_of(call_with(second, "listNews", EDITOR))["items"]] == ["2"]
    data_of(call_with(second, "deleteNews", EDITOR, id="news-1", expectedVersion=1))
    assert data_of(call_with(first, "getNews", EDITOR, id="news-1"))["deletedAt"] is None
    announced = data_of(call_with(second, "announceEditing", EDITOR, entity="news", id="news-1"))
    assert announced["active"] and data_of(call_with(first, "listEditors", EDITOR, entity="news", id="news-1")) == []
    stored = {name: dump_tables(where)["news"] for name, where in (("first", tables), ("second", other_tables))}
    assert [json.loads(item["appFields"]["S"])["title"] for item in stored["first"]] == ["1"]
    assert [item.get("deletedAt") is not None for item in stored["second"]] == [True]


def test_a_build_for_tables_lacking_one_fails_that_field_alone(tables):
    """A function given only some tables (the bridge's kind) answers for those and reports the
    missing one as an internal error, never with another stack's table."""
    news_only = Tables({"news": tables.name("news")})
    partial = resolver.build(news_only)
    assert data_of(call_with(partial, "createNews", EDITOR, input={"data": "{}"}))["version"] == 1
    assert error_of(call_with(partial, "listJournals", EDITOR))["errorType"] == "InternalError"
