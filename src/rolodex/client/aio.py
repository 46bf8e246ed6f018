"""The asynchronous transport: sends the calls of rolodex.client.calls over httpx.AsyncClient.

`AsyncClient` and `AsyncResource` (rolodex.client.clients) are this transport plus the methods
generated from the shared core, the same as the sync client's; only sending, sleeping between
retries and iterating are asynchronous here.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
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


class AsyncTransport(Transport):
    """The async twin of rolodex.client.Client (same retries, errors, sweeps and results)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(base_url, retry, page_size)
        self.sleep = sleep
        self.http = httpx.AsyncClient(transport=transport, **self.http_options(api_key, timeout))

    async def request(
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
        call = raw_call(method, path, **options, gone_ok_on_retry=gone_ok_on_retry)
        return await self.send(call)

    async def send(self, call: Call[T]) -> T:
        """Send a call (rolodex.client.calls), retrying as the policy allows; its result."""
        attempts = Attempts(self.retry, call, self.root)
        while True:
            attempts.start()
            try:
                response = await self.http.request(**call.request_arguments())
            except httpx.TransportError as error:
                wait = attempts.failed(error)
            else:
                answer = attempts.wait_after(response)
                if answer is None:
                    return call.read(response)
                wait = answer
            self.retries += 1
            await self.sleep(wait)

    async def run(self, plan: Plan[T]) -> T:
        """Carry out a plan of several calls; its result."""
        steps = Steps(plan)
        call = steps.first()
        while call is not None:
            try:
                call = steps.answered(await self.send(call))
            except ApiError as error:
                call = steps.failed(error)
        return steps.result

    async def each(self, pages: Pages[Item]) -> AsyncIterator[Item]:
        """The records of a run of pages, fetched as they are reached."""
        while not pages.done:
            for record in pages.take(await self.send(pages.next_call())):
                yield record

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()


class AsyncRecords(SweepRecords, Generic[Item]):
    """An async iteration over a sweep; `cursor` once it is done."""

    def __init__(self, client: AsyncTransport, calls: SweepCalls[Any]) -> None:
        super().__init__(calls)
        self.client = client

    def __aiter__(self) -> AsyncIterator[Item]:
        return self.client.each(self.calls)
