"""The one set-up of a process that runs local stacks (`python -m devstack`, the benchmarks):
the only place in devstack/ that writes the process environment.

A `Stack` itself never writes it: it passes its tables, endpoint, region and URLs to the
functions it builds (handlers.*.build), so two stacks can share a process. What is left is
process-wide by nature and set here, once, before any stack starts:
- fake credentials and no AWS profile, so no call can ever reach a real account (every client
  of a stack is pointed at its moto server; the SDK still wants credentials to sign with);
- the functions' Powertools configuration where the environment does not give one: Powertools
  reads it when handlers/ and newsroom/observability are first imported.
"""
from __future__ import annotations

import os
from typing import Mapping, MutableMapping

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "devstack",
    "AWS_SECRET_ACCESS_KEY": "devstack-secret",
    "AWS_SESSION_TOKEN": "devstack",
}
# Where the SDK would find a real account's credentials or settings.
AWS_PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
# The functions' configuration in infra/, where the environment does not say otherwise
# (metrics off: CloudWatch's EMF lines would only clutter the console).
LAMBDA_DEFAULTS = {
    "POWERTOOLS_SERVICE_NAME": "saint-esprit-local",
    "POWERTOOLS_METRICS_NAMESPACE": "SaintEsprit",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


def set_up(environ: MutableMapping[str, str] = os.environ, *,
           function_defaults: Mapping[str, str] = LAMBDA_DEFAULTS) -> None:
    """Fake credentials, no profile, the functions' defaults (`function_defaults`: a benchmark
    measuring a function as deployed passes infra's): call it first thing in main(), before
    importing handlers/ or devstack.stack."""
    environ.update(FAKE_CREDENTIALS)
    for name in AWS_PROFILE_VARIABLES:
        environ.pop(name, None)
    for name, value in function_defaults.items():
        environ.setdefault(name, value)
