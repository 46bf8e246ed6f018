"""Rate limits: a daily allowance per instance and a per-second burst limit per API key.

Counters live in the database, so every server process shares them and a limit of N lets
exactly N calls through. Each count is one atomic upsert that returns the new total.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from rolodex.errors import TooManyRequests
from rolodex.services.context import Caller
from rolodex.storage import tables


@dataclass(frozen=True)
class Allowance:
    """What the X-RateLimit-* headers report after a call was let through."""

    limit: int
    remaining: int

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining)}


def daily_limit(connection: Connection, instance_id: int, default: int) -> int:
    """The instance's daily allowance: its own override, or the server's setting."""
    query = select(tables.instances.c.rate_limit_daily).where(tables.instances.c.id == instance_id)
    override = connection.execute(query).scalar()
    return default if override is None else int(override)


def count_call(
    connection: Connection,
    caller: Caller,
    daily_default: int,
    per_second: int,
    now: datetime | None = None,
) -> Allowance | None:
    """Count one call; None when no daily limit applies. TooManyRequests past either limit."""
    now = now or datetime.now(UTC)
    if connection.dialect.name == "postgresql":
        # A counter need not wait for the disk: a crash may forget a few counts, never grant
        # more calls than the limit while running. Saves a WAL flush on every request.
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
    if per_second > 0:
        second = int(now.timestamp())
        calls = _increment(
            connection, tables.rate_second, {"user_id": caller.user_id, "second": second}
        )
        if random.random() < 0.01:  # keep the table to the last few seconds
            connection.execute(
                delete(tables.rate_second).where(tables.rate_second.c.second < second - 60)
            )
        if calls > per_second:
            raise TooManyRequests(
                f"Rate limit exceeded: at most {per_second} calls per second per API key. "
                "Retry after 1 second.",
                headers={"Retry-After": "1"},
            )
    limit = daily_limit(connection, caller.instance_id, daily_default)
    if limit <= 0:
        return None
    today = now.date()
    calls = _increment(
        connection, tables.rate_daily, {"instance_id": caller.instance_id, "day": today}
    )
    if calls > limit:
        reset = datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC)
        retry_after = max(1, int((reset - now).total_seconds()) + 1)
        allowance = Allowance(limit, 0)
        raise TooManyRequests(
            f"Rate limit exceeded: this instance's daily allowance of {limit} calls is used up. "
            f"It resets at {reset:%Y-%m-%d %H:%M:%S} UTC (in {retry_after} seconds).",
            headers={"Retry-After": str(retry_after), **allowance.headers()},
        )
    return Allowance(limit, limit - calls)


def _increment(connection: Connection, table: Table, key: dict[str, int | date]) -> int:
    """Add one to the counter at `key` (creating it) and return the new value, atomically."""
    statement = _upsert(connection.dialect.name, table, tuple(key))
    return int(connection.execute(statement, key).scalar_one())


@cache
def _instance_limit() -> Any:
    instances = tables.instances
    return select(instances.c.rate_limit_daily).where(instances.c.id == bindparam("instance_id"))


@cache
def _upsert(dialect_name: str, table: Table, key_columns: tuple[str, ...]) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE calls = calls + 1 RETURNING calls, built once."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table).values(
        {**{column: bindparam(column) for column in key_columns}, "calls": 1}
    )
    return statement.on_conflict_do_update(
        index_elements=list(key_columns), set_={"calls": table.c.calls + 1}
    ).returning(table.c.calls)
