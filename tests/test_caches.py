"""What each process caches (callers by key, daily limits, custom field definitions, custom
objects) changes in every process within CACHE_SECONDS (rolodex.storage.cache), tested against
a two-process server while another process (the CLI, or this one) makes the change."""

import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.services import users as user_service
from rolodex.services.context import Caller
from rolodex.storage.cache import CACHE_SECONDS
from rolodex.storage.engine import unit_of_work
from tests.conftest import Tenant, free_port
from tests.servers import cli_env, run_cli, served

# Each check is made this many times, so that both server processes answer some of them.
CALLS = 24


@pytest.fixture(scope="module")
def two_processes(database_url: str) -> Iterator[str]:
    with served(cli_env(database_url, rate_limit_per_second="0"), free_port(), 2) as url:
        yield f"{url}/v3.1"


def statuses(
    url: str, key: str, method: str = "GET", path: str = "/Users/Me", **kw: object
) -> set[int]:
    with httpx.Client(base_url=url, auth=(key, ""), timeout=30) as client:
        return {client.request(method, path, **kw).status_code for _ in range(CALLS)}  # type: ignore[arg-type]


def past_the_bound() -> None:
    time.sleep(CACHE_SECONDS + 0.3)


def test_a_regenerated_key_stops_working_everywhere(
    two_processes: str, tenant: Tenant, database_url: str
) -> None:
    assert statuses(two_processes, tenant.api_key) == {200}  # both processes cache the caller
    result = run_cli(cli_env(database_url), "users", "regenerate-key", "--email", tenant.email)
    assert result.returncode == 0, result.stderr
    new_key = result.stdout.strip().split()[-1]
    past_the_bound()
    assert statuses(two_processes, tenant.api_key) == {401}
    assert statuses(two_processes, new_key) == {200}


def test_a_deactivated_user_stops_working_everywhere(
    two_processes: str, tenant: Tenant, engine: Engine
) -> None:
    user_id, key = tenant.add_user(engine, "deactivated@example.com")
    assert statuses(two_processes, key) == {200}
    admin = Caller(tenant.instance_id, tenant.user_id, is_admin=True)
    with unit_of_work(engine, write=True) as connection:
        user_service.set_active(connection, admin, user_id, False)
    past_the_bound()
    assert statuses(two_processes, key) == {401}


def test_a_changed_daily_limit_applies_everywhere(
    two_processes: str, tenant: Tenant, database_url: str
) -> None:
    assert statuses(two_processes, tenant.api_key) == {200}
    limit = ["instances", "set-limit", "--instance", str(tenant.instance_id), "--daily", "1"]
    assert run_cli(cli_env(database_url), *limit).returncode == 0
    past_the_bound()
    assert statuses(two_processes, tenant.api_key) == {429}


def test_custom_field_definitions_change_everywhere(two_processes: str, tenant: Tenant) -> None:
    body = {
        "FIRST_NAME": "Ada",
        "CUSTOMFIELDS": [{"FIELD_NAME": "Colour__c", "FIELD_VALUE": "red"}],
    }
    assert statuses(two_processes, tenant.api_key, "POST", "/Contacts", json=body) == {400}
    definition = {"FIELD_NAME": "Colour__c", "FIELD_LABEL": "Colour", "FIELD_TYPE": "TEXT"}
    with httpx.Client(base_url=two_processes, auth=(tenant.api_key, "")) as client:
        assert client.post("/CustomFields/Contacts", json=definition).status_code == 201
        past_the_bound()
        assert statuses(two_processes, tenant.api_key, "POST", "/Contacts", json=body) == {201}
        assert client.delete("/CustomFields/Contacts/Colour__c").status_code == 202
    past_the_bound()
    assert statuses(two_processes, tenant.api_key, "POST", "/Contacts", json=body) == {400}


def test_custom_objects_change_everywhere(two_processes: str, tenant: Tenant) -> None:
    assert statuses(two_processes, tenant.api_key, path="/Ship__c") == {404}
    definition = {"OBJECT_NAME": "Ship__c", "SINGULAR_LABEL": "Ship", "PLURAL_LABEL": "Ships"}
    with httpx.Client(base_url=two_processes, auth=(tenant.api_key, "")) as client:
        assert client.post("/CustomObjects", json=definition).status_code == 201
        past_the_bound()
        assert statuses(two_processes, tenant.api_key, path="/Ship__c") == {200}
        assert client.delete("/CustomObjects/Ship__c").status_code == 202
    past_the_bound()
    assert statuses(two_processes, tenant.api_key, path="/Ship__c") == {404}
