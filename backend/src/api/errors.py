"""Typed errors raised anywhere below the router; ``api.app`` turns them into HTTP answers.

Every error answer has one shape: ``{"error": "<message for a person>", "code": "<CODE>"}``.
"""

from __future__ import annotations


class ApiError(Exception):
    status = 500
    code = "INTERNAL_ERROR"
    retry_after: int | None = None
    """Seconds to wait before retrying, sent as ``Retry-After``; None: no such header."""

    def __init__(
        self, message: str, code: str | None = None, *, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if retry_after is not None:
            self.retry_after = max(1, int(retry_after))

    @property
    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}

    def body(self) -> dict[str, str]:
        return {"error": self.message, "code": self.code}


class InvalidRequest(ApiError):
    status = 400
    code = "INVALID_REQUEST"


class ContentBlocked(ApiError):
    status = 400
    code = "CONTENT_BLOCKED"


class NotFound(ApiError):
    status = 404
    code = "NOT_FOUND"


class MethodNotAllowed(ApiError):
    status = 405
    code = "METHOD_NOT_ALLOWED"

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(f"method not allowed; use {', '.join(allowed)}")
        self.allowed = allowed

    @property
    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class RateLimited(ApiError):
    status = 429
    code = "RATE_LIMITED"


class ServiceUnavailable(ApiError):
    status = 503
    code = "SERVICE_UNAVAILABLE"


class ServiceBusy(ServiceUnavailable):
    """The rate limiter could not decide in time (contention): not a reached limit."""

    code = "SERVICE_BUSY"


class StorageUnavailable(ServiceUnavailable):
    """The object store cannot be reached (bucket missing, endpoint down, disk error)."""

    code = "STORAGE_UNAVAILABLE"
    retry_after = 5


class PayloadTooLarge(ApiError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


class LengthRequired(ApiError):
    status = 411
    code = "LENGTH_REQUIRED"


class SpendLimitReached(RateLimited):
    """The day's spend ceiling (DAILY_SPEND_LIMIT_USD) has no room for this job."""

    code = "SPEND_LIMIT_REACHED"


class Conflict(ApiError):
    status = 409
    code = "CONFLICT"
