"""What `infra/resolvers/invoke.js` does in AppSync, in Python: build the direct Lambda
resolver event, and turn the resolver's `{data}|{error}` envelope into a result or a GraphQL
error. tests/devstack/test_invoke.py runs invoke.js under node over the same envelopes and
checks that both agree.
"""
from __future__ import annotations

from typing import Any


class AppSyncError(Exception):
    """What `util.error(message, errorType, data, errorInfo)` raises in APPSYNC_JS."""

    def __init__(self, message: Any, error_type: Any = None, data: Any = None,
                 error_info: Any = None):
        super().__init__(message)
        self.message = "" if message is None else message  # an error message is always text
        self.error_type = error_type
        self.data = data
        self.error_info = error_info


def _truthy(value: Any) -> bool:
    """JavaScript's truthiness for JSON values (an empty object or list is truthy)."""
    if value is None or value is False or value == "":
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0
    return True


def request(arguments: Any, identity: Any, source: Any, info: Any, request_: Any) -> dict:
    """`request(ctx)`'s payload: the direct Lambda resolver event."""
    return {
        "arguments": arguments,
        "identity": identity,
        "source": source,
        "info": info,
        "request": request_,
    }


def response(result: Any, invocation_error: dict[str, Any] | None = None) -> Any:
    """`response(ctx)`: `invocation_error` is `ctx.error` (the Lambda itself failed: `message`,
    `type`), `result` is `ctx.result` (the envelope)."""
    if _truthy(invocation_error):
        raise AppSyncError(invocation_error.get("message"), invocation_error.get("type"))
    if not isinstance(result, dict):
        # `const {data, error} = ctx.result` on null throws a TypeError in JavaScript.
        raise AppSyncError("Cannot destructure the resolver result", "TypeError")
    error = result.get("error")
    if _truthy(error):
        if not isinstance(error, dict):
            error = {}
        raise AppSyncError(
            error.get("message"), error.get("errorType"), None, error.get("errorInfo")
        )
    return result.get("data")


class LambdaContext:
    """The `context` a Lambda handler receives (what Powertools reads from it)."""

    def __init__(self, function_name: str, region: str):
        import uuid

        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:{region}:000000000000:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "devstack"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000
