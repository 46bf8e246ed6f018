"""The cost of counting a call against the rate limits, per request, measured in-process.

Each request authenticates its key in a transaction of its own; with limits on, the same
transaction also counts the call (two upserts and a lookup). This times that transaction with
and without the counting, on a fresh database, and prints the difference per request.

    .venv/bin/python bench/bench_ratelimit.py [--database-url URL] [--calls N]
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable

from sqlalchemy import Connection

from rolodex.services.ratelimit import count_call
from rolodex.services.users import authenticate, create_instance, create_user
from rolodex.storage.engine import make_engine, run_in_transaction, unit_of_work
from rolodex.storage.migrate import upgrade


def timed(calls: int, work: Callable[[], object]) -> list[float]:
    """Microseconds per call of `work`, `calls` times after a short warm-up."""
    for _ in range(50):
        work()
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        work()
        samples.append((time.perf_counter() - start) * 1e6)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/ratelimit.db"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine, write=True) as connection:
        instance_id = create_instance(connection, "Bench")
        email = f"bench-{time.time_ns()}@example.com"
        _, key = create_user(connection, instance_id, email, "Bench", "User", True)

    def auth_only(connection: Connection) -> object:
        return authenticate(connection, key)

    def auth_and_count(connection: Connection) -> object:
        caller = authenticate(connection, key)
        assert caller is not None
        return count_call(connection, caller, 10**12, 10**9)

    rows = []
    for label, work, write in (
        ("authenticate only (limits off)", auth_only, False),
        ("authenticate + count (limits on)", auth_and_count, True),
    ):
        samples = timed(args.calls, lambda w=work, wr=write: run_in_transaction(engine, w, wr))
        rows.append((label, statistics.median(samples), statistics.quantiles(samples, n=100)[98]))
    print(f"{engine.dialect.name}, {args.calls} calls each, one process, one thread")
    for label, median, p99 in rows:
        print(f"  {label:34} median {median:8.1f} µs   p99 {p99:8.1f} µs")
    print(f"  counting costs {rows[1][1] - rows[0][1]:.1f} µs per request (median)")


if __name__ == "__main__":
    main()
