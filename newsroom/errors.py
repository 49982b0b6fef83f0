"""Typed errors the API returns, and the envelope that carries them out of the resolver Lambda.

A direct Lambda resolver cannot attach `errorInfo` to a GraphQL error, so the resolver returns
`{"data": ...}` or `{"error": {"errorType", "message", "errorInfo"}}` and the field's APPSYNC_JS
code (infra/resolvers/invoke.js) calls `util.error(message, errorType, null, errorInfo)`.
"""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error the caller can act on; its message says what to fix."""

    error_type = "InternalError"

    def __init__(self, message: str, error_info: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.error_info = error_info


class ValidationError(ApiError):
    error_type = "ValidationError"


class NotFoundError(ApiError):
    error_type = "NotFoundError"


class Unauthorized(ApiError):
    error_type = "Unauthorized"


class ConflictError(ApiError):
    """A write based on a stale version; `errorInfo.current` is the item as stored now."""

    error_type = "ConflictError"

    def __init__(self, message: str, current: dict[str, Any] | None):
        super().__init__(message, {"current": current})
        self.current = current


def success(data: Any) -> dict[str, Any]:
    return {"data": data}


def failure(error: ApiError) -> dict[str, Any]:
    return {
        "error": {
            "errorType": error.error_type,
            "message": error.message,
            "errorInfo": error.error_info,
        }
    }
