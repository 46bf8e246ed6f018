"""The asynchronous client: `AsyncClient(base_url, api_key)`, the same calls as `Client`."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import httpx

from rolodex.client.core import (
    DEFAULT_PAGE_SIZE,
    Record,
    RetryPolicy,
    Sweep,
    api_root,
    apply_changes,
    as_query_date,
)
from rolodex.client.errors import TransportError, error_for
from rolodex.client.sync import Changes, RecordPage, decode, page_of, paging
from rolodex.client.types import ObjectType, custom_object, object_type


class AsyncClient:
    """The async twin of rolodex.client.Client (same retries, errors and sweeps)."""

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
        self.root = api_root(base_url)
        self.retry = retry or RetryPolicy()
        self.page_size = page_size
        self.sleep = sleep
        self.retries = 0
        self.http = httpx.AsyncClient(
            base_url=self.root,
            auth=(api_key, ""),
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
        )
        self.contacts = self.resource("Contacts")
        self.organisations = self.resource("Organisations")
        self.leads = self.resource("Leads")
        self.opportunities = self.resource("Opportunities")
        self.projects = self.resource("Projects")
        self.tasks = self.resource("Tasks")
        self.events = self.resource("Events")
        self.notes = self.resource("Notes")

    def resource(self, name: str) -> "AsyncResource":
        return AsyncResource(self, object_type(name))

    def custom(self, name: str) -> "AsyncResource":
        return AsyncResource(self, custom_object(name))

    async def custom_objects(self) -> list[Record]:
        return list(decode(await self.request("GET", "/CustomObjects")) or [])

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
        """Send a request with retries; the response, or a typed exception."""
        attempt = 0
        answered_before = True
        while True:
            attempt += 1
            try:
                response = await self.http.request(
                    method, path, params=params, json=json, headers=headers, files=files
                )
            except httpx.TransportError as exc:
                connect_failed = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                wait = self.retry.delay(method, attempt, connect_failed=connect_failed)
                if wait is None:
                    raise TransportError(f"{method} {self.root}{path}: {exc!r}") from exc
                answered_before = False
                self.retries += 1
                await self.sleep(wait)
                continue
            if response.is_success:
                return response
            if response.status_code == 404 and gone_ok_on_retry and not answered_before:
                return response
            wait = self.retry.delay(method, attempt, response.status_code, response.headers)
            if wait is None:
                raise error_for(
                    response.status_code,
                    decode(response),
                    method,
                    str(response.request.url),
                    dict(response.headers),
                )
            self.retries += 1
            await self.sleep(wait)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()


class AsyncRecords:
    """An async iteration over a sweep; `cursor` once it is done."""

    def __init__(
        self, client: AsyncClient, path: str, param: str, sweep: Sweep, extra: Any
    ) -> None:
        self.client = client
        self.path = path
        self.param = param
        self.sweep = sweep
        self.extra = dict(extra)

    async def __aiter__(self) -> AsyncIterator[Record]:
        sweep = self.sweep
        while not sweep.done:
            params = {**self.extra, **sweep.params(), self.param: sweep.after}
            response = await self.client.request("GET", self.path, params=params)
            sweep.note_server_time(response.headers.get("date"))
            for record in sweep.take(list(decode(response) or [])):
                yield record

    @property
    def cursor(self) -> str:
        return self.sweep.cursor


class AsyncResource:
    """The records of one type, asynchronously (see rolodex.client.sync.Resource)."""

    def __init__(self, client: AsyncClient, kind: ObjectType) -> None:
        self.client = client
        self.type = kind
        self.path = f"/{kind.collection}"

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return decode(await self.client.request(method, f"{self.path}{path}", **kwargs))

    async def list_page(
        self,
        skip: int = 0,
        top: int = 100,
        brief: bool = False,
        count_total: bool = False,
        updated_after: Any = None,
    ) -> RecordPage:
        params = paging(skip, top, brief, count_total)
        path = self.path
        if updated_after is not None:
            params["updated_after_utc"] = as_query_date(updated_after)
            path += "/Search"
        return page_of(await self.client.request("GET", path, params=params))

    def iterate(
        self, updated_after: Any = None, brief: bool = False, page_size: int | None = None
    ) -> AsyncRecords:
        size = page_size or self.client.page_size
        sweep = Sweep(updated_after, "DATE_UPDATED_UTC", self.type.id_field, size)
        extra = {"brief": "true"} if brief else {}
        return AsyncRecords(self.client, f"{self.path}/Search", "updated_after_utc", sweep, extra)

    def deleted(self, after: Any = None, page_size: int | None = None) -> AsyncRecords:
        sweep = Sweep(after, "DATE_DELETED_UTC", "ID", page_size or self.client.page_size)
        return AsyncRecords(self.client, f"{self.path}/Deleted", "deleted_after_utc", sweep, {})

    async def search(
        self, field_name: str, field_value: Any, skip: int = 0, top: int = 100
    ) -> RecordPage:
        params = paging(skip, top, False, False)
        params.update(field_name=field_name, field_value=str(field_value))
        return page_of(await self.client.request("GET", f"{self.path}/Search", params=params))

    async def search_by_tag(self, tag_name: str, skip: int = 0, top: int = 100) -> RecordPage:
        params = {**paging(skip, top, False, False), "tagName": tag_name}
        path = f"{self.path}/SearchByTag"
        return page_of(await self.client.request("GET", path, params=params))

    async def get(self, record_id: int, brief: bool = False) -> Record:
        return (await self.get_with_etag(record_id, brief))[0]

    async def get_with_etag(self, record_id: int, brief: bool = False) -> tuple[Record, str | None]:
        params = {"brief": "true"} if brief else None
        response = await self.client.request("GET", f"{self.path}/{record_id}", params=params)
        return dict(decode(response)), response.headers.get("etag")

    async def create(self, record: Mapping[str, Any]) -> Record:
        return dict(await self._call("POST", "", json=dict(record)))

    async def replace(self, record: Mapping[str, Any], if_match: str | None = None) -> Record:
        headers = {"If-Match": if_match} if if_match else None
        return dict(await self._call("PUT", "", json=dict(record), headers=headers))

    async def update(self, record_id: int, changes: Changes) -> Record:
        """Read, apply `changes`, PUT the whole graph with If-Match (412 if it changed)."""
        record, etag = await self.get_with_etag(record_id)
        wanted = changes(record) if callable(changes) else changes
        body = apply_changes(record, wanted)
        body[self.type.id_field] = record_id
        return await self.replace(body, etag)

    async def delete(self, record_id: int, if_match: str | None = None) -> None:
        headers = {"If-Match": if_match} if if_match else None
        await self._call("DELETE", f"/{record_id}", headers=headers, gone_ok_on_retry=True)

    async def tags(self, record_id: int) -> list[str]:
        return [t["TAG_NAME"] for t in await self._call("GET", f"/{record_id}/Tags") or []]

    async def add_tag(self, record_id: int, tag_name: str) -> None:
        await self._call("POST", f"/{record_id}/Tags", json={"TAG_NAME": tag_name})

    async def remove_tag(self, record_id: int, tag_name: str) -> None:
        await self._call("DELETE", f"/{record_id}/Tags", json={"TAG_NAME": tag_name})

    async def links(self, record_id: int) -> list[Record]:
        return list(await self._call("GET", f"/{record_id}/Links") or [])

    async def add_link(self, record_id: int, link: Mapping[str, Any]) -> Record:
        return dict(await self._call("POST", f"/{record_id}/Links", json=dict(link)))

    async def delete_link(self, record_id: int, link_id: int) -> None:
        await self._call("DELETE", f"/{record_id}/Links/{link_id}")

    async def notes(self, record_id: int) -> list[Record]:
        return list(await self._call("GET", f"/{record_id}/Notes") or [])

    async def add_note(self, record_id: int, note: Mapping[str, Any]) -> Record:
        return dict(await self._call("POST", f"/{record_id}/Notes", json=dict(note)))

    async def files(self, record_id: int) -> list[Record]:
        return list(await self._call("GET", f"/{record_id}/FileAttachments") or [])

    async def attach_file(
        self, record_id: int, file_name: str, content: bytes, content_type: str = ""
    ) -> Record:
        files = {"file": (file_name, content, content_type or "application/octet-stream")}
        return dict(await self._call("POST", f"/{record_id}/FileAttachments", files=files))

    async def is_following(self, record_id: int) -> bool:
        return bool((await self._call("GET", f"/{record_id}/Follow"))["FOLLOWING"])

    async def follow(self, record_id: int) -> None:
        await self._call("POST", f"/{record_id}/Follow")

    async def unfollow(self, record_id: int) -> None:
        await self._call("DELETE", f"/{record_id}/Follow")
