"""Fixtures: a real database built by the migrations, and the real app served over HTTP.

SQLite by default; set ROLODEX_TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test)
to run the same suite on PostgreSQL, in a schema made for the run and dropped after it.
Every test gets instances of its own, so tests share one database and one server without
seeing each other's data.
"""

import asyncio
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, make_url, text

from rolodex.api.app import create_app
from rolodex.config import Settings
from rolodex.services import users
from rolodex.services.context import Caller
from rolodex.services.custom_objects import CustomObjectService
from rolodex.storage.engine import make_engine, unit_of_work
from rolodex.storage.migrate import upgrade


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `pytest -n N --dist loadgroup` (make test) each module runs whole on one worker, so
    its module-wide servers and data are made once; modules that share something outside their
    own database (the Redis server's statistics, say) name one xdist_group and run one after
    another. Each worker has a database, files and servers of its own (the fixtures below)."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


def run_coroutine(coroutine: Any) -> Any:
    """Run `coroutine` to its end in an event loop of its own thread: a module's browser tests
    may leave Playwright's loop running in this one (asyncio.run would refuse)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite in a temporary file, or a fresh schema of its own in the PostgreSQL test database.

    A schema per run lets several runs share one PostgreSQL database without clobbering each other.
    """
    url = os.environ.get("ROLODEX_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'rolodex-test.db'}"
        return
    schema = f"rolodex_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    parsed = make_url(url)
    yield parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # The burst limit is off here: tests call faster than 10/s; test_rate_limits sets its own.
    return Settings(
        database_url=database_url,
        max_body_bytes=256 * 1024,
        rate_limit_per_second=0,
        files_dir=str(tmp_path_factory.mktemp("files")),
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """`app` served by uvicorn on a free local port in this process; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def base_url(settings: Settings, engine: Engine) -> Iterator[str]:
    """The real app, served over HTTP for the whole session."""
    with serving(create_app(settings, engine)) as url:
        yield url


@dataclass
class Tenant:
    """An instance with one admin user, and an HTTP client that authenticates as that user."""

    instance_id: int
    user_id: int
    api_key: str
    client: httpx.Client
    email: str

    def add_user(self, engine: Engine, email: str, admin: bool = False) -> tuple[int, str]:
        with unit_of_work(engine, write=True) as connection:
            return users.create_user(connection, self.instance_id, email, "Other", "User", admin)


# Every test instance has this custom object, so that suites over the record types (the contract
# suite, the PUT rules) cover a custom object as well.
SUITE_OBJECT = "Suite_Item__c"
SUITE_OBJECT_DEFINITION = {
    "OBJECT_NAME": SUITE_OBJECT,
    "SINGULAR_LABEL": "Suite item",
    "PLURAL_LABEL": "Suite items",
}


@contextmanager
def tenant_factory(engine: Engine, base_url: str) -> Iterator[Callable[[], Tenant]]:
    """Makes fresh tenants (instances with an admin); closes their clients at the end."""
    clients: list[httpx.Client] = []

    def make() -> Tenant:
        suffix = uuid.uuid4().hex
        with unit_of_work(engine, write=True) as connection:
            instance_id = users.create_instance(connection, f"Test {suffix}")
            email = f"admin-{suffix}@example.com"
            user_id, key = users.create_user(connection, instance_id, email, "Ada", "Admin", True)
            admin = Caller(instance_id, user_id, is_admin=True)
            CustomObjectService(connection, admin).create(SUITE_OBJECT_DEFINITION)
        client = httpx.Client(base_url=f"{base_url}/v3.1", auth=(key, ""), timeout=60)
        clients.append(client)
        return Tenant(instance_id, user_id, key, client, email)

    try:
        yield make
    finally:
        for client in clients:
            client.close()


@pytest.fixture
def make_tenant(engine: Engine, base_url: str) -> Iterator[Callable[[], Tenant]]:
    """A factory of fresh tenants for one test."""
    with tenant_factory(engine, base_url) as make:
        yield make


@pytest.fixture(scope="session")
def make_session_tenant(engine: Engine, base_url: str) -> Iterator[Callable[[], Tenant]]:
    """A factory of tenants that live for the whole session (for module-wide setups)."""
    with tenant_factory(engine, base_url) as make:
        yield make


@pytest.fixture
def tenant(make_tenant: Callable[[], Tenant]) -> Tenant:
    return make_tenant()


@pytest.fixture
def api(tenant: Tenant) -> httpx.Client:
    """An authenticated client of a fresh instance, with base URL .../v3.1."""
    return tenant.client


@pytest.fixture
def api30(tenant: Tenant) -> Iterator[httpx.Client]:
    """The same instance and key as `api`, through the older API: base URL .../v3.0."""
    base = str(tenant.client.base_url).removesuffix("/").removesuffix("/v3.1")
    with httpx.Client(base_url=f"{base}/v3.0", auth=(tenant.api_key, ""), timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
