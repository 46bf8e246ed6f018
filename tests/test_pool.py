"""PostgreSQL's pool: a connection that sat idle is tested before use, so a backend that went
away meanwhile (a restarted or failed-over database) costs a reconnect, never an error."""

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
