"""The cost of counting a call against the rate limits, per request, measured in-process.

A request counts its call from the process's lease (rolodex.services.ratelimit): memory only,
and one short write transaction per block of calls. This times `take_local` (the fast path),
`take` (what a request costs on average, leases included) with leases taken from the database
and, with `--redis-url`, from Redis, on a fresh database, and prints rows written per 1,000 calls.

    .venv/bin/python bench/bench_ratelimit.py [--database-url URL] [--redis-url URL] [--calls N]
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable

from sqlalchemy import event

from rolodex.services.ratelimit import RateLimiter
from rolodex.services.users import authenticate, create_instance, create_user
from rolodex.storage.engine import make_engine, unit_of_work
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
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/ratelimit.db"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine, write=True) as connection:
        instance_id = create_instance(connection, "Bench")
        email = f"bench-{time.time_ns()}@example.com"
        _, key = create_user(connection, instance_id, email, "Bench", "User", True)
        caller = authenticate(connection, key)
    assert caller is not None
    written: list[int] = []

    def note(_conn: object, cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            written.append(max(getattr(cursor, "rowcount", 0), 0))

    event.listen(engine, "after_cursor_execute", note)
    limiters = [("leases", RateLimiter(engine, 10**9, 10**6))]
    if args.redis_url:
        limiters.append(("redis", RateLimiter(engine, 10**9, 10**6, args.redis_url)))
    print(f"{engine.dialect.name}, {args.calls} calls each, one process, one thread")
    for label, limiter in limiters:
        written.clear()
        samples = timed(args.calls, lambda limiter=limiter: limiter.take(caller))
        median, p99 = statistics.median(samples), statistics.quantiles(samples, n=100)[98]
        rows = sum(written) * 1000 / (args.calls + 50)
        print(
            f"  {label:8} take(): median {median:7.1f} µs  p99 {p99:8.1f} µs  "
            f"mean {statistics.fmean(samples):7.1f} µs  rows written per 1,000 calls {rows:.2f}"
        )
    fast = RateLimiter(engine, 10**9, 0)
    fast.take(caller)
    samples = timed(args.calls, lambda: fast.take_local(caller) or fast.take(caller))
    print(f"  leases, daily only, take_local first: median {statistics.median(samples):.1f} µs")


if __name__ == "__main__":
    main()
