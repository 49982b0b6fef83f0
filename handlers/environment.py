"""What the Lambda entry points read from their environment, once, at import.

Each entry point's module ends with `handler = from_environment(<its reading of os.environ>)`:
the only place the functions read their configuration (the tables through `Tables.from_env`,
the rest by name). Importing a module never fails (the tests and the packaging check import
them without a deployment's variables); a function deployed without a variable it needs fails
every invocation with an error naming that variable.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Mapping

from handlers.runtime import Handler


class Misconfigured(RuntimeError):
    """A variable the function needs is missing or unreadable."""


def required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name)
    if not value:
        raise Misconfigured(f"environment variable {name} is not set")
    return value


def integer(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise Misconfigured(f"environment variable {name} must be an integer, not {value!r}") from None


def from_environment(build: Callable[[Mapping[str, str]], Handler]) -> Handler:
    """`build(os.environ)`, or, when it finds the environment wanting, a handler failing every
    invocation with the reason."""
    try:
        return build(os.environ)
    except Misconfigured as error:
        reason = str(error)

        def misconfigured(event: dict, context: Any) -> dict:
            raise Misconfigured(reason)

        return misconfigured
