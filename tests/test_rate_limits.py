"""Contract §8: X-RateLimit-* on every authenticated response, and 429 past either limit."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.api.app import create_app
from rolodex.config import Settings
from rolodex.errors import TooManyRequests
from rolodex.services.context import Caller
from rolodex.services.ratelimit import count_call
from tests.conftest import Tenant, free_port, serving
from tests.servers import cli_env, run_cli, served


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/Contacts", 200),
        ("GET", "/Contacts/999999999", 404),
        ("GET", "/Contacts?top=-1", 400),
        ("POST", "/Contacts", 400),
    ],
)
def test_headers_on_success_and_error_responses(
    api: httpx.Client, method: str, path: str, expected: int
) -> None:
    first = api.request(method, path, json={})
    second = api.request(method, path, json={})
    assert first.status_code == second.status_code == expected
    assert first.headers["X-RateLimit-Limit"] == "100000"
    remaining = int(first.headers["X-RateLimit-Remaining"])
    assert int(second.headers["X-RateLimit-Remaining"]) == remaining - 1


def test_no_headers_without_a_valid_key(base_url: str) -> None:
    response = httpx.get(f"{base_url}/v3.1/Contacts", auth=("nope", ""))
    assert response.status_code == 401
    assert "X-RateLimit-Limit" not in response.headers


@pytest.fixture
def limited_url(settings: Settings, engine: Engine) -> Iterator[str]:
    """A second server with tight limits (5 a day, 3 a second), on the same database."""
    tight = settings.model_copy(update={"rate_limit_daily": 5, "rate_limit_per_second": 3})
    with serving(create_app(tight, engine)) as url:
        yield f"{url}/v3.1"


def test_daily_limit_gives_429_with_retry_after(limited_url: str, tenant: Tenant) -> None:
    with httpx.Client(base_url=limited_url, auth=(tenant.api_key, "")) as client:
        statuses = []
        for _ in range(7):
            statuses.append(client.get("/Users/Me"))
            if len(statuses) % 3 == 0:
                time.sleep(1.05)  # stay under the burst limit of 3/s
    assert [r.status_code for r in statuses] == [200] * 5 + [429] * 2
    assert [r.headers["X-RateLimit-Remaining"] for r in statuses] == list("4321000")
    refused = statuses[-1]
    assert int(refused.headers["Retry-After"]) > 0
    assert "daily" in refused.json()["Message"]
    assert "resets" in refused.json()["Message"]


@pytest.fixture
def burst_url(settings: Settings, engine: Engine) -> Iterator[str]:
    """A server with only the burst limit (3 a second per key), so no refusal is the daily one."""
    tight = settings.model_copy(update={"rate_limit_daily": 0, "rate_limit_per_second": 3})
    with serving(create_app(tight, engine)) as url:
        yield f"{url}/v3.1"


def test_burst_limit_per_key(burst_url: str, tenant: Tenant) -> None:
    # 30 calls at once against 3 a second: unless they spread over 10 seconds, some are refused.
    with (
        httpx.Client(base_url=burst_url, auth=(tenant.api_key, "")) as client,
        ThreadPoolExecutor(max_workers=30) as pool,
    ):
        responses = list(pool.map(lambda _: client.get("/Instance"), range(30)))
    refused = [r for r in responses if r.status_code == 429]
    assert refused, [(r.status_code, r.text) for r in responses]
    assert all("3 calls per second per API key" in r.json()["Message"] for r in refused)
    assert {r.headers["Retry-After"] for r in refused} == {"1"}


def test_burst_counts_calls_within_one_second(engine: Engine, tenant: Tenant) -> None:
    """The same check without timing: four calls stamped with one second, the fourth refused."""
    caller = Caller(instance_id=tenant.instance_id, user_id=tenant.user_id, is_admin=False)
    now = datetime(2026, 1, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    with engine.begin() as connection:
        for _ in range(3):
            assert count_call(connection, caller, 0, 3, now=now) is None
        with pytest.raises(TooManyRequests, match="per second"):
            count_call(connection, caller, 0, 3, now=now)
        # The next second starts a new count.
        assert count_call(connection, caller, 0, 3, now=now + timedelta(seconds=1)) is None


def test_daily_limit_is_exact_across_server_processes(database_url: str, tenant: Tenant) -> None:
    env = cli_env(database_url, rate_limit_per_second="0")
    result = run_cli(
        env, "instances", "set-limit", "--instance", str(tenant.instance_id), "--daily", "40"
    )
    assert result.returncode == 0, result.stderr
    workers = 4 if database_url.startswith("postgresql") else 2
    with served(env, free_port(), workers) as url:

        def call(_: int) -> int:
            return httpx.get(
                f"{url}/v3.1/Users/Me", auth=(tenant.api_key, ""), timeout=60
            ).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(call, range(120)))
    assert statuses.count(200) == 40
    assert statuses.count(429) == 80
