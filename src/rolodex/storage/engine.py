"""Database engine and the unit of work: the one place that begins, commits and rolls back."""

import hashlib
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, DBAPIError, DisconnectionError, OperationalError

from rolodex.errors import BadRequest, ServiceUnavailable

try:
    import fcntl
except ImportError:  # Windows: writers wait in SQLite's busy handler instead
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")

# SQLSTATEs after which a whole write transaction can simply be run again.
_RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def _sqlite_json_loads(value: str | float) -> Any:
    """orjson for JSON columns; a bare JSON number comes back from SQLite as a number (the
    column has numeric affinity), and stays one."""
    return value if isinstance(value, int | float) else orjson.loads(value)


def make_engine(url: str, pool_size: int = 10) -> Engine:
    """An engine for `url`, set up for concurrent use by server processes."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            json_deserializer=_sqlite_json_loads,
        )
        _configure_sqlite(engine)
        return engine
    # A database that does not answer is a 503 within seconds, not after the system's TCP
    # timeout: reads wait for it on the event loop (api.common.run_unit).
    connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": 5}
    engine = create_engine(
        url,
        connect_args=connect_args,
        pool_size=pool_size,
        max_overflow=pool_size,
        json_deserializer=orjson.loads,  # every page decodes each record's custom fields
    )
    _ping_when_idle(engine)
    _plan_for_memory(engine)
    if engine.dialect.driver == "psycopg":
        _convert_long_statements_once()
    return engine


# psycopg turns a statement's %(name)s placeholders into $1, $2... with a regular expression on
# every execution, unless the statement is at most psycopg._queries.MAX_CACHED_STATEMENT_LENGTH
# (4,096) bytes long: that limit keeps statements rendered anew for every call (an INSERT of N
# rows) out of its cache. Rolodex's statements are fixed texts built once; a GET of one contact
# is 5.8 kB (the record and its sub-collections in one UNION ALL) and cost 45 us of conversion
# per call, 4% of the request. The cache stays bounded (its LRU holds 128 statements).
_LONGEST_CONVERTED_ONCE = 32 * 1024


def _convert_long_statements_once() -> None:
    """Let psycopg keep the conversion of statements up to _LONGEST_CONVERTED_ONCE bytes (a
    module setting of the driver's; without it, or in another version, nothing changes)."""
    from psycopg import _queries  # only with the PostgreSQL driver installed

    current = getattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", None)
    if isinstance(current, int) and current < _LONGEST_CONVERTED_ONCE:
        _queries.MAX_CACHED_STATEMENT_LENGTH = _LONGEST_CONVERTED_ONCE


# What the planner takes a random page read to cost, against 1 for a sequential one. The
# server's default, 4, is for spinning disks; Rolodex reads its indexes from memory (or an
# SSD), and with 4 a page's sub-collections (100 record ids) were read by scanning the
# whole 10,000-row dates table instead of 100 index probes: 2.6 ms a page, 0.9 ms with 1.1.
_RANDOM_PAGE_COST = 1.1


def _plan_for_memory(engine: Engine) -> None:
    """Each new connection plans with _RANDOM_PAGE_COST (a session setting: the server's own
    configuration, and other clients, are left as they are)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET random_page_cost = {_RANDOM_PAGE_COST}")
        dbapi_connection.commit()


# A pooled connection idle this long is tested before use (a restarted database has closed it).
_IDLE_BEFORE_PING_SECONDS = 1.0
_CHECKED_IN = "rolodex_checked_in"


def database_namespace(engine: Engine) -> str:
    """A short name of `engine`'s database (and PostgreSQL schema): the same for every process
    that shares it, different for any other. What several databases may share - a Redis, say -
    is named under it, so that two deployments (or two test runs) never mix their state."""
    if engine.dialect.name == "postgresql":
        # The cluster's system identifier (made by initdb, the same on its replicas, so a
        # failover keeps the name): two servers with a database of the same name differ.
        query = (
            "SELECT system_identifier, current_database(), current_schema()"
            " FROM pg_control_system()"
        )
        with engine.connect() as connection:
            row = connection.execute(text(query)).one()
        namespace = f"postgresql:{row[0]}:{row[1]}:{row[2]}"
    else:
        database = engine.url.database or ""
        path = str(Path(database).resolve()) if database and database != ":memory:" else database
        namespace = f"sqlite:{path}"
    return hashlib.sha256(namespace.encode()).hexdigest()[:24]


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's pre-ping, but only for a connection that has sat idle: under load every
    connection is back in use within milliseconds, and a ping per request would be one more
    round trip on every request. A failed ping makes the pool open a fresh connection."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in = record.info.get(_CHECKED_IN)
        if checked_in is None or time.monotonic() - checked_in < _IDLE_BEFORE_PING_SECONDS:
            return  # a new connection, or one in use a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError() from error
        if not alive:
            raise DisconnectionError()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        # SQLite's own lower() folds only ASCII; searches compare text in any case ("ZOË").
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the write lock at BEGIN, so a read-then-write never fails half-way.
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


# SQLite has one writer at a time. Writers take turns here instead of in SQLite's busy
# handler, which polls the lock with sleeps of up to 100 ms: threads of one process on this
# lock, then processes on an exclusive lock of a file beside the database (flock), which
# wakes the next writer as soon as the last one commits. With 2 server processes writing,
# the busy handler left the CPU half idle and POSTs at 0.057 of the SQL's own rate.
_SQLITE_WRITER = threading.Lock()
_WRITER_FILES: dict[str, int] = {}  # the lock file's descriptor by database path


@contextmanager
def _sqlite_writer_turn(engine: Engine) -> Iterator[None]:
    """This process's and then the database's writer turn (no file lock where there is no
    flock, or for a database in memory: SQLite's busy timeout still applies)."""
    with _SQLITE_WRITER:
        database = engine.url.database
        if fcntl is None or not database or database == ":memory:":
            yield
            return
        descriptor = _WRITER_FILES.get(database)
        if descriptor is None:  # the path resolved once per database, not on every write
            path = str(Path(database).resolve()) + "-writer.lock"
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            _WRITER_FILES[database] = descriptor
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)


@contextmanager
def _begun(engine: Engine, write: bool) -> Iterator[tuple[Connection, Any]]:
    """A connection and its begun transaction; a SQLite writer holds this process's writer
    lock and takes the database's write lock at BEGIN."""
    serialise = write and engine.dialect.name == "sqlite"
    with (
        _sqlite_writer_turn(engine) if serialise else nullcontext(),
        engine.connect() as connection,
    ):
        if serialise:
            connection = connection.execution_options(sqlite_begin="IMMEDIATE")
        elif not write and engine.dialect.name == "postgresql":
            # A read on PostgreSQL runs each statement in its own implicit transaction: under
            # READ COMMITTED (the default) every statement of a transaction sees its own
            # snapshot anyway, so this is the same read without the BEGIN and COMMIT round
            # trips (a GET is one statement: one round trip instead of three).
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.info[_WRITING] = write
        yield connection, connection.begin()


# In a connection's info: whether its current unit of work may write.
_WRITING = "rolodex_writing"


def in_write_unit(connection: Connection) -> bool:
    """Whether the connection's current unit of work is a write (what it reads may include
    its own changes, not yet committed)."""
    return bool(connection.info.get(_WRITING, True))


@contextmanager
def unit_of_work(engine: Engine, write: bool = False) -> Iterator[Connection]:
    """A connection inside one transaction: committed on success, rolled back on any error."""
    with _begun(engine, write) as (connection, transaction):
        try:
            yield connection
        except BaseException:
            transaction.rollback()
            _forget_transaction(connection)
            raise
        transaction.commit()
        callbacks = connection.info.get(_AFTER_COMMIT, ())
        _forget_transaction(connection)
        for callback in callbacks:
            callback()


@contextmanager
def rehearsal(engine: Engine) -> Iterator[Connection]:
    """A connection inside one write transaction that is always rolled back: work done in it
    behaves exactly as it would for real (a dry run), and nothing of it is kept."""
    with _begun(engine, write=True) as (connection, transaction):
        try:
            yield connection
        finally:
            transaction.rollback()
            _forget_transaction(connection)


@contextmanager
def savepoint(connection: Connection) -> Iterator[Connection]:
    """A SAVEPOINT inside the current transaction: released on success; on any error only what
    was done inside it is rolled back (a value the database refuses is a 400, as in
    `run_in_transaction`)."""
    nested = connection.begin_nested()
    try:
        yield connection
    except DataError as exc:
        nested.rollback()
        raise BadRequest(f"The database rejected a value: {exc.orig}".strip()) from exc
    except OverflowError as exc:
        nested.rollback()
        raise BadRequest("A number in the request is too large to store.") from exc
    except BaseException:
        nested.rollback()
        raise
    nested.commit()


_AFTER_COMMIT = "rolodex_after_commit"


def _forget_transaction(connection: Connection) -> None:
    """Clear what the ended transaction noted on its connection (which the pool reuses)."""
    for key in [k for k in connection.info if str(k).startswith("rolodex_")]:
        del connection.info[key]


def after_commit(connection: Connection, callback: Callable[[], None]) -> None:
    """Run `callback` once the unit of work that owns `connection` has committed."""
    connection.info.setdefault(_AFTER_COMMIT, []).append(callback)


def run_in_transaction(
    engine: Engine, work: Callable[[Connection], T], write: bool = False, retries: int = 5
) -> T:
    """Run `work` in a unit of work, again after a deadlock or busy database, up to `retries`."""
    attempt = 0
    while True:
        try:
            with unit_of_work(engine, write=write) as connection:
                return work(connection)
        except DataError as exc:
            # Validation should catch every bad value first; these are the last line of defence.
            raise BadRequest(f"The database rejected a value: {exc.orig}".strip()) from exc
        except OverflowError as exc:
            raise BadRequest("A number in the request is too large to store.") from exc
        except DBAPIError as exc:
            if is_retryable(exc) and attempt < retries:
                attempt += 1
                time.sleep(random.uniform(0.005, 0.05) * attempt)
                continue
            if is_retryable(exc) or exc.connection_invalidated or isinstance(exc, OperationalError):
                raise ServiceUnavailable(
                    "The database is unavailable or too busy right now; try again shortly."
                ) from exc
            raise


def is_retryable(exc: DBAPIError) -> bool:
    """Whether the failed transaction may succeed if simply run again."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig) or "database is busy" in str(exc.orig)
