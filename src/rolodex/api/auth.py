"""Authentication and rate limiting: the first thing every /v3.1 request goes through."""

import base64
import binascii

from fastapi import Request
from sqlalchemy import Connection, Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rolodex.api.common import run_unit
from rolodex.errors import Unauthorized
from rolodex.services.context import Caller
from rolodex.services.ratelimit import UNLIMITED, RateLimiter
from rolodex.services.users import authenticate, cached_caller
from rolodex.storage.engine import run_in_transaction

# The methods that change nothing (RFC 9110's safe methods); every other one is a write.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The burst limit per API key (an extension beside Insightly's X-RateLimit-Limit/-Remaining).
PER_SECOND_HEADER = b"x-ratelimit-limit-second"

# Where the allowance of the current call is kept in the ASGI scope's state.
ALLOWANCE_STATE = "rate_allowance"


def api_key_from(authorization: str) -> str:
    """The API key in Basic credentials: base64 of `key`, `key:` or `key:anything`."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise Unauthorized("Send your API key as HTTP Basic credentials (the key as user name).")
    encoded = encoded.strip()
    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        # Both alphabets: standard and URL-safe.
        decoded = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        text = decoded.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Unauthorized("The Authorization header is not valid base64.") from None
    key = text.partition(":")[0].strip()
    if not key:
        raise Unauthorized("The API key is missing from the Basic credentials.")
    return key


async def authenticated_caller(request: Request) -> Caller:
    """Dependency of every API route: the caller, after counting the call against the limits;
    403 for a read-only caller's POST, PUT, PATCH or DELETE.

    The caller comes from this process's cache when it was read less than CACHE_SECONDS ago,
    and the call is counted from this process's lease (or, with Redis, in Redis): most requests
    reach no database here."""
    key = api_key_from(request.headers.get("authorization", ""))
    engine: Engine = request.app.state.engine
    found = cached_caller(key)
    if found is None:

        def transaction(connection: Connection) -> Caller | None:
            return authenticate(connection, key)

        found = await run_unit(request, lambda: run_in_transaction(engine, transaction))
    if not isinstance(found, Caller):
        raise Unauthorized("The API key is not valid.")
    request.state.caller = found
    limiter: RateLimiter = request.app.state.rate_limiter
    allowance = limiter.take_local(found)
    if allowance is None:
        # A new lease from the shared counters: a write to the database, or a Redis script.
        allowance = await run_unit(request, lambda: limiter.take(found), write=True)
    setattr(request.state, ALLOWANCE_STATE, allowance)
    if request.method not in READING_METHODS:
        # Every route of every version depends on this, before it reads a body or an upload:
        # a read-only caller's write is refused here, once, whatever the route (403).
        found.check_may_write()
    return found


class RateLimitHeaders:
    """ASGI middleware: X-RateLimit-* on every authenticated response, errors included.

    Beside Insightly's two (the daily allowance), X-RateLimit-Limit-Second (an extension) says
    the burst limit per API key, so that a client can pace itself (UNLIMITED when it is off)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                allowance = scope.get("state", {}).get(ALLOWANCE_STATE)
                if allowance is not None:
                    headers = list(message.get("headers", []))
                    names = {name.lower() for name, _ in headers}
                    for name, value in allowance.headers().items():
                        if name.lower().encode() not in names:
                            headers.append((name.encode(), value.encode()))
                    message["headers"] = headers
                sent = message.get("headers", [])
                if any(name.lower() == b"x-ratelimit-limit" for name, _ in sent):
                    per_second = scope["app"].state.rate_limiter.per_second
                    value = str(per_second if per_second > 0 else UNLIMITED).encode()
                    message["headers"] = [*sent, (PER_SECOND_HEADER, value)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
