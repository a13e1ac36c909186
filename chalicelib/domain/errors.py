"""Errors the use cases raise. The HTTP layer maps each to its status code.

Kept free of any web framework so domain and services stay importable anywhere.
"""

from __future__ import annotations

from typing import Any


class LaurelError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        if code:
            self.code = code

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the body (none by default)."""
        return {}

    def to_body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            err["details"] = self.details
        return {"error": err}


class BadRequest(LaurelError):
    status = 400
    code = "bad_request"


class ValidationFailed(LaurelError):
    status = 422
    code = "validation_error"


class Unauthorized(LaurelError):
    status = 401
    code = "unauthorized"


class NotFound(LaurelError):
    status = 404
    code = "not_found"


class Conflict(LaurelError):
    status = 409
    code = "conflict"


class Gone(LaurelError):
    status = 410
    code = "gone"


class PayloadTooLarge(LaurelError):
    status = 413
    code = "payload_too_large"


class ServiceUnavailable(LaurelError):
    status = 503
    code = "service_unavailable"


class AddressSuppressed(ServiceUnavailable):
    """Mail a use case needs was not sent because the address is on the suppression list
    (issue 17). A 409, not a 503: trying again later does not help. A subclass of
    ServiceUnavailable so every caller that removes what it stored only for the mail
    (an export's file, a pending import) does so for this failure too."""

    status = 409
    code = "address_suppressed"


class UnsupportedMediaType(LaurelError):
    status = 415
    code = "unsupported_media_type"


class Forbidden(LaurelError):
    status = 403
    code = "forbidden"


class TooManyRequests(LaurelError):
    """A limit was reached; `retry_after`: seconds until it frees (the `Retry-After` header)."""
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, int(self.retry_after)))} if self.retry_after is not None else {}
