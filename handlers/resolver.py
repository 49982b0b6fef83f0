"""The AppSync data source for every query and mutation of the newsroom API (except `publish`):
the Lambda entry point of newsroom/api.py, which holds the operations and their routes."""
from __future__ import annotations

from typing import Any, Mapping

from handlers.environment import from_environment, integer
from handlers.runtime import Handler, instrumented
from newsroom import api, items
from newsroom.tables import Tables


def build(tables: Tables, *, retention_days: int = items.DEFAULT_RETENTION_DAYS) -> Handler:
    """The resolver over `tables`; a tombstone stays restorable `retention_days` (the stack's
    setting) before DynamoDB's TTL purges it."""

    @instrumented
    def handler(event: dict, context: Any) -> dict:
        return api.resolve(tables, event, retention_days=retention_days,
                           request_id=getattr(context, "aws_request_id", None))

    return handler


def _deployed(environ: Mapping[str, str]) -> Handler:
    return build(Tables.from_env(environ), retention_days=integer(
        environ, "TOMBSTONE_RETENTION_DAYS", items.DEFAULT_RETENTION_DAYS))


handler = from_environment(_deployed)
