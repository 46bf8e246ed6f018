"""Rate limits: a daily allowance per instance and a per-second burst limit per API key.

Both hold exactly across every server process, and a call costs no I/O: a process takes a
block of calls from a shared counter in one short exchange and hands them out from memory. The
counters are rows of the database (`rate_daily`, `rate_second`; one short write per block) or,
with `ROLODEX_REDIS_URL` set, keys in Redis (one atomic script per block; the database then sees
no write at all). Counting each call in Redis as it was made cost a round trip per call, a
quarter of what a GET of one record costs; a block costs that once per block.

The counter holds the calls *granted* (made, or leased and not yet made), so no call goes over
the limit. A daily lease lasts `LEASE_SECONDS`; what is left of it then goes back to the
counter, with the process's next lease (one write for both) or, for a process with no next
call, from a background thread within `SETTLE_SECONDS`; and a process that finds the allowance
used up waits until every lease held elsewhere has settled before it refuses: no call is
refused while another process still holds one. Blocks grow while a process uses them up and
shrink when it does not, and near the end of the allowance every lease is one call, so nothing
is held. The per-second window needs no return: a lease ends with its second. A process
killed with `kill -9` loses the daily calls it held (at most one block, for at most a second
of its calls): fewer calls that day, never more.
"""

import atexit
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from rolodex.errors import TooManyRequests
from rolodex.services.context import Caller
from rolodex.storage import tables
from rolodex.storage.cache import DAILY_LIMITS
from rolodex.storage.engine import database_namespace, run_in_transaction

log = logging.getLogger("rolodex")

# What X-RateLimit-Limit and -Remaining say when there is no daily limit (contract §8): a
# number no client reads as exhausted, and one that fits a 32-bit integer.
UNLIMITED = 2**31 - 1

LEASE_SECONDS = 1.0
SETTLE_SECONDS = 0.5
_SWEEP_SECONDS = 0.2
_SWEEP_GRACE_SECONDS = SETTLE_SECONDS - _SWEEP_SECONDS - 0.1
_MAX_BLOCK = 4096
# A lease takes at most this fraction of what is left of the allowance.
_SHARE = 8


@dataclass(frozen=True)
class Allowance:
    """What the X-RateLimit-* headers report."""

    limit: int
    remaining: int

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining)}


NO_DAILY_LIMIT = Allowance(UNLIMITED, UNLIMITED)


def daily_limit(connection: Connection, instance_id: int, default: int) -> int:
    """The instance's daily allowance: its own override, or the server's setting (cached)."""

    def load() -> tuple[int | None]:
        query = select(tables.instances.c.rate_limit_daily).where(
            tables.instances.c.id == instance_id
        )
        override = connection.execute(query).scalar()
        return (None if override is None else int(override),)

    (override,) = DAILY_LIMITS.get_or_load(connection, instance_id, load)
    return default if override is None else int(override)


def _cached_daily_limit(instance_id: int, default: int) -> int | None:
    found = DAILY_LIMITS.peek(instance_id)
    if found is None:
        return None
    (override,) = found
    return default if override is None else int(override)


@dataclass
class _Lease:
    """Calls this process may make in one window without asking the database."""

    window: int = -1
    left: int = 0
    expires: float = 0.0
    # The limit minus every call granted in the window, when this lease was taken.
    unclaimed: int = 0
    block: int = 32
    exhausted: bool = False
    # The daily limit the lease was taken under: a changed limit ends the lease.
    limit: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _daily_refusal(limit: int, now: float) -> TooManyRequests:
    moment = datetime.fromtimestamp(now, UTC)
    reset = datetime.combine(moment.date() + timedelta(days=1), datetime.min.time(), UTC)
    retry_after = max(1, int((reset - moment).total_seconds()) + 1)
    return TooManyRequests(
        f"Rate limit exceeded: this instance's daily allowance of {limit} calls is used up. "
        f"It resets at {reset:%Y-%m-%d %H:%M:%S} UTC (in {retry_after} seconds).",
        headers={"Retry-After": str(retry_after), **Allowance(limit, 0).headers()},
    )


def _burst_refusal(per_second: int, daily: Allowance) -> TooManyRequests:
    return TooManyRequests(
        f"Rate limit exceeded: at most {per_second} calls per second per API key. "
        "Retry after 1 second.",
        headers={"Retry-After": "1", **daily.headers()},
    )


class _DatabaseCounters:
    """The shared counters as rows of `rate_daily` and `rate_second`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def grant_second(self, user_id: int, window: int, want: int, per_second: int) -> int:
        """Lease up to `want` calls of the key's second; how many were granted. One row
        written: the window's counter goes up by `want` and comes back down to the limit in
        the same transaction only when that overshoots (the second is used up)."""
        rate = tables.rate_second
        where = (rate.c.user_id == user_id, rate.c.second == window)

        def work(connection: Connection) -> int:
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            upsert = dialect.insert(rate).values(user_id=user_id, second=window, calls=want)
            calls = connection.execute(
                upsert.on_conflict_do_update(
                    index_elements=[rate.c.user_id, rate.c.second],
                    set_={"calls": rate.c.calls + want},
                ).returning(rate.c.calls)
            ).scalar_one()
            over = max(0, calls - per_second)
            if over:
                connection.execute(update(rate).where(*where).values(calls=per_second))
            if window % 64 == 0:  # keep the table to the last minute or so
                connection.execute(delete(rate).where(rate.c.second < window - 60))
            return max(0, want - over)

        return run_in_transaction(self.engine, work, write=True)

    def grant_day(
        self, instance_id: int, day: int, limit: int, block: int, now: float, give_back: int
    ) -> tuple[int, int, float]:
        """Lease up to `block` calls, first handing back `give_back` unused calls of an ended
        lease: (granted, limit minus all granted, held-until)."""
        rate = tables.rate_daily
        the_day = date.fromordinal(day)
        where = (rate.c.instance_id == instance_id, rate.c.day == the_day)

        def work(connection: Connection) -> tuple[int, int, float]:
            connection.execute(
                _insert_ignore(
                    connection,
                    rate,
                    {"instance_id": instance_id, "day": the_day, "calls": 0, "leased_until": 0.0},
                )
            )
            row = connection.execute(
                select(rate.c.calls, rate.c.leased_until).where(*where).with_for_update()
            ).one()
            left = limit - row.calls + give_back
            granted = _grant_size(left, block)
            held_until = float(row.leased_until)
            if granted or give_back:
                values: dict[str, Any] = {"calls": rate.c.calls + (granted - give_back)}
                if granted > 1:  # the lease leaves calls with this process until it ends
                    held_until = max(held_until, now + LEASE_SECONDS)
                    values["leased_until"] = held_until
                connection.execute(update(rate).where(*where).values(values))
            return granted, left - granted, held_until

        return run_in_transaction(self.engine, work, write=True)

    def give_back(self, instance_id: int, day: int, unused: int) -> None:
        rate = tables.rate_daily
        the_day = date.fromordinal(day)

        def work(connection: Connection) -> None:
            connection.execute(
                update(rate)
                .where(rate.c.instance_id == instance_id, rate.c.day == the_day)
                .values(calls=rate.c.calls - unused)
            )

        run_in_transaction(self.engine, work, write=True)

    def calls_on(self, connection: Connection, instance_id: int, day: int) -> int:
        rate = tables.rate_daily
        query = select(rate.c.calls).where(
            rate.c.instance_id == instance_id, rate.c.day == date.fromordinal(day)
        )
        return int(connection.execute(query).scalar() or 0)


# The same leases as _DatabaseCounters, each one atomic script. Redis turns Lua numbers into
# integers in replies, so the held-until time comes back as a string.
_REDIS_GRANT_SECOND = """
local calls = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], 2)
local over = math.max(0, calls - tonumber(ARGV[2]))
if over > 0 then redis.call('DECRBY', KEYS[1], over) end
return math.max(0, tonumber(ARGV[1]) - over)
"""
_REDIS_GRANT_DAY = """
local limit, block, share = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local now, lease, give_back = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local calls = tonumber(redis.call('HGET', KEYS[1], 'calls') or '0')
local held = tonumber(redis.call('HGET', KEYS[1], 'leased_until') or '0')
local left = limit - calls + give_back
local granted
if left >= share then
  granted = math.max(0, math.min(block, math.floor(left / share)))
else
  granted = math.max(0, math.min(1, left))
end
if granted > 0 or give_back > 0 then
  redis.call('HINCRBY', KEYS[1], 'calls', granted - give_back)
  if granted > 1 then
    held = math.max(held, now + lease)
    redis.call('HSET', KEYS[1], 'leased_until', tostring(held))
  end
end
redis.call('EXPIRE', KEYS[1], 172800)
return {granted, left - granted, tostring(held)}
"""


class _RedisCounters:
    """The shared counters in Redis: the database sees no write. Keys are named under the
    database's namespace, so deployments (and test runs) sharing one Redis never mix counts."""

    def __init__(self, url: str, namespace: str) -> None:
        import redis  # only servers configured for Redis need the client

        self.prefix = f"rolodex:rate:{namespace}"
        self.client = redis.Redis.from_url(url, socket_timeout=5)
        self._second = self.client.register_script(_REDIS_GRANT_SECOND)
        self._day = self.client.register_script(_REDIS_GRANT_DAY)

    def _day_key(self, instance_id: int, day: int) -> str:
        return f"{self.prefix}:daily:{instance_id}:{day}"

    def grant_second(self, user_id: int, window: int, want: int, per_second: int) -> int:
        key = f"{self.prefix}:second:{user_id}:{window}"
        return int(self._second(keys=[key], args=[want, per_second]))

    def grant_day(
        self, instance_id: int, day: int, limit: int, block: int, now: float, give_back: int
    ) -> tuple[int, int, float]:
        arguments: list[int | float | str] = [
            limit,
            block,
            _SHARE,
            repr(now),
            LEASE_SECONDS,
            give_back,
        ]
        granted, unclaimed, held = self._day(keys=[self._day_key(instance_id, day)], args=arguments)
        return int(granted), int(unclaimed), float(held)

    def give_back(self, instance_id: int, day: int, unused: int) -> None:
        self.client.hincrby(self._day_key(instance_id, day), "calls", -unused)

    def calls_on(self, _connection: Connection, instance_id: int, day: int) -> int:
        return int(self.client.hget(self._day_key(instance_id, day), "calls") or 0)


def _grant_size(left: int, block: int) -> int:
    """How many calls a lease takes when `left` remain: at most `block` and a 1/_SHARE of what
    is left, and one at a time near the end (none past it)."""
    if left >= _SHARE:
        return max(0, min(block, left // _SHARE))
    return max(0, min(1, left))


class RateLimiter:
    """The limits of one server process (one per app)."""

    def __init__(
        self, engine: Engine, daily_default: int, per_second: int, redis_url: str = ""
    ) -> None:
        self.engine = engine
        self.daily_default = daily_default
        self.per_second = per_second
        self._counters: _DatabaseCounters | _RedisCounters = (
            _RedisCounters(redis_url, database_namespace(engine))
            if redis_url
            else _DatabaseCounters(engine)
        )
        self._daily: dict[int, _Lease] = {}
        self._second: dict[int, _Lease] = {}
        self._state_lock = threading.Lock()
        self._sweeper: threading.Thread | None = None

    # --- the fast path: no I/O -----------------------------------------------------------

    def take_local(self, caller: Caller, now: float | None = None) -> Allowance | None:
        """Count the call from this process's leases; None when the database must be asked
        (nothing is counted then). Never blocks on I/O."""
        now = time.time() if now is None else now
        limit = _cached_daily_limit(caller.instance_id, self.daily_default)
        if limit is None:
            return None
        second = self._second.get(caller.user_id) if self.per_second > 0 else None
        day = self._daily.get(caller.instance_id) if limit > 0 else None
        if self.per_second > 0 and (
            second is None or second.window != int(now) or second.left <= 0
        ):
            return None
        if limit > 0 and (
            day is None
            or day.window != _day_of(now)
            or day.left <= 0
            or now >= day.expires
            or day.limit != limit
        ):
            return None
        if second is not None and not _claim(second):
            return None
        if day is None:
            return NO_DAILY_LIMIT
        if not _claim(day):
            if second is not None:
                with second.lock:
                    second.left += 1
            return None
        return Allowance(limit, day.unclaimed + day.left)

    # --- the slow path: database or Redis ------------------------------------------------

    def take(self, caller: Caller, now: float | None = None) -> Allowance:
        """Count one call, taking a new lease from the shared counters when this process has
        none left; TooManyRequests past either limit."""
        now = time.time() if now is None else now
        limit = self._limit(caller.instance_id)
        if self.per_second > 0:
            self._take_second(caller, limit, now)
        if limit <= 0:
            return NO_DAILY_LIMIT
        return self._take_day(caller.instance_id, limit, now)

    def calls_today(self, connection: Connection, instance_id: int) -> int:
        """Calls counted today for the instance (granted: made, or leased and about to be)."""
        return self._counters.calls_on(connection, instance_id, _day_of(time.time()))

    def _limit(self, instance_id: int) -> int:
        cached = _cached_daily_limit(instance_id, self.daily_default)
        if cached is not None:
            return cached

        def work(connection: Connection) -> int:
            return daily_limit(connection, instance_id, self.daily_default)

        return run_in_transaction(self.engine, work)

    def _lease_of(self, table: dict[int, _Lease], key: int) -> _Lease:
        with self._state_lock:
            lease = table.get(key)
            if lease is None:
                lease = table[key] = _Lease()
            return lease

    def _take_second(self, caller: Caller, limit: int, now: float) -> None:
        lease = self._lease_of(self._second, caller.user_id)
        window = int(now)
        with lease.lock:
            if lease.window != window:
                lease.window, lease.left, lease.exhausted = window, 0, False
            if lease.left > 0:
                lease.left -= 1
                return
            if not lease.exhausted:
                want = max(1, self.per_second // 4)
                granted = self._counters.grant_second(caller.user_id, window, want, self.per_second)
                if granted > 0:
                    lease.left = granted - 1
                    return
                lease.exhausted = True
        daily = (
            Allowance(limit, self._daily_estimate(caller.instance_id, limit))
            if limit > 0
            else NO_DAILY_LIMIT
        )
        raise _burst_refusal(self.per_second, daily)

    def _daily_estimate(self, instance_id: int, limit: int) -> int:
        lease = self._daily.get(instance_id)
        return lease.unclaimed + lease.left if lease is not None else limit

    def _take_day(self, instance_id: int, limit: int, now: float) -> Allowance:
        lease = self._lease_of(self._daily, instance_id)
        deadline = now + LEASE_SECONDS + SETTLE_SECONDS + 1.0
        give_back = 0  # what is left of an ended lease of the same day and limit
        with lease.lock:
            while True:
                day = _day_of(now)
                if lease.window != day or now >= lease.expires or lease.limit != limit:
                    if lease.window == day and lease.limit == limit and lease.left > 0:
                        # Handed back in the transaction that takes the next lease: one
                        # row written for both.
                        give_back, lease.left = lease.left, 0
                        lease.block = max(1, lease.block // 2)
                    else:
                        self._return_unused(instance_id, lease)
                    lease.window, lease.limit = day, limit
                if lease.left > 0:
                    lease.left -= 1
                    return Allowance(limit, lease.unclaimed + lease.left)
                granted, unclaimed, held_until = self._counters.grant_day(
                    instance_id, day, limit, lease.block, now, give_back
                )
                give_back = 0
                if granted > 0:
                    # Used up before it ended: ask for more next time.
                    lease.block = min(_MAX_BLOCK, lease.block * 2)
                    lease.left = granted - 1
                    lease.unclaimed = unclaimed
                    lease.expires = now + LEASE_SECONDS
                    self._start_sweeper()
                    return Allowance(limit, lease.unclaimed + lease.left)
                # Used up here; calls leased elsewhere may still come back.
                settled = held_until + SETTLE_SECONDS
                if now >= settled or now >= deadline:
                    raise _daily_refusal(limit, now)
                time.sleep(min(settled, deadline) - now)
                now = time.time()

    def _return_unused(self, instance_id: int, lease: _Lease) -> None:
        """Give the calls left of an ended lease back to the counter (lease.lock held)."""
        if lease.left <= 0:
            return
        unused, lease.left = lease.left, 0
        lease.block = max(1, lease.block // 2)
        try:
            self._counters.give_back(instance_id, lease.window, unused)
        except Exception:  # the calls stay counted: fewer calls later, never more
            log.warning("Could not return %d unused calls to the daily counter", unused)

    def return_expired(self, now: float | None = None, grace: float = 0.0) -> None:
        """Return what is left of every daily lease ended more than `grace` seconds ago (the
        sweeper; also at exit)."""
        now = time.time() if now is None else now
        for instance_id, lease in list(self._daily.items()):
            ended = now >= lease.expires + grace
            if lease.left > 0 and ended and lease.lock.acquire(blocking=False):
                try:
                    self._return_unused(instance_id, lease)
                finally:
                    lease.lock.release()

    def return_all(self) -> None:
        """Return every unused leased call (the process is stopping)."""
        self.return_expired(now=float("inf"))

    def _start_sweeper(self) -> None:
        if self._sweeper is not None:
            return
        with self._state_lock:
            if self._sweeper is not None:
                return

            def sweep() -> None:
                while True:
                    time.sleep(_SWEEP_SECONDS)
                    try:
                        # A busy process hands its leftovers back with its next lease; the
                        # sweeper returns those of a process with no next call, within
                        # SETTLE_SECONDS of the lease's end all the same.
                        self.return_expired(grace=_SWEEP_GRACE_SECONDS)
                    except Exception:
                        log.exception("Returning unused leased calls failed")

            self._sweeper = threading.Thread(target=sweep, name="rolodex-rate-leases", daemon=True)
            self._sweeper.start()
            atexit.register(self.return_all)


def _claim(lease: _Lease) -> bool:
    with lease.lock:
        if lease.left <= 0:
            return False
        lease.left -= 1
        return True


def _day_of(now: float) -> int:
    return datetime.fromtimestamp(now, UTC).date().toordinal()


def _insert_ignore(connection: Connection, table: Any, values: dict[str, Any]) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).values(values).on_conflict_do_nothing()
