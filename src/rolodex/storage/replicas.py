"""Reads from PostgreSQL streaming replicas, with read-your-writes (ROLODEX_DATABASE_REPLICA_URLS).

A read that may go to a replica goes to one, in turn; everything else goes to the primary:
writes, sweeps (a sweep by `updated_after_utc` or `deleted_after_utc` must never skip a record
because a replica has not replayed it yet: the caller would store a high-water mark past it),
the web pages and the CLI.

Read-your-writes: when a caller's write has committed, the primary's WAL position at that moment
(`pg_current_wal_lsn()`, which is past the commit record) is kept as the caller's *fence*, in
Redis so that every process sees it, for FENCE_SECONDS. A read by a caller with a fence asks the
replica first, in the read's own transaction, whether it has replayed that far
(`pg_last_wal_replay_lsn() >= fence`); if not, the read goes to the primary. A caller therefore
never reads a state older than its own last write, whichever process served either request. A
caller without a fence (no write in the last FENCE_SECONDS) reads the replica's state as it is,
behind the primary by the replication lag.

A replica that fails a read twice in a row (the first failure may be a pooled connection that a
restarted replica closed) is left out for REPLICA_RETRY_SECONDS; its reads go to the primary
meanwhile (a read is never failed because a replica is down).
"""

import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.exc import DBAPIError

from rolodex.errors import ServiceUnavailable
from rolodex.storage.engine import database_namespace, make_engine, run_in_transaction

T = TypeVar("T")
log = logging.getLogger("rolodex")

# How long a caller's reads are checked against its last write. Longer than any lag at which a
# replica is still worth reading from: past it, a caller reads whatever the replica has.
FENCE_SECONDS = 300
# How long a replica that failed to answer is left out before it is tried again.
REPLICA_RETRY_SECONDS = 5.0
REPLICA_CONNECT_SECONDS = 1
# A fence no replica passes (a WAL position far beyond any).
_PAST_EVERY_REPLICA = 2**62

# Keep the larger of the stored fence and the new one (two processes may record writes of one
# caller out of order), and renew its time to live.
_SET_MAX = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
"""


class _Unknown:
    """A fence that could not be read (Redis did not answer)."""


UNKNOWN = _Unknown()


class Behind(Exception):
    """The replica has not replayed the caller's last write yet."""


class _Replica:
    def __init__(self, url: str, pool_size: int) -> None:
        # Reads run on the event loop: a replica that does not answer holds it up for its
        # connect timeout, so that is short (a URL's own connect_timeout wins).
        parsed = make_url(url)
        if "connect_timeout" not in parsed.query:
            parsed = parsed.update_query_dict({"connect_timeout": str(REPLICA_CONNECT_SECONDS)})
        self.engine = make_engine(parsed.render_as_string(hide_password=False), pool_size)
        self.down_until = 0.0


class ReadRouter:
    """Where a server process sends its reads: the primary, or one of its replicas."""

    def __init__(self, primary: Engine, replica_urls: list[str], redis_url: str, pool_size: int):
        import redis  # only servers configured for replicas need the client

        if primary.dialect.name != "postgresql":
            raise ValueError("ROLODEX_DATABASE_REPLICA_URLS needs a PostgreSQL database.")
        if not redis_url:
            raise ValueError(
                "ROLODEX_DATABASE_REPLICA_URLS needs ROLODEX_REDIS_URL: every process must see "
                "each caller's last write, so that no caller reads an older state than its own."
            )
        self.primary = primary
        self.replicas = [_Replica(url, pool_size) for url in replica_urls]
        self._turn = itertools.cycle(range(len(self.replicas)))
        self._lock = threading.Lock()
        self.client = redis.Redis.from_url(redis_url, socket_timeout=5)
        self._set_max = self.client.register_script(_SET_MAX)
        self._redis_errors = redis.RedisError
        self._blind_until = 0.0
        self.prefix = f"rolodex:fence:{database_namespace(primary)}"

    def _key(self, instance_id: int, user_id: int) -> str:
        return f"{self.prefix}:{instance_id}:{user_id}"

    def wrote(self, instance_id: int, user_id: int) -> None:
        """Record, after a write of the caller has committed, the primary's WAL position. Never
        fails the request whose write has committed: without the position, the fence is one no
        replica passes (the caller reads from the primary for FENCE_SECONDS); without Redis,
        this process reads from the primary until Redis answers (and the others, unable to
        read any fence meanwhile, do too)."""
        try:
            with self.primary.connect() as connection:
                position = connection.execute(
                    text("SELECT (pg_current_wal_lsn() - '0/0')::bigint")
                ).scalar_one()
        except DBAPIError:
            position = _PAST_EVERY_REPLICA
        try:
            self._set_max(keys=[self._key(instance_id, user_id)], args=[position, FENCE_SECONDS])
        except self._redis_errors:
            self._blind_until = time.monotonic() + REPLICA_RETRY_SECONDS

    def fence(self, instance_id: int, user_id: int) -> int | _Unknown | None:
        """The caller's fence: the WAL position a replica must have replayed to serve it."""
        try:
            value = self.client.get(self._key(instance_id, user_id))
        except self._redis_errors:
            return UNKNOWN
        return int(value) if value is not None else None

    def _next_replica(self) -> _Replica | None:
        now = time.monotonic()
        with self._lock:
            for _ in range(len(self.replicas)):
                replica = self.replicas[next(self._turn)]
                if replica.down_until <= now:
                    return replica
        return None

    def read(
        self,
        instance_id: int,
        user_id: int,
        work: Callable[[Connection], T],
        on_primary: Callable[[], T],
    ) -> T:
        """`work` in a read transaction on a replica that has the caller's writes, else
        `on_primary()`."""
        replica = self._next_replica()
        if replica is None:
            return on_primary()
        fence = self.fence(instance_id, user_id)
        if fence is UNKNOWN or time.monotonic() < self._blind_until:
            return on_primary()

        def checked(connection: Connection) -> T:
            if fence is not None:
                replayed = connection.execute(
                    text("SELECT pg_last_wal_replay_lsn() - '0/0' >= :fence"), {"fence": fence}
                ).scalar()
                if replayed is not True:  # NULL: not a replica (any more)
                    raise Behind()
            return work(connection)

        try:
            try:
                result = run_in_transaction(replica.engine, checked, write=False, retries=0)
            except ServiceUnavailable:  # maybe a pooled connection a restarted replica closed
                result = run_in_transaction(replica.engine, checked, write=False, retries=0)
        except Behind:
            return on_primary()
        except ServiceUnavailable as error:
            replica.down_until = time.monotonic() + REPLICA_RETRY_SECONDS
            log.warning(
                "A replica failed a read (%s); reads go to the primary for %s s",
                error.__cause__ or error,
                REPLICA_RETRY_SECONDS,
            )
            return on_primary()
        return result

    def dispose(self) -> None:
        for replica in self.replicas:
            replica.engine.dispose()


def replica_urls(setting: str) -> list[str]:
    """The URLs of ROLODEX_DATABASE_REPLICA_URLS (comma-separated)."""
    return [url.strip() for url in setting.split(",") if url.strip()]
