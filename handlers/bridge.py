"""The bridge Lambda: each record of the legacy tables' streams carried into the platform's
tables (newsroom/bridging.py); records that cannot become an item are reported in
`batchItemFailures` (retried a bounded number of times, then sent to the failure queue).

Environment: `LEGACY_TABLES` (JSON: legacy table name → entity, e.g.
`{"saint-esprit-news": "news"}`) and the platform's `TABLE_*` variables.
"""
from __future__ import annotations

import json
from typing import Mapping

from handlers.environment import Misconfigured, from_environment
from handlers.runtime import Handler, stream_consumer
from newsroom import bridging
from newsroom.tables import Tables


def build(tables: Tables, *, legacy_tables: Mapping[str, str]) -> Handler:
    """The bridge from the legacy tables named in `legacy_tables` (legacy table name → entity
    name) into `tables`; ValueError when a value is not an entity."""
    bridged = bridging.bridged_entities(legacy_tables)
    return stream_consumer(lambda record: bridging.carry_record(tables, bridged, record))


def _deployed(environ: Mapping[str, str]) -> Handler:
    try:
        return build(Tables.from_env(environ), legacy_tables=json.loads(environ.get("LEGACY_TABLES") or "{}"))
    except ValueError as error:  # JSONDecodeError is one
        raise Misconfigured(f"environment variable LEGACY_TABLES: {error}") from None


handler = from_environment(_deployed)
