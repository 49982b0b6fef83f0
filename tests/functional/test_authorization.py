"""Who may do what: each newsroom group (and a caller with no group, and no caller at all)
against each operation. A refused call changes nothing in any table."""
from __future__ import annotations

import pytest

from appsync_calls import call, dump_tables, identity, seed
from newsroom.entities import BY_NAME

NEWS = BY_NAME["news"]
CALLERS = {
    "admin": identity("admin-1", "admins"),
    "journalist": identity("journalist-1", "journalists"),
    "volunteer": identity("volunteer-1", "volunteers"),
    "volunteer via claims": identity("volunteer-2", "volunteers", via_claims=True),
    "signed in, no group": identity("nobody-1", None),
    "anonymous": None,
}
# Each operation: (field, arguments); "own" items belong to the caller, "theirs" to a colleague.
OPERATIONS = {
    "get": ("getNews", {"id": "news-theirs"}),
    "list": ("listNews", {}),
    "list by owner": ("listNewsByOwner", {"ownerId": "colleague"}),
    "changes since": ("changesSince", {"entity": "news", "since": 0}),
    "create": ("createNews", {"input": {"data": '{"title": "new"}'}}),
    "update own": ("updateNews", {"input": {"id": "news-own", "expectedVersion": 1, "data": "{}"}}),
    "update theirs": ("updateNews", {"input": {"id": "news-theirs", "expectedVersion": 1, "data": "{}"}}),
    "delete own": ("deleteNews", {"id": "news-own", "expectedVersion": 1}),
    "delete theirs": ("deleteNews", {"id": "news-theirs", "expectedVersion": 1}),
    "restore": ("restoreNews", {"id": "news-deleted"}),
    "purge": ("purgeNews", {"id": "news-theirs"}),
}
READS = {"get", "list", "list by owner", "changes since"}
ALLOWED = {
    "admin": set(OPERATIONS),
    "journalist": set(OPERATIONS) - {"restore", "purge"},
    "volunteer": READS | {"create", "update own", "delete own"},
    "volunteer via claims": READS | {"create", "update own", "delete own"},
    "signed in, no group": set(),
    "anonymous": set(),
}


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("caller", CALLERS)
def test_authorization_matrix(tables, caller, operation):
    who = CALLERS[caller]
    seed(tables, NEWS, "news-own", who["sub"] if who else "colleague")
    seed(tables, NEWS, "news-theirs", "colleague")
    seed(tables, NEWS, "news-deleted", "colleague", deleted=True)
    before = dump_tables(tables)
    field, arguments = OPERATIONS[operation]
    envelope = call(tables, field, who, **arguments) if who else call(tables, field, anonymous=True, **arguments)
    if operation in ALLOWED[caller]:
        assert "error" not in envelope, envelope
        assert envelope["data"] is not None
    else:
        assert envelope["error"]["errorType"] == "Unauthorized", envelope
        assert envelope["error"]["message"]
        assert dump_tables(tables) == before
