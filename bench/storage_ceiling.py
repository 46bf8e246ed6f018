"""The "storage ceiling": the SQL a request runs, replayed straight on the database.

`Capture` sends requests to the real app in-process (httpx's ASGI transport) and records, per
request, every statement the app sent to the database (authentication and call counting too),
grouped by transaction, with the answer's status and bytes (the framework ceiling serves those).
`replay` runs such statements again on a pristine copy of the same database, with no web
framework, validation or encoding around them, inside transactions that are rolled back (so a
replayed write finds the database as the captured one did). Its rate is what the database alone
allows: the ceiling for Rolodex's rate on the same operation.
"""

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Connection, Engine, event

from rolodex.api.app import create_app
from rolodex.config import Settings
from rolodex.storage.engine import make_engine

WRITES = ("INSERT", "UPDATE", "DELETE")
# One statement: (SQL, DB-API parameters, executemany).
Statement = tuple[str, Any, bool]


@dataclass
class Transaction:
    """The statements of one captured transaction."""

    statements: list[Statement] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        """Whether it changes anything (on SQLite it then takes the write lock at BEGIN)."""
        return any(sql.lstrip().upper().startswith(WRITES) for sql, _, _ in self.statements)


@dataclass
class Captured:
    """One request as the app answered it, and the SQL it ran."""

    status: int
    body: bytes
    transactions: list[Transaction]


class Recorder:
    """Records the statements an engine runs while active, transaction by transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.transactions: list[Transaction] = []

    def _begin(self, connection: Connection) -> None:
        self.transactions.append(Transaction())

    def _statement(
        self, conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool
    ) -> None:
        if sql.startswith("BEGIN"):  # the replay issues its own
            return
        if not self.transactions:
            self.transactions.append(Transaction())
        self.transactions[-1].statements.append((sql, params, many))

    def __enter__(self) -> "Recorder":
        self.transactions = []
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "before_cursor_execute", self._statement)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "before_cursor_execute", self._statement)
        self.transactions = [t for t in self.transactions if t.statements]


class Capture:
    """The real app, in-process, recording the SQL of each request it answers."""

    def __init__(self, database_url: str, api_key: str) -> None:
        settings = Settings(
            database_url=database_url, rate_limit_daily=10**9, rate_limit_per_second=10**6
        )
        self.app = create_app(settings)
        self.engine: Engine = self.app.state.engine
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://bench",
            auth=(api_key, ""),
            headers={"Accept": "application/json"},
        )

    def request(self, method: str, path: str, body: str | None = None) -> Captured:
        """Send one request; its answer and SQL. A 5xx stops the benchmark."""
        with Recorder(self.engine) as recorder:
            response = self.loop.run_until_complete(
                self.client.request(
                    method, path, content=body, headers={"Content-Type": "application/json"}
                )
            )
        if response.status_code >= 500:
            raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.text}")
        return Captured(response.status_code, response.content, recorder.transactions)

    def close(self) -> None:
        """Close the client and the app's connections."""
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()
        self.engine.dispose()


def replay_request(engine: Engine, transactions: list[Transaction]) -> None:
    """Run one request's statements again, each transaction rolled back at its end."""
    for transaction in transactions:
        with engine.connect() as connection:
            if transaction.writes and engine.dialect.name == "sqlite":
                connection = connection.execution_options(sqlite_begin="IMMEDIATE")
            outer = connection.begin()
            try:
                for sql, params, many in transaction.statements:
                    # As SQLAlchemy takes them: a multi-row INSERT ("insertmanyvalues") is
                    # flagged many but carries one dict; rows come as tuples, not lists.
                    if many and not isinstance(params, dict):
                        params = [tuple(p) if isinstance(p, list) else p for p in params]
                    elif isinstance(params, list):
                        params = tuple(params)
                    result = connection.exec_driver_sql(sql, params)
                    if result.returns_rows:
                        result.fetchall()
            finally:
                outer.rollback()


def _timed(engine: Engine, requests: list[list[Transaction]], seconds: float) -> list[float]:
    """Replay `requests` in turn, each at least once and for `seconds` in all; seconds each."""
    replay_request(engine, requests[0])  # open the connection and warm the caches
    took = []
    deadline = time.perf_counter() + seconds
    while len(took) < len(requests) or time.perf_counter() < deadline:
        began = time.perf_counter()
        replay_request(engine, requests[len(took) % len(requests)])
        took.append(time.perf_counter() - began)
    return took


class Replayer:
    """Replays captured requests on one connection, back to back, timing each."""

    def __init__(self, url: str, workers: int) -> None:
        self.engine = make_engine(url)
        self.workers = workers

    def rate(self, requests: list[list[Transaction]], seconds: float) -> dict[str, Any]:
        """The rate `workers` connections would reach, each replaying `requests` back to back
        with no contention (an upper bound), and the time per request on one connection."""
        took = _timed(self.engine, requests, seconds)
        quantiles = statistics.quantiles(took, n=100) if len(took) > 1 else [took[0]] * 99
        mean = statistics.fmean(took)
        return {
            "requests": len(took),
            "seconds": round(sum(took), 3),
            "requests_per_s": round(self.workers / mean, 1),
            "connections": self.workers,
            "mean_ms": round(mean * 1000, 3),
            "p50_ms": round(quantiles[49] * 1000, 3),
            "p99_ms": round(quantiles[98] * 1000, 3),
        }

    def sequential(self, requests: list[list[Transaction]]) -> list[float]:
        """Seconds each request takes, replayed once, one after another."""
        return _timed(self.engine, requests, 0)[: len(requests)]

    def close(self) -> None:
        """Close the connections."""
        self.engine.dispose()
