"""Shared parts of the reliability suite: its size, fresh databases, killable servers, checks."""

import os
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, select, text

from rolodex.services import users
from rolodex.storage import tables
from rolodex.storage.engine import make_engine, unit_of_work
from rolodex.storage.migrate import upgrade
from tests.servers import ROLODEX, _wait_healthy, cli_env

# How hard the suite pushes: 1 in `make test` (CI), larger under `make reliability`.
SCALE = max(1, int(os.environ.get("ROLODEX_RELIABILITY_SCALE", "1")))


def scaled(n: int) -> int:
    """`n` at the suite's scale."""
    return n * SCALE


@contextmanager
def fresh_database(database_url: str) -> Iterator[str]:
    """A new, migrated database of the same kind as `database_url`, dropped afterwards.

    SQLite: a new file. PostgreSQL: a new schema in the same database, so that a crash test can
    check a database that only it has written to.
    """
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="rolodex-rel-") as folder:
            url = f"sqlite:///{Path(folder) / 'rolodex.db'}"
            _migrate(url)
            yield url
        return
    base = parsed.difference_update_query(["options"])
    schema = f"rolodex_rel_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )
    try:
        _migrate(url)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@dataclass
class Account:
    """An instance with one admin user, made directly in the database."""

    instance_id: int
    user_id: int
    api_key: str


def new_account(engine: Engine, admin: bool = True) -> Account:
    """A new instance and its first user."""
    suffix = uuid.uuid4().hex
    with unit_of_work(engine, write=True) as connection:
        instance_id = users.create_instance(connection, f"Reliability {suffix}")
        user_id, key = users.create_user(
            connection, instance_id, f"rel-{suffix}@example.com", "Rel", "Iability", admin
        )
    return Account(instance_id, user_id, key)


def server_env(database_url: str, files_dir: Path) -> dict[str, str]:
    """The environment of a server process for these tests: no rate limits in the way."""
    return cli_env(
        database_url, rate_limit_per_second="0", rate_limit_daily="0", files_dir=str(files_dir)
    )


class Server:
    """`rolodex serve` in a process group of its own, so that kill -9 takes every worker."""

    def __init__(self, env: dict[str, str], port: int, workers: int = 1) -> None:
        self.url = f"http://127.0.0.1:{port}"
        command = [*ROLODEX, "serve", "--host", "127.0.0.1", "--port", str(port)]
        self.process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            _wait_healthy(self.url, self.process)
        except BaseException:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL the supervisor and its workers at once: no shutdown code runs."""
        kill_group(self.process)
        self.stderr()

    def stop(self) -> str:
        """A normal shutdown; returns what the server wrote to stderr."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        return self.stderr()

    def stderr(self) -> str:
        """The server's log so far (read once the process has ended)."""
        stream = self.process.stderr
        if stream is None or stream.closed or self.process.poll() is None:
            return ""
        output = stream.read()
        stream.close()
        return output


def kill_group(process: subprocess.Popen[str]) -> None:
    """SIGKILL the process group led by `process` (started with start_new_session)."""
    with suppress(ProcessLookupError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@contextmanager
def running(env: dict[str, str], port: int, workers: int = 1) -> Iterator[Server]:
    """A Server until the block ends; its log is shown if the block fails."""
    server = Server(env, port, workers)
    try:
        yield server
    except BaseException:
        print(server.stop())
        raise
    server.stop()


# Sub-collection tables keyed by (record_type, record_id).
_KEYED_TABLES = (
    tables.tags,
    tables.dates,
    tables.email_domains,
    tables.follows,
    tables.comments,
    tables.file_attachments,
    tables.custom_field_values,
)


def dangling_rows(engine: Engine, instance_id: int) -> list[str]:
    """Rows of `instance_id` that point at a record that does not exist, described."""
    with engine.connect() as connection:
        existing: dict[str, set[int]] = {}
        for name, table in tables.record_tables.items():
            existing[name.lower()] = set(
                connection.execute(
                    select(table.c.id).where(table.c.instance_id == instance_id)
                ).scalars()
            )
        custom = tables.custom_object_records
        for object_name, record_id in connection.execute(
            select(custom.c.object_name, custom.c.id).where(custom.c.instance_id == instance_id)
        ):
            existing.setdefault(object_name.lower(), set()).add(record_id)

        def missing(name: str, record_id: int) -> bool:
            return record_id not in existing.get(name.lower(), set())

        problems = []
        for table in _KEYED_TABLES:
            for row in connection.execute(
                select(table.c.id, table.c.record_type, table.c.record_id).where(
                    table.c.instance_id == instance_id
                )
            ):
                if missing(row.record_type, row.record_id):
                    problems.append(f"{table.name} {row.id}: no {row.record_type} {row.record_id}")
        links = tables.links
        for row in connection.execute(select(links).where(links.c.instance_id == instance_id)):
            for name, record_id in (
                (row.object_name, row.object_id),
                (row.link_object_name, row.link_object_id),
            ):
                if missing(name, record_id):
                    problems.append(f"link {row.id}: no {name} {record_id}")
    return problems


def sqlite_integrity(database_url: str) -> str | None:
    """PRAGMA integrity_check of a SQLite database ("ok" when sound); None for PostgreSQL."""
    if make_url(database_url).get_backend_name() != "sqlite":
        return None
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return "; ".join(
                str(row[0]) for row in connection.exec_driver_sql("PRAGMA integrity_check")
            )
    finally:
        engine.dispose()
