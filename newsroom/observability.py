"""Powertools' structured logger, tracer and metrics, configured once for every handler.

The metrics namespace falls back to the project's own, so a function deployed without
POWERTOOLS_METRICS_NAMESPACE still flushes its metrics instead of failing the invocation.
"""
from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
# The handlers call AWS through botocore and the API's `publish` through http.client (urllib):
# patching those two alone, instead of every library the X-Ray SDK knows (requests, sqlite3,
# httpx, ...), spares importing them on a cold start (bench/resolver_overhead.py).
tracer = Tracer(patch_modules=("botocore", "httplib"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "SaintEsprit")

__all__ = ["MetricUnit", "logger", "metrics", "tracer"]
