"""The error tree. Each error knows its HTTP status and a message a person can act on.

RolodexError
├── BadRequest (400)            bad input; may carry per-field errors
├── Unauthorized (401)          no valid API key
├── Forbidden (403)             the user may not do this (e.g. an admin-only change)
├── NotFound (404)              absent, or in another instance
├── Conflict (409)              the request clashes with the current state
├── PreconditionFailed (412)    stale If-Match
├── PayloadTooLarge (413)       body over the limit
├── UnsupportedMediaType (415)  a body neither JSON nor XML
├── ExpectationFailed (417)     an empty image body (as Insightly answers)
├── TooManyRequests (429)       a rate limit was hit; says which and when it resets
└── ServiceUnavailable (503)    the database cannot be reached or stays busy

405 (with Allow) and the framework's own 404/422 are answered in the same shape by api/app.py.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field."""

    field: str
    message: str


class RolodexError(Exception):
    """Base of every error the server answers with on purpose."""

    status_code = 500

    def __init__(
        self,
        message: str,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        # Response headers that belong to this error (e.g. Retry-After).
        self.headers = headers or {}


class BadRequest(RolodexError):
    status_code = 400


class Unauthorized(RolodexError):
    status_code = 401


class Forbidden(RolodexError):
    status_code = 403


class NotFound(RolodexError):
    status_code = 404


class Conflict(RolodexError):
    status_code = 409


class PreconditionFailed(RolodexError):
    status_code = 412


class PayloadTooLarge(RolodexError):
    status_code = 413


class UnsupportedMediaType(RolodexError):
    status_code = 415


class ExpectationFailed(RolodexError):
    status_code = 417


class TooManyRequests(RolodexError):
    status_code = 429


class ServiceUnavailable(RolodexError):
    status_code = 503


def invalid_field(field: str, message: str) -> BadRequest:
    """A 400 about a single field, with the field named in the message and in Errors."""
    return BadRequest(f"{field}: {message}", [FieldError(field, message)])


def invalid_input(errors: list[FieldError]) -> BadRequest:
    """A 400 listing every field that is wrong (the first few also in the message)."""
    summary = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return BadRequest(f"Invalid input: {summary}{more}.", errors)
