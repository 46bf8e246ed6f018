"""PostgreSQL's pool: a connection that sat idle is tested before use, so a backend that went
away meanwhile (a restarted or failed-over database) costs a reconnect, never an error; and
the driver converts each long statement's placeholders once, not on every call."""

import time

import pytest
from sqlalchemy import text

from rolodex.storage import engine as engine_module
from rolodex.storage.engine import make_engine


def test_an_idle_connection_whose_backend_died_is_replaced(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server connection to lose")
    monkeypatch.setattr(engine_module, "_IDLE_BEFORE_PING_SECONDS", 0.05)
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as other:  # the same pooled connection: its backend ends
            assert other.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid
        killer = make_engine(database_url, pool_size=1)
        with killer.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
        time.sleep(0.1)  # idle past the bound: the next checkout pings first
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()


def test_a_long_statement_is_converted_by_the_driver_once(database_url: str) -> None:
    """psycopg keeps the placeholder conversion only of statements up to 4,096 bytes unless
    the engine raises that bound: a GET of one contact (5.8 kB) paid it on every call."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a setting of the PostgreSQL driver")
    from psycopg import _queries

    engine = make_engine(database_url, pool_size=1)
    padding = " ".join(f"{n} AS c{n}," for n in range(900))  # well past 4,096 bytes
    statement = text(f"SELECT {padding} CAST(:value AS INTEGER) AS value")
    assert len(str(statement)) > 2 * 4096
    try:
        with engine.connect() as connection:
            connection.execute(statement, {"value": 1})
            before = _queries._query2pg.cache_info()
            for value in range(2, 5):
                assert connection.execute(statement, {"value": value}).one().value == value
            after = _queries._query2pg.cache_info()
    finally:
        engine.dispose()
    assert after.misses == before.misses  # found in the driver's cache each time
    assert after.hits >= before.hits + 3
