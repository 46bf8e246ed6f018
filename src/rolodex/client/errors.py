"""The SDK's exceptions: one per kind of refusal, each carrying the server's words.

ApiError                      the server answered with an error status
├── BadRequestError (400)     .errors lists the fields at fault ({"FIELD", "Message"})
├── AuthenticationError (401)
├── PermissionDeniedError (403)
├── NotFoundError (404)
├── ConflictError (409)
├── PreconditionFailedError (412)  the record changed since it was read (stale If-Match)
├── RateLimitedError (429)    still refused after the retries; .retry_after in seconds
└── ServerError (5xx)
TransportError                no answer (connection refused, timeout) after the retries
"""

from typing import Any


class ApiError(Exception):
    """An error response: its status, the server's Message and per-field Errors."""

    status_code = 0

    def __init__(
        self,
        status_code: int,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        method: str = "",
        url: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        where = f" ({method} {url})" if method else ""
        super().__init__(f"{status_code}: {message}{where}")
        self.status_code = status_code
        self.message = message
        self.errors = errors or []
        self.method = method
        self.url = url
        self.headers = headers or {}


class BadRequestError(ApiError):
    pass


class AuthenticationError(ApiError):
    pass


class PermissionDeniedError(ApiError):
    pass


class NotFoundError(ApiError):
    pass


class ConflictError(ApiError):
    pass


class PreconditionFailedError(ApiError):
    pass


class RateLimitedError(ApiError):
    @property
    def retry_after(self) -> float | None:
        value = self.headers.get("retry-after", "")
        return float(value) if value.isdigit() else None


class ServerError(ApiError):
    pass


class TransportError(Exception):
    """The server could not be reached or did not answer, after the retries."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    429: RateLimitedError,
}


def error_for(
    status_code: int, body: Any, method: str, url: str, headers: dict[str, str]
) -> ApiError:
    """The exception for an error response (its JSON body, or its text, as the message)."""
    message = ""
    errors: list[dict[str, Any]] = []
    if isinstance(body, dict):
        message = str(body.get("Message") or body.get("message") or "")
        raw_errors = body.get("Errors")
        if isinstance(raw_errors, list):
            errors = [e for e in raw_errors if isinstance(e, dict)]
    elif isinstance(body, str):
        message = body.strip()[:500]
    kind = _BY_STATUS.get(status_code)
    if kind is None:
        kind = ServerError if status_code >= 500 else ApiError
    return kind(status_code, message or f"HTTP {status_code}", errors, method, url, headers)
