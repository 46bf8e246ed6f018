"""Authentication and rate limiting: the first thing every /v3.1 request goes through."""

import base64
import binascii

from fastapi import Request
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rolodex.config import Settings
from rolodex.errors import Unauthorized
from rolodex.services.context import Caller
from rolodex.services.ratelimit import Allowance, count_call
from rolodex.services.users import authenticate
from rolodex.storage.engine import run_in_transaction

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
    """Dependency of every /v3.1 route: the caller, after counting the call against the limits."""
    key = api_key_from(request.headers.get("authorization", ""))
    settings: Settings = request.app.state.settings
    limited = settings.rate_limit_daily > 0 or settings.rate_limit_per_second > 0

    def transaction(connection: Connection) -> tuple[Caller, Allowance | None]:
        caller = authenticate(connection, key)
        if caller is None:
            raise Unauthorized("The API key is not valid.")
        allowance = None
        if limited:
            allowance = count_call(
                connection, caller, settings.rate_limit_daily, settings.rate_limit_per_second
            )
        return caller, allowance

    caller, allowance = await run_in_threadpool(
        run_in_transaction,
        request.app.state.engine,
        transaction,
        limited,
        settings.write_retries,
    )
    request.state.caller = caller
    if allowance is not None:
        setattr(request.state, ALLOWANCE_STATE, allowance)
    return caller


class RateLimitHeaders:
    """ASGI middleware: X-RateLimit-* on every authenticated response, errors included."""

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
            await send(message)

        await self.app(scope, receive, send_with_headers)
