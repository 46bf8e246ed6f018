"""Reads from replicas (ROLODEX_DATABASE_REPLICA_URLS) with read-your-writes, over HTTP.

The "replica" here is a copy of the test schema taken at one moment: a replica that has stopped
replaying. It is no standby (pg_last_wal_replay_lsn() is NULL there), so it can never show that
it has a caller's write: a caller that has written reads from the primary, one that has not
reads the copy, and sees it as it was. Real streaming replicas, lag and failover are in the
cluster's fault run (deploy/cluster/faults.py).
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from rolodex.api.app import create_app
from rolodex.config import Settings
from rolodex.services import users
from rolodex.storage.engine import unit_of_work
from rolodex.storage.tables import metadata
from tests.conftest import free_port, serving
from tests.test_rate_limits import REDIS_URL

pytestmark = pytest.mark.skipif(
    not os.environ.get("ROLODEX_TEST_DATABASE_URL"), reason="replicas are PostgreSQL's"
)


def _schema_url(database_url: str, schema: str) -> str:
    return (
        make_url(database_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


@pytest.fixture(scope="module")
def stale_copy(engine: Engine, database_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Two users of a fresh instance, then a copy of every table as it is now; yields the
    copy's URL and the users' keys."""
    suffix = uuid.uuid4().hex[:10]
    with unit_of_work(engine, write=True) as connection:
        instance_id = users.create_instance(connection, f"Replicas {suffix}")
        keys = {}
        for name in ("writer", "reader"):
            _, keys[name] = users.create_user(
                connection, instance_id, f"{name}-{suffix}@example.com", "A", name, True
            )
    source = engine.url.query["options"].split("=", 1)[1]
    copy = f"rolodex_replica_{suffix}"
    admin = create_engine(os.environ["ROLODEX_TEST_DATABASE_URL"])
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {copy}"))
        for table in metadata.sorted_tables:
            connection.execute(
                text(f"CREATE TABLE {copy}.{table.name} (LIKE {source}.{table.name} INCLUDING ALL)")
            )
            connection.execute(
                text(f"INSERT INTO {copy}.{table.name} SELECT * FROM {source}.{table.name}")
            )
        connection.execute(
            text(f"CREATE TABLE {copy}.alembic_version AS SELECT * FROM {source}.alembic_version")
        )
    try:
        yield _schema_url(database_url, copy), keys
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {copy} CASCADE"))
        admin.dispose()


def _client(base_url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=f"{base_url}/v3.1", auth=(key, ""), timeout=30)


@pytest.fixture(scope="module")
def with_replica(
    settings: Settings, stale_copy: tuple[str, dict[str, str]]
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    copy_url, keys = stale_copy
    replicated = settings.model_copy(
        update={"database_replica_urls": copy_url, "redis_url": REDIS_URL}
    )
    with serving(create_app(replicated)) as url:
        writer, reader = _client(url, keys["writer"]), _client(url, keys["reader"])
        yield writer, reader
        writer.close()
        reader.close()


def test_a_caller_reads_its_own_writes_and_others_read_the_replica(
    with_replica: tuple[httpx.Client, httpx.Client],
) -> None:
    writer, reader = with_replica
    created = writer.post("/Contacts", json={"FIRST_NAME": "Fresh", "LAST_NAME": "Write"})
    assert created.status_code == 201, created.text
    contact_id = created.json()["CONTACT_ID"]
    # The writer's fence is past what the copy can show: its reads go to the primary.
    assert writer.get(f"/Contacts/{contact_id}").json()["LAST_NAME"] == "Write"
    listed = writer.get("/Contacts", params={"top": 500}).json()
    assert contact_id in [c["CONTACT_ID"] for c in listed]
    # A caller that has not written reads the replica, as it was when it stopped.
    assert reader.get(f"/Contacts/{contact_id}").status_code == 404
    # A sweep reads the primary: a replica's lag must never make it skip a record.
    swept = reader.get("/Contacts", params={"updated_after_utc": "2000-01-01T00:00:00Z"})
    assert contact_id in [c["CONTACT_ID"] for c in swept.json()]
    changed = writer.put(
        "/Contacts", json={"CONTACT_ID": contact_id, "FIRST_NAME": "Fresh", "LAST_NAME": "Again"}
    )
    assert changed.status_code == 200, changed.text
    assert writer.get(f"/Contacts/{contact_id}").json()["LAST_NAME"] == "Again"


def test_a_replica_that_does_not_answer_leaves_reads_to_the_primary(
    settings: Settings, stale_copy: tuple[str, dict[str, str]]
) -> None:
    _, keys = stale_copy
    closed = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere?connect_timeout=2"
    replicated = settings.model_copy(
        update={"database_replica_urls": closed, "redis_url": REDIS_URL}
    )
    with serving(create_app(replicated)) as url, _client(url, keys["reader"]) as reader:
        for _ in range(3):
            answer = reader.get("/Contacts")
            assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("on_sqlite", "redis_url", "message"),
    [(True, REDIS_URL, "needs a PostgreSQL database"), (False, "", "needs ROLODEX_REDIS_URL")],
)
def test_replicas_without_what_they_need_stop_the_server_with_a_reason(
    settings: Settings, tmp_path: Path, on_sqlite: bool, redis_url: str, message: str
) -> None:
    database_url = f"sqlite:///{tmp_path / 'primary.db'}" if on_sqlite else settings.database_url
    wrong = settings.model_copy(
        update={
            "database_url": database_url,
            "database_replica_urls": settings.database_url,
            "redis_url": redis_url,
        }
    )
    with pytest.raises(ValueError, match=message):
        create_app(wrong)
