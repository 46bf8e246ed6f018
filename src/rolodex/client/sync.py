"""The synchronous client: `Client(base_url, api_key)`, one `Resource` per record type.

Requests are built and read by rolodex.client.calls (shared with the async client); this
module only sends them.
"""

import time
from collections.abc import Callable, Iterator, Mapping
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


class Client:
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
        self.root = api_root(base_url)
        self.retry = retry or RetryPolicy()
        self.page_size = page_size
        self.sleep = sleep
        self.retries = 0  # requests sent again so far (for reports and tests)
        self.http = httpx.Client(
            base_url=self.root,
            auth=(api_key, ""),
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
        )
        self.contacts = Resource(self, object_type("Contacts"), Contact)
        self.organisations = Resource(self, object_type("Organisations"), Organisation)
        self.leads = Resource(self, object_type("Leads"), Lead)
        self.opportunities = Resource(self, object_type("Opportunities"), Opportunity)
        self.projects = Resource(self, object_type("Projects"), Project)
        self.tasks = Resource(self, object_type("Tasks"), Task)
        self.events = Resource(self, object_type("Events"), Event)
        self.notes = Resource(self, object_type("Notes"), Note)
        self.users = Resource(self, object_type("Users"), User)
        self.emails = Resource(self, object_type("Emails"), Email)

    def resource(self, name: str) -> "Resource[WireRecord]":
        """The resource of a record type by name (Contacts, contact, Foo__c, ...)."""
        kind = object_type(name)
        return Resource(self, kind, model_for(kind))

    def custom(self, name: str) -> "Resource[CustomObjectRecord]":
        """The records of the custom object `name` (Foo__c)."""
        return Resource(self, custom_object(name), CustomObjectRecord)

    def resources(self) -> list["Resource[WireRecord]"]:
        """A resource per standard record type."""
        return [Resource(self, t, model_for(t)) for t in OBJECT_TYPES]

    def custom_objects(self) -> list[WireRecord]:
        """The instance's custom object definitions (GET /CustomObjects)."""
        return [WireRecord(d) for d in decode(self.request("GET", "/CustomObjects")) or []]

    def me(self) -> User:
        """The user whose key this client uses."""
        return User(decode(self.request("GET", "/Users/Me")))

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
        call = raw_call(
            method,
            path,
            params=params,
            json=json,
            headers=headers,
            files=files,
            gone_ok_on_retry=gone_ok_on_retry,
        )
        return self.send(call)

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

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class Records(Generic[Item]):
    """An iteration over a sweep (rolodex.client.core.Sweep); `cursor` once it is done."""

    def __init__(self, client: Client, calls: SweepCalls[Item]) -> None:
        self.client = client
        self.calls = calls
        self.sweep = calls.sweep

    def __iter__(self) -> Iterator[Item]:
        while not self.calls.done:
            yield from self.calls.take(self.client.send(self.calls.next_call()))

    @property
    def cursor(self) -> str:
        return self.sweep.cursor


class Resource(Generic[R]):
    """The records of one type: reads, writes and sub-resources, typed as `R`."""

    def __init__(self, client: Client, kind: ObjectType, model: type[R]) -> None:
        self.client = client
        self.type = kind
        self.path = f"/{kind.collection}"
        self.calls = ResourceCalls(kind, model, client.page_size)

    # --- reading ---------------------------------------------------------------------------

    def list_page(
        self,
        skip: int = 0,
        top: int = 100,
        brief: bool = False,
        count_total: bool = False,
        updated_after: Any = None,
    ) -> RecordPage[R]:
        """One page, in id order (or (DATE_UPDATED_UTC, id) order with updated_after)."""
        call = self.calls.list_page(skip, top, brief, count_total, updated_after)
        return self.client.send(call)

    def iterate(
        self, updated_after: Any = None, brief: bool = False, page_size: int | None = None
    ) -> Records[R]:
        """Every record (changed after `updated_after`), each version once (see Sweep)."""
        return Records(self.client, self.calls.iterate(updated_after, brief, page_size))

    def deleted(self, after: Any = None, page_size: int | None = None) -> Records[Tombstone]:
        """Tombstones {ID, DATE_DELETED_UTC} of records deleted after `after` (Rolodex only)."""
        return Records(self.client, self.calls.deleted(after, page_size))

    def search(
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
        return self.client.send(call)

    def search_all(self, field_name: str, field_value: Any) -> Iterator[R]:
        """Every record whose field equals the value."""
        skip = 0
        top = self.client.page_size
        while True:
            page = self.search(field_name, field_value, skip, top)
            yield from page
            if len(page) < top:
                return
            skip += top

    def search_by_tag(
        self, tag_name: str, skip: int = 0, top: int = 100, brief: bool = False
    ) -> RecordPage[R]:
        """Records carrying the tag (one page)."""
        return self.client.send(self.calls.search_by_tag(tag_name, skip, top, brief))

    def get(self, record_id: int, brief: bool = False) -> R:
        """One record."""
        return self.get_with_etag(record_id, brief)[0]

    def get_with_etag(self, record_id: int, brief: bool = False) -> tuple[R, str | None]:
        """One record and its ETag."""
        return self.client.send(self.calls.get_with_etag(record_id, brief))

    def exists(self, record_id: int) -> bool:
        """Whether the record exists."""
        try:
            self.get(record_id, brief=True)
        except NotFoundError:
            return False
        return True

    # --- writing ---------------------------------------------------------------------------

    def create(self, record: Mapping[str, Any]) -> R:
        """POST a new record; the created record (never resent after an unclear failure)."""
        return self.client.send(self.calls.create(record))

    def replace(self, record: Mapping[str, Any], if_match: str | None = None) -> R:
        """PUT a record (its id in the body) as is: present fields set, arrays replaced."""
        return self.client.send(self.calls.replace(record, if_match))

    def update(self, record_id: int, changes: Changes) -> R:
        """Read the record, apply `changes` (a dict, or a function of the record giving one)
        and PUT the whole graph back with If-Match: sub-collections not mentioned are sent
        back as read, and a concurrent change raises PreconditionFailedError (412)."""
        record, etag = self.get_with_etag(record_id)
        return self.replace(self.calls.update_body(record_id, record, changes), etag)

    def delete(self, record_id: int, if_match: str | None = None) -> None:
        """DELETE a record (a retry finding it gone counts as done)."""
        self.client.send(self.calls.delete(record_id, if_match))

    # --- sub-resources ---------------------------------------------------------------------

    def tags(self, record_id: int) -> list[str]:
        return self.client.send(self.calls.tags(record_id))

    def add_tag(self, record_id: int, tag_name: str) -> None:
        self.client.send(self.calls.add_tag(record_id, tag_name))

    def set_tags(self, record_id: int, tag_names: list[str]) -> list[str]:
        return self.client.send(self.calls.set_tags(record_id, tag_names))

    def remove_tag(self, record_id: int, tag_name: str) -> None:
        self.client.send(self.calls.remove_tag(record_id, tag_name))

    def links(self, record_id: int) -> list[Link]:
        return self.client.send(self.calls.links(record_id))

    def add_link(self, record_id: int, link: Mapping[str, Any]) -> Link:
        return self.client.send(self.calls.add_link(record_id, link))

    def delete_link(self, record_id: int, link_id: int) -> None:
        self.client.send(self.calls.delete_link(record_id, link_id))

    def notes(self, record_id: int, skip: int = 0, top: int = 100) -> RecordPage[Note]:
        return self.client.send(self.calls.notes(record_id, skip, top))

    def add_note(self, record_id: int, note: Mapping[str, Any]) -> Note:
        return self.client.send(self.calls.add_note(record_id, note))

    def files(self, record_id: int, skip: int = 0, top: int = 100) -> RecordPage[FileAttachment]:
        return self.client.send(self.calls.files(record_id, skip, top))

    def attach_file(
        self, record_id: int, file_name: str, content: bytes, content_type: str = ""
    ) -> FileAttachment:
        call = self.calls.attach_file(record_id, file_name, content, content_type)
        return self.client.send(call)

    def is_following(self, record_id: int) -> bool:
        return self.client.send(self.calls.is_following(record_id))

    def follow(self, record_id: int) -> None:
        self.client.send(self.calls.follow(record_id))

    def unfollow(self, record_id: int) -> None:
        self.client.send(self.calls.unfollow(record_id))
