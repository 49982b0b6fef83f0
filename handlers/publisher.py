"""The publisher Lambda: each record of the tables' streams adopted or published
(newsroom/publishing.py), failed records reported in `batchItemFailures` to be retried.

Environment: the tables' `TABLE_*`, `GRAPHQL_URL` (the API) and `AWS_REGION` (its region)."""
from __future__ import annotations

from typing import Mapping

from handlers.environment import from_environment, required
from handlers.runtime import Handler, stream_consumer
from newsroom import publishing
from newsroom.tables import Tables


def build(tables: Tables, *, graphql_url: str, region: str, cafile: str | None = None) -> Handler:
    """The publisher of `tables`' changes to the API at `graphql_url` in `region`; `cafile`: an
    extra CA to trust for it (the local stack's own)."""
    appsync = publishing.AppSyncEndpoint(graphql_url, region, cafile)
    return stream_consumer(lambda record: publishing.publish_record(tables, appsync, record))


def _deployed(environ: Mapping[str, str]) -> Handler:
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or required(environ, "AWS_REGION")
    return build(Tables.from_env(environ), graphql_url=required(environ, "GRAPHQL_URL"), region=region)


handler = from_environment(_deployed)
