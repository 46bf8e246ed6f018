"""SQLite writers take turns on a file lock beside the database, across processes, and readers
never wait for it (storage/engine.py)."""

import fcntl
import os
import threading
from pathlib import Path

from sqlalchemy import text

from rolodex.storage.engine import make_engine, unit_of_work


def test_a_writer_waits_for_the_writer_lock_and_a_reader_does_not(tmp_path: Path) -> None:
    database = tmp_path / "crm.db"
    engine = make_engine(f"sqlite:///{database}")
    with unit_of_work(engine, write=True) as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))

    # Another process's writer turn: an exclusive lock on its own open of the lock file.
    held = os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(held, fcntl.LOCK_EX)
    written = threading.Event()

    def write() -> None:
        with unit_of_work(engine, write=True) as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
        written.set()

    writer = threading.Thread(target=write)
    try:
        writer.start()
        with unit_of_work(engine) as connection:  # a read goes ahead meanwhile
            assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
        assert not written.wait(0.5), "the write did not wait for the writer lock"
    finally:
        fcntl.flock(held, fcntl.LOCK_UN)
        os.close(held)
    writer.join(10)
    assert written.is_set()
    with unit_of_work(engine) as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 1
    engine.dispose()
