"""The asynchronous client: `AsyncClient(base_url, api_key)`, the same calls as `Client`.

Requests are built and read by rolodex.client.calls, as for the sync client; only sending
(and sleeping between retries) is asynchronous here.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

import httpx

from rolodex.client.calls import (
    Attempts,
    Call,
    Changes,
    R,
    RecordPage,
    ResourceCalls,
    SweepCalls,
    decode,
    model_for,
    raw_call,
)
from rolodex.client.core import DEFAULT_PAGE_SIZE, RetryPolicy, api_root
from rolodex.client.errors import NotFoundError
from rolodex.client.models import (
    Contact,
    CustomObjectRecord,
    Email,
    Event,
    Lead,
    Note,
    Opportunity,
    Organisation,
    Project,
    Task,
    User,
)
from rolodex.client.record import FileAttachment, Link, Tombstone, WireRecord
from rolodex.client.types import OBJECT_TYPES, ObjectType, custom_object, object_type

T = TypeVar("T")
Item = TypeVar("Item", bound=WireRecord)


class AsyncClient:
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
        self.contacts = AsyncResource(self, object_type("Contacts"), Contact)
        self.organisations = AsyncResource(self, object_type("Organisations"), Organisation)
        self.leads = AsyncResource(self, object_type("Leads"), Lead)
        self.opportunities = AsyncResource(self, object_type("Opportunities"), Opportunity)
        self.projects = AsyncResource(self, object_type("Projects"), Project)
        self.tasks = AsyncResource(self, object_type("Tasks"), Task)
        self.events = AsyncResource(self, object_type("Events"), Event)
        self.notes = AsyncResource(self, object_type("Notes"), Note)
        self.users = AsyncResource(self, object_type("Users"), User)
        self.emails = AsyncResource(self, object_type("Emails"), Email)

    def resource(self, name: str) -> "AsyncResource[WireRecord]":
        """The resource of a record type by name (Contacts, contact, Foo__c, ...)."""
        kind = object_type(name)
        return AsyncResource(self, kind, model_for(kind))

    def custom(self, name: str) -> "AsyncResource[CustomObjectRecord]":
        """The records of the custom object `name` (Foo__c)."""
        return AsyncResource(self, custom_object(name), CustomObjectRecord)

    def resources(self) -> list["AsyncResource[WireRecord]"]:
        """A resource per standard record type."""
        return [AsyncResource(self, t, model_for(t)) for t in OBJECT_TYPES]

    async def custom_objects(self) -> list[WireRecord]:
        """The instance's custom object definitions (GET /CustomObjects)."""
        return [WireRecord(d) for d in decode(await self.request("GET", "/CustomObjects")) or []]

    async def me(self) -> User:
        """The user whose key this client uses."""
        return User(decode(await self.request("GET", "/Users/Me")))

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
        call = raw_call(
            method,
            path,
            params=params,
            json=json,
            headers=headers,
            files=files,
            gone_ok_on_retry=gone_ok_on_retry,
        )
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

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()


class AsyncRecords(Generic[Item]):
    """An async iteration over a sweep; `cursor` once it is done."""

    def __init__(self, client: AsyncClient, calls: SweepCalls[Item]) -> None:
        self.client = client
        self.calls = calls
        self.sweep = calls.sweep

    async def __aiter__(self) -> AsyncIterator[Item]:
        while not self.calls.done:
            response = await self.client.send(self.calls.next_call())
            for record in self.calls.take(response):
                yield record

    @property
    def cursor(self) -> str:
        return self.sweep.cursor


class AsyncResource(Generic[R]):
    """The records of one type, asynchronously (see rolodex.client.sync.Resource)."""

    def __init__(self, client: AsyncClient, kind: ObjectType, model: type[R]) -> None:
        self.client = client
        self.type = kind
        self.path = f"/{kind.collection}"
        self.calls = ResourceCalls(kind, model, client.page_size)

    # --- reading ---------------------------------------------------------------------------

    async def list_page(
        self,
        skip: int = 0,
        top: int = 100,
        brief: bool = False,
        count_total: bool = False,
        updated_after: Any = None,
    ) -> RecordPage[R]:
        """One page, in id order (or (DATE_UPDATED_UTC, id) order with updated_after)."""
        call = self.calls.list_page(skip, top, brief, count_total, updated_after)
        return await self.client.send(call)

    def iterate(
        self, updated_after: Any = None, brief: bool = False, page_size: int | None = None
    ) -> AsyncRecords[R]:
        """Every record (changed after `updated_after`), each version once (see Sweep)."""
        return AsyncRecords(self.client, self.calls.iterate(updated_after, brief, page_size))

    def deleted(self, after: Any = None, page_size: int | None = None) -> AsyncRecords[Tombstone]:
        """Tombstones {ID, DATE_DELETED_UTC} of records deleted after `after` (Rolodex only)."""
        return AsyncRecords(self.client, self.calls.deleted(after, page_size))

    async def search(
        self,
        field_name: str,
        field_value: Any,
        skip: int = 0,
        top: int = 100,
        brief: bool = False,
        count_total: bool = False,
    ) -> RecordPage[R]:
        """Records whose field equals the value (one page)."""
        call = self.calls.search(field_name, field_value, skip, top, brief, count_total)
        return await self.client.send(call)

    async def search_all(self, field_name: str, field_value: Any) -> AsyncIterator[R]:
        """Every record whose field equals the value."""
        skip = 0
        top = self.client.page_size
        while True:
            page = await self.search(field_name, field_value, skip, top)
            for record in page:
                yield record
            if len(page) < top:
                return
            skip += top

    async def search_by_tag(
        self, tag_name: str, skip: int = 0, top: int = 100, brief: bool = False
    ) -> RecordPage[R]:
        """Records carrying the tag (one page)."""
        return await self.client.send(self.calls.search_by_tag(tag_name, skip, top, brief))

    async def get(self, record_id: int, brief: bool = False) -> R:
        """One record."""
        return (await self.get_with_etag(record_id, brief))[0]

    async def get_with_etag(self, record_id: int, brief: bool = False) -> tuple[R, str | None]:
        """One record and its ETag."""
        return await self.client.send(self.calls.get_with_etag(record_id, brief))

    async def exists(self, record_id: int) -> bool:
        """Whether the record exists."""
        try:
            await self.get(record_id, brief=True)
        except NotFoundError:
            return False
        return True

    # --- writing ---------------------------------------------------------------------------

    async def create(self, record: Mapping[str, Any]) -> R:
        """POST a new record; the created record (never resent after an unclear failure)."""
        return await self.client.send(self.calls.create(record))

    async def replace(self, record: Mapping[str, Any], if_match: str | None = None) -> R:
        """PUT a record (its id in the body) as is: present fields set, arrays replaced."""
        return await self.client.send(self.calls.replace(record, if_match))

    async def update(self, record_id: int, changes: Changes) -> R:
        """Read, apply `changes`, PUT the whole graph with If-Match (412 if it changed)."""
        record, etag = await self.get_with_etag(record_id)
        return await self.replace(self.calls.update_body(record_id, record, changes), etag)

    async def delete(self, record_id: int, if_match: str | None = None) -> None:
        """DELETE a record (a retry finding it gone counts as done)."""
        await self.client.send(self.calls.delete(record_id, if_match))

    # --- sub-resources ---------------------------------------------------------------------

    async def tags(self, record_id: int) -> list[str]:
        return await self.client.send(self.calls.tags(record_id))

    async def add_tag(self, record_id: int, tag_name: str) -> None:
        await self.client.send(self.calls.add_tag(record_id, tag_name))

    async def set_tags(self, record_id: int, tag_names: list[str]) -> list[str]:
        return await self.client.send(self.calls.set_tags(record_id, tag_names))

    async def remove_tag(self, record_id: int, tag_name: str) -> None:
        await self.client.send(self.calls.remove_tag(record_id, tag_name))

    async def links(self, record_id: int) -> list[Link]:
        return await self.client.send(self.calls.links(record_id))

    async def add_link(self, record_id: int, link: Mapping[str, Any]) -> Link:
        return await self.client.send(self.calls.add_link(record_id, link))

    async def delete_link(self, record_id: int, link_id: int) -> None:
        await self.client.send(self.calls.delete_link(record_id, link_id))

    async def notes(self, record_id: int, skip: int = 0, top: int = 100) -> RecordPage[Note]:
        return await self.client.send(self.calls.notes(record_id, skip, top))

    async def add_note(self, record_id: int, note: Mapping[str, Any]) -> Note:
        return await self.client.send(self.calls.add_note(record_id, note))

    async def files(
        self, record_id: int, skip: int = 0, top: int = 100
    ) -> RecordPage[FileAttachment]:
        return await self.client.send(self.calls.files(record_id, skip, top))

    async def attach_file(
        self, record_id: int, file_name: str, content: bytes, content_type: str = ""
    ) -> FileAttachment:
        call = self.calls.attach_file(record_id, file_name, content, content_type)
        return await self.client.send(call)

    async def is_following(self, record_id: int) -> bool:
        return await self.client.send(self.calls.is_following(record_id))

    async def follow(self, record_id: int) -> None:
        await self.client.send(self.calls.follow(record_id))

    async def unfollow(self, record_id: int) -> None:
        await self.client.send(self.calls.unfollow(record_id))
