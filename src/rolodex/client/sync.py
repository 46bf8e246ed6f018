"""The synchronous transport: sends the calls of rolodex.client.calls over httpx.Client.

`Client` and `Resource` (rolodex.client.clients) are this transport plus the methods generated
from the shared core; only sending, sleeping between retries and iterating are here.
"""

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, Self, TypeVar

import httpx

from rolodex.client.calls import (
    Attempts,
    Call,
    Pages,
    Plan,
    Steps,
    SweepCalls,
    SweepRecords,
    Transport,
    raw_call,
)
from rolodex.client.core import DEFAULT_PAGE_SIZE, RetryPolicy
from rolodex.client.errors import ApiError

T = TypeVar("T")
Item = TypeVar("Item")


class SyncTransport(Transport):
    """A client of an Insightly-compatible API (Rolodex or Insightly itself).

    `base_url` is the server (http://host:8000) or its API root (.../v3.1). Requests are retried
    as `retry` says (rolodex.client.core.RetryPolicy); errors raise rolodex.client.errors.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(base_url, retry, page_size)
        self.sleep = sleep
        self.http = httpx.Client(transport=transport, **self.http_options(api_key, timeout))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
        gone_ok_on_retry: bool = False,
    ) -> httpx.Response:
        """Send any request with retries; the response, or a typed exception."""
        options = {"params": params, "json": json, "headers": headers, "files": files}
        return self.send(raw_call(method, path, **options, gone_ok_on_retry=gone_ok_on_retry))

    def send(self, call: Call[T]) -> T:
        """Send a call (rolodex.client.calls), retrying as the policy allows; its result."""
        attempts = Attempts(self.retry, call, self.root)
        while True:
            attempts.start()
            try:
                response = self.http.request(**call.request_arguments())
            except httpx.TransportError as error:
                wait = attempts.failed(error)
            else:
                answer = attempts.wait_after(response)
                if answer is None:
                    return call.read(response)
                wait = answer
            self.retries += 1
            self.sleep(wait)

    def run(self, plan: Plan[T]) -> T:
        """Carry out a plan of several calls; its result."""
        steps = Steps(plan)
        call = steps.first()
        while call is not None:
            try:
                call = steps.answered(self.send(call))
            except ApiError as error:
                call = steps.failed(error)
        return steps.result

    def each(self, pages: Pages[Item]) -> Iterator[Item]:
        """The records of a run of pages, fetched as they are reached."""
        while not pages.done:
            yield from pages.take(self.send(pages.next_call()))

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class Records(SweepRecords, Generic[Item]):
    """An iteration over a sweep (rolodex.client.core.Sweep); `cursor` once it is done."""

    def __init__(self, client: SyncTransport, calls: SweepCalls[Any]) -> None:
        super().__init__(calls)
        self.client = client

    def __iter__(self) -> Iterator[Item]:
        return self.client.each(self.calls)
