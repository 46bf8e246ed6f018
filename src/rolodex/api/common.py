"""What every endpoint shares: authentication, the unit of work, body and paging parsing."""

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import anyio
from fastapi import Request
from sqlalchemy import Connection, Engine

from rolodex.api.responses import is_xml_body
from rolodex.config import Settings
from rolodex.domain.dates import parse_datetime
from rolodex.errors import PayloadTooLarge, UnsupportedMediaType, invalid_field
from rolodex.services.context import Caller
from rolodex.services.records import parse_bool
from rolodex.storage.engine import run_in_transaction
from rolodex.storage.replicas import ReadRouter
from rolodex.storage.repository import Page
from rolodex.web.bodies import body_stream
from rolodex.wire import xml
from rolodex.wire.dates import NO_QUERY_DATE, QUERY_DATE_PATTERN
from rolodex.wire.json import loads_body

T = TypeVar("T")

MAX_TOP = 500
DEFAULT_TOP = 100
MAX_SKIP = 2**62


class WriteLane:
    """The threads in which one server process runs its write transactions: at most
    `write_threads` at once (default 1 on SQLite, whose writers take turns anyway, 2 on
    PostgreSQL). More would only queue at the database's locks and the GIL."""

    def __init__(self, settings: Settings, dialect: str) -> None:
        threads = settings.write_threads or (2 if dialect == "postgresql" else 1)
        self.limiter = anyio.CapacityLimiter(threads)


async def run_unit(request: Request, work: Callable[[], T], write: bool = False) -> T:
    """`work()`, a unit of work: a write in the process's write lane, off the event loop; a
    read right here, on the event loop.

    A read never waits for a lock (SQLite's WAL, PostgreSQL's MVCC) and is a few milliseconds
    of CPU, most of it Python holding the GIL: in a thread it only adds hand-offs, and many
    threads convoy at the GIL (measured with 16 connections: a thread per read served 3x fewer
    lists of 100 than one read at a time, and running reads on the loop 1.3-1.9x more GETs
    than one read thread). While a read runs, the process's other requests wait for it, as
    they would for the CPU. A write can wait (SQLite's lock, a retry after a deadlock), so it
    runs in a thread."""
    if not write:
        return work()
    lane: WriteLane = request.app.state.write_lane
    return await anyio.to_thread.run_sync(work, limiter=lane.limiter)


async def execute(
    request: Request, work: Callable[[Connection, Caller], T], write: bool = False
) -> T:
    """Run `work` for the authenticated caller in one unit of work (`run_unit`: a read on the
    event loop, a write in the write lane). With replicas configured, a read that is no sweep
    may go to a replica that has the caller's own writes, and a write records the caller's
    fence (rolodex.storage.replicas)."""
    caller: Caller = request.state.caller
    engine: Engine = request.app.state.engine
    retries = request.app.state.settings.write_retries
    router: ReadRouter | None = request.app.state.read_router

    def transaction(connection: Connection) -> T:
        return work(connection, caller)

    def on_primary() -> T:
        return run_in_transaction(engine, transaction, write, retries)

    if router is None:
        return await run_unit(request, on_primary, write)
    if write:

        def then_fence() -> T:
            result = on_primary()
            router.wrote(caller.instance_id, caller.user_id)
            return result

        return await run_unit(request, then_fence, write)
    if _is_sweep(request):
        return await run_unit(request, on_primary)
    return await run_unit(
        request, lambda: router.read(caller.instance_id, caller.user_id, transaction, on_primary)
    )


def _is_sweep(request: Request) -> bool:
    """Whether a read asks what changed since a time: read from the primary, so that a replica
    that has not replayed a change yet never makes the caller's high-water mark skip it."""
    return any(query_value(request, name) for name in ("updated_after_utc", "deleted_after_utc"))


async def read_body(request: Request) -> Any:
    """The decoded JSON or XML body, within the size limit; 413 / 415 / 400 otherwise."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    xml_body = is_xml_body(request.headers)
    if (
        content_type
        and not xml_body
        and "json" not in content_type
        and content_type != "text/plain"
    ):
        raise UnsupportedMediaType(
            f"Content-Type '{content_type}' is not supported; send application/json or "
            "application/xml."
        )
    limit = request.app.state.settings.max_body_bytes

    def too_large() -> PayloadTooLarge:
        return PayloadTooLarge(f"The request body is larger than the limit of {limit} bytes.")

    body = bytearray()
    async for chunk in body_stream(request, limit, too_large):
        body.extend(chunk)
    if xml_body:
        return xml.loads(bytes(body))
    return loads_body(bytes(body))


def query_value(request: Request, name: str) -> str | None:
    """A query parameter by name, in any letter case (clients differ)."""
    value = request.query_params.get(name)
    if value is None:
        lowered = name.lower()
        for key, candidate in request.query_params.multi_items():
            if key.lower() == lowered:
                value = candidate
                break
    if value is not None and "\x00" in value:
        raise invalid_field(name, "must not contain NUL characters")
    return value


def query_bool(request: Request, name: str) -> bool:
    """A true/false query parameter (any case, or 1/0); absent or empty is false."""
    value = query_value(request, name)
    if not value:
        return False
    try:
        return parse_bool(value)
    except ValueError:
        raise invalid_field(name, f"'{value}' is not true or false") from None


def _query_int(request: Request, name: str, default: int) -> int:
    value = query_value(request, name)
    if not value:
        return default
    if not re.fullmatch(r"-?\d+", value):
        raise invalid_field(name, f"'{value}' is not a whole number")
    number = int(value)
    if number < 0:
        raise invalid_field(name, f"must not be negative (got {number})")
    return number


def query_date(request: Request, name: str) -> datetime | None:
    """A date query parameter (ISO 8601, 'yyyy-MM-dd HH:mm:ss' UTC or 'yyyy-MM-dd'); None when
    absent, empty or None/null; 400 naming it when it is no date."""
    raw = query_value(request, name)
    if raw is None or NO_QUERY_DATE.match(raw):
        return None
    if not re.fullmatch(QUERY_DATE_PATTERN, raw):
        raise invalid_field(
            name,
            f"'{raw}' is not a date; use ISO 8601 ('2024-05-01T13:30:00Z'), "
            "'yyyy-MM-dd HH:mm:ss' (UTC) or 'yyyy-MM-dd'",
        )
    # An unescaped '+' of a zone offset ("...T10:00:00+01:00") arrives as a space.
    raw = re.sub(r"(T[\d:.]+) (\d{2}:?\d{2})$", r"\1+\2", raw)
    try:
        return parse_datetime(raw)
    except ValueError as exc:
        raise invalid_field(name, str(exc)) from None


def page_from(request: Request) -> Page:
    """Paging: `skip`, `top` (default 100, clamped to 500), `count_total`, `updated_after_utc`."""
    top = min(_query_int(request, "top", DEFAULT_TOP), MAX_TOP)
    skip = _query_int(request, "skip", 0)
    if skip > MAX_SKIP:
        raise invalid_field("skip", f"is larger than {MAX_SKIP}")
    return Page(
        skip=skip,
        top=top,
        updated_after=query_date(request, "updated_after_utc"),
        count_total=query_bool(request, "count_total"),
    )
