"""Crashes: kill -9 a server in the middle of writes, and `rolodex import` in the middle of a file.

After a restart the database must be sound (SQLite's integrity check), every acknowledged write
must be there, no record graph may be half written, and a killed import re-run with --match-on
must finish the file without creating any record twice.
"""

import csv
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from rolodex.storage import tables
from rolodex.storage.engine import make_engine
from tests.conftest import free_port
from tests.reliability.harness import (
    Account,
    Server,
    dangling_rows,
    fresh_database,
    kill_group,
    new_account,
    running,
    scaled,
    server_env,
    sqlite_integrity,
)
from tests.servers import ROLODEX

WRITERS = 6


@pytest.fixture
def fresh_url(database_url: str) -> Iterator[str]:
    with fresh_database(database_url) as url:
        yield url


@pytest.fixture
def fresh_engine(fresh_url: str) -> Iterator[Engine]:
    engine = make_engine(fresh_url)
    yield engine
    engine.dispose()


def graph(label: str, size: int) -> dict[str, Any]:
    """Tags and dates that name the write sending them, so a mix of two writes shows."""
    return {
        "TAGS": [{"TAG_NAME": f"{label}-t{n}"} for n in range(size)],
        "DATES": [
            {"OCCASION_NAME": f"{label}-d{n}", "OCCASION_DATE": "2021-03-04"} for n in range(size)
        ],
    }


def graph_of(record: dict[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    return (
        frozenset(tag["TAG_NAME"] for tag in record["TAGS"]),
        frozenset(date["OCCASION_NAME"] for date in record["DATES"]),
    )


@dataclass
class Written:
    """What one writer knows: the graphs the server acknowledged, and the one left in flight."""

    acked: dict[int, dict[str, Any]] = field(default_factory=dict)  # contact id -> last body
    in_flight: dict[int, dict[str, Any]] = field(default_factory=dict)
    created_in_flight: dict[str, dict[str, Any]] = field(default_factory=dict)  # by FIRST_NAME
    writes: int = 0


def writer(url: str, account: Account, number: int, written: Written) -> None:
    """Create contacts and rewrite their graphs until the server goes away."""
    with httpx.Client(base_url=f"{url}/v3.1", auth=(account.api_key, ""), timeout=30) as api:
        step = 0
        while True:
            step += 1
            label = f"w{number}s{step}"
            own = list(written.acked)
            try:
                if step % 3 == 1 or not own:
                    body = {"FIRST_NAME": label, **graph(label, 1 + step % 4)}
                    written.created_in_flight[label] = body
                    response = api.post("/Contacts", json=body)
                    assert response.status_code == 201, response.text
                    del written.created_in_flight[label]
                    written.acked[response.json()["CONTACT_ID"]] = body
                else:
                    contact_id = own[step % len(own)]
                    body = {"CONTACT_ID": contact_id, **graph(label, step % 5)}
                    written.in_flight[contact_id] = body
                    response = api.put("/Contacts", json=body)
                    assert response.status_code == 200, response.text
                    del written.in_flight[contact_id]
                    written.acked[contact_id] = body
                written.writes += 1
            except httpx.TransportError:
                return  # killed: what was in flight may or may not have been written


def test_kill_9_mid_writes_loses_nothing_acknowledged(
    fresh_url: str, fresh_engine: Engine, tmp_path: Path
) -> None:
    account = new_account(fresh_engine)
    env = server_env(fresh_url, tmp_path)
    server = Server(env, free_port(), workers=2)
    written = [Written() for _ in range(WRITERS)]
    threads = [
        threading.Thread(target=writer, args=(server.url, account, n, written[n]))
        for n in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    while sum(w.writes for w in written) < scaled(60) and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(w.writes for w in written) >= scaled(60)
    assert not any(thread.is_alive() for thread in threads)

    assert sqlite_integrity(fresh_url) in (None, "ok")
    assert dangling_rows(fresh_engine, account.instance_id) == []
    with running(env, free_port()) as restarted:
        api = httpx.Client(base_url=f"{restarted.url}/v3.1", auth=(account.api_key, ""))
        for w in written:
            for contact_id, body in w.acked.items():
                response = api.get(f"/Contacts/{contact_id}")
                assert response.status_code == 200, response.text
                allowed = [graph_of(body)]
                if contact_id in w.in_flight:
                    allowed.append(graph_of(w.in_flight[contact_id]))
                assert graph_of(response.json()) in allowed
            for label, body in w.created_in_flight.items():  # written whole or not at all
                params = {"field_name": "FIRST_NAME", "field_value": label}
                found = api.get("/Contacts/Search", params=params).json()
                assert len(found) <= 1
                for record in found:
                    full = api.get(f"/Contacts/{record['CONTACT_ID']}").json()
                    assert graph_of(full) == graph_of(body)
        total = len(api.get("/Contacts", params={"top": 500}).json())
        acked = sum(len(w.acked) for w in written)
        assert acked <= total <= acked + sum(len(w.created_in_flight) for w in written)
        some_id = next(iter(written[0].acked))
        assert api.put("/Contacts", json={"CONTACT_ID": some_id, "TITLE": "x"}).status_code == 200
        api.close()


def write_csv(path: Path, rows: int) -> list[str]:
    """A contacts CSV with a unique email per row; returns the emails."""
    emails = [f"row{n}@import.example" for n in range(rows)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["FIRST_NAME", "LAST_NAME", "EMAIL_ADDRESS", "TAGS"])
        for n, email in enumerate(emails):
            out.writerow([f"Row {n}", "Imported", email, f"import;row{n}"])
    return emails


def contact_emails(engine: Engine, instance_id: int) -> list[str]:
    contacts = tables.record_tables["Contact"]
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(contacts.c.email_address).where(contacts.c.instance_id == instance_id)
            ).scalars()
        )


def count_contacts(engine: Engine, instance_id: int) -> int:
    contacts = tables.record_tables["Contact"]
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).where(contacts.c.instance_id == instance_id)
            ).scalar_one()
        )


def test_kill_9_mid_import_then_rerun_with_match_on(
    fresh_url: str, fresh_engine: Engine, tmp_path: Path
) -> None:
    account = new_account(fresh_engine)
    rows = scaled(150)
    source = tmp_path / "contacts.csv"
    emails = write_csv(source, rows)
    with running(server_env(fresh_url, tmp_path), free_port()) as server:
        command = [*ROLODEX, "import", str(source), "--url", server.url, "--key", account.api_key]
        command += ["--object", "Contacts", "--match-on", "EMAIL_ADDRESS", "--quiet"]
        env = server_env(fresh_url, tmp_path)
        first = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while count_contacts(fresh_engine, account.instance_id) < rows // 3:
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        kill_group(first)
        assert first.returncode == -9
        half = count_contacts(fresh_engine, account.instance_id)
        assert rows // 3 <= half < rows

        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr
        final = contact_emails(fresh_engine, account.instance_id)
        assert sorted(final) == sorted(emails)  # every row, none twice

        api = httpx.Client(base_url=f"{server.url}/v3.1", auth=(account.api_key, ""))
        tagged = api.get("/Contacts/SearchByTag", params={"tagName": "import", "top": 500})
        assert len(tagged.json()) == min(rows, 500)  # the rows' tags came with them
        api.close()
    assert dangling_rows(fresh_engine, account.instance_id) == []
