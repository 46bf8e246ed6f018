"""Calls to a server within its rate limit: paced to its burst limit, and accounted for.

Insightly allows 10 calls per second per instance; Rolodex says its own burst limit per API key
in X-RateLimit-Limit-Second (an extension), and how much of the day's allowance is left in
X-RateLimit-Remaining. `PacedTransport` sits under the SDK's httpx client: it spaces requests
so that they stay within the burst limit (a 429 is still retried by the SDK after its
Retry-After), counts the calls and the 429s, and so can tell whether the limit set the speed.
"""

import threading
import time
from dataclasses import dataclass

import httpx

# Insightly's documented burst limit, used until a server says its own.
DEFAULT_PER_SECOND = 10
# Requests in flight at once, at most (the burst limit, when it is lower).
MAX_WORKERS = 16
# Calls are spaced a little wider than 1/limit: network jitter bunches them up on arrival.
MARGIN = 1.05
UNLIMITED = 2**31 - 1


@dataclass
class PaceReport:
    calls: int
    waited: int  # calls held back to keep to the burst limit
    refused: int  # answered 429 (and retried)
    seconds: float  # from the first call to the last answer
    per_second: int | None  # the burst limit; None when there is none
    remaining: int | None  # X-RateLimit-Remaining of the last answer

    @property
    def limit_bound(self) -> bool:
        """Whether the burst limit, rather than the server or this machine, set the speed."""
        if self.per_second is None or self.calls < 2 * self.per_second:
            return False
        return self.waited >= self.calls / 2 and self.calls / self.seconds >= 0.8 * self.per_second

    def note(self, remedy: str) -> str | None:
        """The line to print when the limit set the speed, naming the remedy."""
        if not self.limit_bound:
            return None
        refused = f", {self.refused} refused with 429 and retried" if self.refused else ""
        return (
            f"note: {self.calls} API calls in {self.seconds:.0f} s{refused}: the server's limit of "
            f"{self.per_second} calls per second per API key set the speed. {remedy}"
        )


class PacedTransport(httpx.BaseTransport):
    """An httpx transport that spaces requests to the server's burst limit."""

    def __init__(self, inner: httpx.BaseTransport | None = None, concurrency: int = 0) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.concurrency = concurrency  # requests in flight at most; 0: up to the burst limit
        self.per_second: int | None = DEFAULT_PER_SECOND
        self.remaining: int | None = None
        self.calls = 0
        self.waited = 0
        self.refused = 0
        self._next = 0.0
        self._lock = threading.Lock()
        self._first: float | None = None
        self._last = 0.0

    @property
    def workers(self) -> int:
        """How many requests to keep in flight: up to the burst limit (or `concurrency`)."""
        return min(self.per_second or MAX_WORKERS, self.concurrency or MAX_WORKERS, MAX_WORKERS)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._wait_turn()
        response = self.inner.handle_request(request)
        self._learn(response)
        return response

    def _wait_turn(self) -> None:
        with self._lock:
            now = time.monotonic()
            slot = now
            if self.per_second is not None:
                slot = max(now, self._next)
                self._next = slot + MARGIN / self.per_second
            self.calls += 1
            self.waited += slot > now
            if self._first is None:
                self._first = now
        if slot > now:
            time.sleep(slot - now)

    def _learn(self, response: httpx.Response) -> None:
        limit = _number(response.headers.get("x-ratelimit-limit-second"))
        remaining = _number(response.headers.get("x-ratelimit-remaining"))
        with self._lock:
            if limit is not None:
                self.per_second = None if limit <= 0 or limit >= UNLIMITED else limit
            if remaining is not None:
                self.remaining = remaining
            if response.status_code == 429:
                self.refused += 1
            self._last = time.monotonic()

    def report(self) -> PaceReport:
        seconds = max(self._last - (self._first or self._last), 1e-3)
        return PaceReport(
            self.calls, self.waited, self.refused, seconds, self.per_second, self.remaining
        )

    def close(self) -> None:
        self.inner.close()


def _number(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
