"""A lost database: PostgreSQL stops under load, then comes back.

The server must answer 503 with a message that says so (never 500), recover by itself when the
database returns, and lose nothing it acknowledged. The test runs a private PostgreSQL cluster
of its own (never the machine's shared one), so it needs the PostgreSQL server binaries.
"""

import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from rolodex.storage import tables
from rolodex.storage.engine import make_engine
from rolodex.storage.migrate import upgrade
from tests.conftest import free_port
from tests.reliability.harness import new_account, running, scaled, server_env

WRITERS = 3


def postgres_bin() -> Path | None:
    """The folder of the newest installed pg_ctl and initdb, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and shutil.which("initdb") else None


class Cluster:
    """A private PostgreSQL cluster in a temporary folder, on a port of its own."""

    def __init__(self, bin_dir: Path, folder: Path) -> None:
        self.bin_dir = bin_dir
        self.data = folder / "data"
        self.log = folder / "postgres.log"
        self.port = free_port()
        self.folder = folder
        # PostgreSQL refuses to run as root: as root, run it as the postgres user.
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast", check: bool = True) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=check)

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        subprocess.run(
            [*self.prefix, str(self.bin_dir / program), *args],
            check=check,
            capture_output=True,
            timeout=120,
        )


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("needs the PostgreSQL server binaries (pg_ctl, initdb) for a private cluster")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root needs runuser to start PostgreSQL as its own user")
    folder = Path(tempfile.mkdtemp(prefix="rolodex-pg-"))
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        cluster = Cluster(bin_dir, folder)
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop("immediate", check=False)  # it may be stopped already
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Load:
    """Clients creating contacts without pause; what the server answered, counted."""

    def __init__(self, url: str, key: str) -> None:
        self.url, self.key = url, key
        self.acked: list[int] = []
        self.statuses: Counter[int] = Counter()
        self.outage_messages: set[str] = set()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._client, args=(n,)) for n in range(WRITERS)]

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def _client(self, number: int) -> None:
        with httpx.Client(base_url=f"{self.url}/v3.1", auth=(self.key, ""), timeout=60) as api:
            step = 0
            while not self.stopping.is_set():
                step += 1
                response = api.post("/Contacts", json={"FIRST_NAME": f"w{number}s{step}"})
                self.statuses[response.status_code] += 1
                if response.status_code == 201:
                    self.acked.append(response.json()["CONTACT_ID"])
                elif response.status_code == 503:
                    self.outage_messages.add(response.json()["Message"])
                    time.sleep(0.01)

    def wait_for(self, what: Callable[[], bool], seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while not what():
            assert time.monotonic() < deadline, f"gave up waiting; answers so far {self.statuses}"
            time.sleep(0.02)


def test_the_server_survives_losing_postgresql(cluster: Cluster, tmp_path: Path) -> None:
    engine = make_engine(cluster.url)
    try:
        upgrade(engine)
        survive_an_outage(cluster, engine, tmp_path)
    finally:
        engine.dispose()


def survive_an_outage(cluster: Cluster, engine: Engine, tmp_path: Path) -> None:
    """Load, crash the database, check the answers, bring it back, check nothing was lost."""
    account = new_account(engine)
    with (
        running(server_env(cluster.url, tmp_path), free_port()) as server,
        Load(server.url, account.api_key) as load,
    ):
        load.wait_for(lambda: len(load.acked) >= scaled(20))
        cluster.stop("immediate")  # a crash of the database server, mid-load
        acked_before_outage = len(load.acked)
        load.wait_for(lambda: load.statuses[503] >= scaled(10))

        auth = (account.api_key, "")
        during = httpx.get(f"{server.url}/v3.1/Contacts", auth=auth)
        assert during.status_code == 503
        assert "database" in during.json()["Message"]
        assert httpx.get(f"{server.url}/healthz").status_code == 503

        cluster.start()
        load.wait_for(lambda: len(load.acked) >= acked_before_outage + scaled(20))
        assert httpx.get(f"{server.url}/healthz").status_code == 200
    assert set(load.statuses) <= {201, 503}, load.statuses
    assert all("database" in message for message in load.outage_messages)

    contacts = tables.record_tables["Contact"]
    with engine.connect() as connection:
        stored = set(
            connection.execute(
                select(contacts.c.id).where(contacts.c.instance_id == account.instance_id)
            ).scalars()
        )
    assert set(load.acked) <= stored
    assert len(load.acked) == len(set(load.acked))
