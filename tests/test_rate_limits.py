"""Contract §8: X-RateLimit-* on every authenticated response, and 429 past either limit."""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event

from rolodex.api.app import create_app
from rolodex.config import Settings
from rolodex.errors import TooManyRequests
from rolodex.services import users as user_service
from rolodex.services.context import Caller
from rolodex.services.ratelimit import NO_DAILY_LIMIT, UNLIMITED, RateLimiter
from rolodex.storage.engine import unit_of_work
from tests.conftest import Tenant, free_port, serving, tenant_factory
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
    limiter = RateLimiter(engine, daily_default=0, per_second=3)
    now = datetime(2026, 1, 1, 12, 0, 0, 500_000, tzinfo=UTC).timestamp()
    for _ in range(3):
        assert limiter.take(caller, now=now) == NO_DAILY_LIMIT
    with pytest.raises(TooManyRequests, match="per second"):
        limiter.take(caller, now=now)
    # The next second starts a new count.
    assert limiter.take(caller, now=now + 1) == NO_DAILY_LIMIT


def test_two_limiters_share_the_burst_limit(engine: Engine, tenant: Tenant) -> None:
    """Two processes' limiters (two objects on one database) let 8 calls through in a second."""
    caller = Caller(instance_id=tenant.instance_id, user_id=tenant.user_id, is_admin=False)
    first, second = (RateLimiter(engine, daily_default=0, per_second=8) for _ in range(2))
    now = datetime(2026, 1, 2, 12, 0, 0, tzinfo=UTC).timestamp()
    allowed = 0
    for limiter in (first, second) * 10:
        try:
            limiter.take(caller, now=now)
            allowed += 1
        except TooManyRequests:
            pass
    assert allowed <= 8
    assert allowed >= 4  # each lease is a quarter of the limit: the first two are granted


def test_daily_leases_are_returned_so_none_is_refused_under_the_limit(
    engine: Engine, tenant: Tenant
) -> None:
    """Process A leases a block and stops; B uses the rest of the day, A's unused calls too."""
    caller = Caller(instance_id=tenant.instance_id, user_id=tenant.user_id, is_admin=False)
    limit = 200
    with unit_of_work(engine, write=True) as connection:
        user_service.set_daily_limit(connection, tenant.instance_id, limit)
    holder, other = (RateLimiter(engine, daily_default=1000, per_second=0) for _ in range(2))
    for _ in range(20):  # A's block grows: it holds unused calls when it stops
        holder.take(caller)
    allowed = 20
    while True:
        try:
            other.take(caller)
        except TooManyRequests as refused:
            assert "daily allowance of 200" in refused.message
            break
        allowed += 1
    assert allowed == limit


def test_an_ended_lease_is_handed_back_with_the_next_one(engine: Engine, tenant: Tenant) -> None:
    """A busy process whose lease ends with calls left gives them back in the transaction that
    takes its next lease: one row written for both, and the counter holds exactly the calls
    made plus those leased and not yet made."""
    caller = Caller(instance_id=tenant.instance_id, user_id=tenant.user_id, is_admin=False)
    limiter = RateLimiter(engine, daily_default=100_000, per_second=0)
    now = time.time()
    for _ in range(5):
        limiter.take(caller, now=now)
    leased = limiter._daily[tenant.instance_id]
    assert leased.left > 0  # an unused part of the first lease
    updates: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            updates.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        limiter.take(caller, now=now + 5)  # the first lease has ended
    finally:
        event.remove(engine, "before_cursor_execute", note)
    writes = [u for u in updates if "rate_daily" in u]
    assert len([u for u in writes if u.lstrip().upper().startswith("UPDATE")]) == 1, updates
    with unit_of_work(engine) as connection:
        counted = limiter.calls_today(connection, tenant.instance_id)
    assert counted == 6 + limiter._daily[tenant.instance_id].left


def test_no_daily_limit_still_sends_the_headers(engine: Engine, settings: Settings) -> None:
    """Contract §8: X-RateLimit-* on every authenticated response, with the daily limit off
    too (a Remaining no client reads as exhausted), the burst limit's 429 included."""
    unlimited = settings.model_copy(update={"rate_limit_daily": 0, "rate_limit_per_second": 2})
    with (
        tenant_factory(engine, "unused") as make,
        serving(create_app(unlimited, engine)) as url,
    ):
        tenant = make()
        with httpx.Client(base_url=f"{url}/v3.1", auth=(tenant.api_key, "")) as client:
            responses = [client.get("/Instance") for _ in range(6)]
    assert {r.status_code for r in responses} == {200, 429}
    for response in responses:
        assert response.headers["X-RateLimit-Limit"] == str(UNLIMITED)
        assert int(response.headers["X-RateLimit-Remaining"]) == UNLIMITED


def rows_written(engine: Engine) -> tuple[list[int], Callable[[], None]]:
    """A list that counts the rows each write statement on `engine` changes, and its stop."""
    written: list[int] = []

    def note(_conn: object, cursor: Any, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            written.append(max(cursor.rowcount, 0))

    event.listen(engine, "after_cursor_execute", note)
    return written, lambda: event.remove(engine, "after_cursor_execute", note)


def test_reads_write_no_row(engine: Engine, tenant: Tenant) -> None:
    """With limits counted, 1,000 GETs write at most 10 rows (the leases), not one each."""
    created = tenant.client.post("/Contacts", json={"FIRST_NAME": "Ada"}).json()
    written, stop = rows_written(engine)
    try:
        for _ in range(1000):
            assert tenant.client.get(f"/Contacts/{created['CONTACT_ID']}").status_code == 200
    finally:
        stop()
    assert sum(written) <= 10, written


@pytest.mark.parametrize("redis", [False, True], ids=["leases", "redis"])
@pytest.mark.parametrize("workers", [2, 4])
def test_daily_limit_is_exact_across_server_processes(
    database_url: str, tenant: Tenant, workers: int, redis: bool
) -> None:
    env = cli_env(database_url, rate_limit_per_second="0")
    if redis:
        env["ROLODEX_REDIS_URL"] = REDIS_URL  # its keys are named under this run's database
    result = run_cli(
        env, "instances", "set-limit", "--instance", str(tenant.instance_id), "--daily", "40"
    )
    assert result.returncode == 0, result.stderr
    with served(env, free_port(), workers) as url:

        def call(_: int) -> int:
            return httpx.get(
                f"{url}/v3.1/Users/Me", auth=(tenant.api_key, ""), timeout=60
            ).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(call, range(120)))
    assert statuses.count(200) == 40
    assert statuses.count(429) == 80


REDIS_URL = "redis://127.0.0.1:6379/0"


def counting_scripts(app: Any) -> list[str]:
    """The Redis scripts the app's rate limiter runs from now on, by name (counted on the
    server's side of the client: other users of the Redis do not count)."""
    counters = app.state.rate_limiter._counters
    ran: list[str] = []
    for name in ("_day", "_second"):
        script = getattr(counters, name)

        def counted(*args: Any, _script: Any = script, _name: str = name, **kwargs: Any) -> Any:
            ran.append(_name)
            return _script(*args, **kwargs)

        setattr(counters, name, counted)
    return ran


def test_with_redis_a_read_writes_nothing_to_the_database(
    engine: Engine, settings: Settings
) -> None:
    """With ROLODEX_REDIS_URL the counters live in Redis: GETs send no write to the database."""
    with_redis = settings.model_copy(update={"redis_url": REDIS_URL, "rate_limit_per_second": 50})
    app = create_app(with_redis, engine)
    with tenant_factory(engine, "unused") as make, serving(app) as url:
        tenant = make()
        with httpx.Client(base_url=f"{url}/v3.1", auth=(tenant.api_key, "")) as client:
            client.get("/Instance")  # the caller and the limit are read once
            ran = counting_scripts(app)
            written, stop = rows_written(engine)
            try:
                responses = [client.get("/Instance") for _ in range(40)]
            finally:
                stop()
    assert written == []
    # Calls are leased from Redis in blocks, as from the database: a few scripts, not one
    # per call.
    assert 1 <= ran.count("_day") <= 10, ran
    assert 1 <= ran.count("_second") <= 10, ran
    assert all(r.status_code == 200 for r in responses)
    remaining = [int(r.headers["X-RateLimit-Remaining"]) for r in responses]
    assert remaining == list(range(remaining[0], remaining[0] - 40, -1))
