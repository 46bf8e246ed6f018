"""The one core of both clients: requests built and answers read, with no I/O.

Every method of `ResourceCalls` and `ClientCalls` is the whole behaviour of the client method of
the same name, and returns one of three things the transports (rolodex.client.sync, .aio) know
how to carry out:
- a `Call`: one request and how to read its answer (sent with retries; `Attempts` decides);
- a `Plan`: a generator that yields calls and receives their results (or their errors), for a
  method that needs more than one request (`update` reads, then writes);
- `Pages`: a run of page requests whose records are yielded one by one (`iterate`, `search_all`).
The methods of Client/AsyncClient and Resource/AsyncResource (rolodex.client.clients) are
generated from these signatures, so the sync and async APIs cannot drift apart.
"""

from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import httpx

from rolodex.client.core import RetryPolicy, Sweep, api_root, apply_changes, as_query_date
from rolodex.client.errors import ApiError, NotFoundError, TransportError, error_for
from rolodex.client.models import (
    CUSTOM_OBJECT_FEATURES,
    MODELS,
    OBJECT_TYPES,
    CustomObjectRecord,
    Link,
    Note,
    User,
)
from rolodex.client.record import FileAttachment, Tombstone, WireRecord
from rolodex.client.types import ObjectType

T = TypeVar("T")
R = TypeVar("R", bound=WireRecord)
R_co = TypeVar("R_co", covariant=True)
Plan = Generator["Call[Any]", Any, T]
Changes = Mapping[str, Any] | Callable[[WireRecord], Mapping[str, Any]]


class RecordPage(list[R]):
    """One page of records; `total` is the X-Total-Count when count_total was asked for."""

    total: int | None = None


def decode(response: httpx.Response) -> Any:
    """A response body: JSON when it is JSON, else its text (None when empty)."""
    if not response.content:
        return None
    if "json" in response.headers.get("content-type", ""):
        return response.json()
    return response.text


def custom_object(name: str) -> ObjectType:
    """The type of the custom object `name` (Foo__c): its records are at /v3.1/Foo__c."""
    if not name.lower().endswith("__c"):
        raise ValueError(f"'{name}' is not a custom object name (it must end in __c)")
    return ObjectType(name, name, "RECORD_ID", CUSTOM_OBJECT_FEATURES)


def object_type(name: str) -> ObjectType:
    """A type by collection or singular name, any case; custom objects by their __c name."""
    key = name.strip().lower()
    for candidate in OBJECT_TYPES:
        if key in (candidate.collection.lower(), candidate.singular.lower()):
            return candidate
    if key.endswith("__c"):
        return custom_object(name.strip())
    known = ", ".join(t.collection for t in OBJECT_TYPES)
    raise ValueError(f"unknown object '{name}'; use one of {known}, or a custom object Foo__c")


def model_for(kind: ObjectType) -> type[WireRecord]:
    """The typed record class of a record type (custom objects share one)."""
    if kind.id_field == "RECORD_ID" and kind.collection.lower().endswith("__c"):
        return CustomObjectRecord
    return MODELS.get(kind.collection, WireRecord)


def _one(model: type[R]) -> Callable[[httpx.Response], R]:
    return lambda response: model(decode(response) or {})


def _page(model: type[R]) -> Callable[[httpx.Response], RecordPage[R]]:
    def read(response: httpx.Response) -> RecordPage[R]:
        page: RecordPage[R] = RecordPage(model(item) for item in decode(response) or [])
        total = response.headers.get("x-total-count")
        page.total = int(total) if total and total.isdigit() else None
        return page

    return read


def _nothing(_: httpx.Response) -> None:
    return None


def _response(response: httpx.Response) -> httpx.Response:
    return response


def paging(skip: int, top: int, brief: bool = False, count_total: bool = False) -> dict[str, Any]:
    """The query parameters of one page."""
    params: dict[str, Any] = {"skip": skip, "top": top}
    if brief:
        params["brief"] = "true"
    if count_total:
        params["count_total"] = "true"
    return params


@dataclass
class Call(Generic[T]):
    """One request and how to read its answer. `gone_ok_on_retry`: a 404 after an attempt
    that got no answer means that attempt did the work (a DELETE), so it is not an error."""

    method: str
    path: str
    read: Callable[[httpx.Response], T]
    params: Mapping[str, Any] | None = None
    json: Any = None
    headers: Mapping[str, str] | None = None
    files: Any = None
    gone_ok_on_retry: bool = False

    def request_arguments(self) -> dict[str, Any]:
        """The keyword arguments of httpx's Client.request / AsyncClient.request."""
        return {
            "method": self.method,
            "url": self.path,
            "params": self.params,
            "json": self.json,
            "headers": self.headers,
            "files": self.files,
        }


def raw_call(method: str, path: str, **kwargs: Any) -> Call[httpx.Response]:
    """A call whose result is the response itself (for endpoints the resources lack)."""
    return Call(method, path, _response, **kwargs)


class Transport:
    """What the sync and async transports keep alike: where the API is, how to retry, the
    page size, and how many requests were sent again so far (for reports and tests)."""

    def __init__(self, base_url: str, retry: RetryPolicy | None, page_size: int) -> None:
        self.root = api_root(base_url)
        self.retry = retry or RetryPolicy()
        self.page_size = page_size
        self.retries = 0

    def http_options(self, api_key: str, timeout: float) -> dict[str, Any]:
        """The keyword arguments of httpx.Client / httpx.AsyncClient."""
        auth = (api_key, "")
        return {"base_url": self.root, "auth": auth, "timeout": timeout, "headers": _ACCEPT}


_ACCEPT = {"Accept": "application/json"}


class Steps(Generic[T]):
    """Carries a plan forward: the call to send next, until the plan has its result."""

    def __init__(self, plan: Plan[T]) -> None:
        self.plan = plan
        self.result: T

    def first(self) -> Call[Any] | None:
        return self._step(lambda: next(self.plan))

    def answered(self, result: Any) -> Call[Any] | None:
        """The next call after `result` came back, or None when the plan is done."""
        return self._step(lambda: self.plan.send(result))

    def failed(self, error: ApiError) -> Call[Any] | None:
        """The next call after the last one raised `error` (the plan may catch it)."""
        return self._step(lambda: self.plan.throw(error))

    def _step(self, step: Callable[[], Call[Any]]) -> Call[Any] | None:
        try:
            return step()
        except StopIteration as stop:
            self.result = stop.value
            return None


class Pages(Protocol[R_co]):
    """Page requests sent one after another; each answer gives records to yield."""

    @property
    def done(self) -> bool: ...

    def next_call(self) -> Call[httpx.Response]: ...

    def take(self, response: httpx.Response) -> Iterator[R_co]: ...


class Attempts:
    """The retry decisions of one call (see RetryPolicy): wait how long, or stop."""

    def __init__(self, policy: RetryPolicy, call: Call[Any], root: str) -> None:
        self.policy = policy
        self.call = call
        self.root = root
        self.number = 0
        self.answered = True  # whether every attempt so far got an answer

    def start(self) -> None:
        self.number += 1

    def failed(self, error: httpx.TransportError) -> float:
        """Seconds to wait after no answer, or raise TransportError."""
        connect_failed = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
        wait = self.policy.delay(self.call.method, self.number, connect_failed=connect_failed)
        if wait is None:
            where = f"{self.call.method} {self.root}{self.call.path}"
            raise TransportError(f"{where}: {error!r}") from error
        self.answered = False
        return wait

    def wait_after(self, response: httpx.Response) -> float | None:
        """None when `response` is the result; else seconds to wait; or raise its ApiError."""
        if response.is_success:
            return None
        if response.status_code == 404 and self.call.gone_ok_on_retry and not self.answered:
            return None  # an earlier attempt did it; its answer was lost
        wait = self.policy.delay(
            self.call.method, self.number, response.status_code, response.headers
        )
        if wait is None:
            raise error_for(
                response.status_code,
                decode(response),
                self.call.method,
                str(response.request.url),
                dict(response.headers),
            )
        return wait


@dataclass
class SearchPages(Generic[R]):
    """The pages of an equality search, `top` records at a time, until a short page."""

    path: str
    params: dict[str, Any]
    top: int
    model: type[R]
    skip: int = 0
    done: bool = False

    def next_call(self) -> Call[httpx.Response]:
        return raw_call("GET", self.path, params={**self.params, **paging(self.skip, self.top)})

    def take(self, response: httpx.Response) -> Iterator[R]:
        page = list(decode(response) or [])
        self.skip += self.top
        self.done = len(page) < self.top
        return (self.model(record) for record in page)


class SweepRecords:
    """The records of a sweep, as the transports iterate them; `cursor` once it is done."""

    def __init__(self, calls: "SweepCalls[Any]") -> None:
        self.calls = calls
        self.sweep = calls.sweep

    @property
    def cursor(self) -> str:
        return self.sweep.cursor


@dataclass
class SweepCalls(Generic[R]):
    """The requests of a paging sweep (rolodex.client.core.Sweep) and the records they give."""

    path: str
    param: str
    sweep: Sweep
    model: type[R]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.sweep.done

    def next_call(self) -> Call[httpx.Response]:
        params = {**self.extra, **self.sweep.params(), self.param: self.sweep.after}
        return raw_call("GET", self.path, params=params)

    def take(self, response: httpx.Response) -> Iterator[R]:
        """The records of a page not yielded before, typed."""
        self.sweep.note_server_time(response.headers.get("date"))
        for record in self.sweep.take(list(decode(response) or [])):
            yield self.model(record)


class ClientCalls:
    """The calls of the client itself (not of one record type)."""

    def custom_objects(self) -> Call[list[WireRecord]]:
        """The instance's custom object definitions (GET /CustomObjects)."""
        return Call("GET", "/CustomObjects", lambda r: [WireRecord(d) for d in decode(r) or []])

    def me(self) -> Call[User]:
        """The user whose key this client uses."""
        return Call("GET", "/Users/Me", _one(User))


class ResourceCalls(Generic[R]):
    """The calls of one record type's endpoints, typed with its record class `model`."""

    def __init__(self, kind: ObjectType, model: type[R], page_size: int) -> None:
        self.type = kind
        self.model = model
        self.page_size = page_size
        self.path = f"/{kind.collection}"
        self.one = _one(model)
        self.page = _page(model)

    # --- reading ---------------------------------------------------------------------------

    def list_page(
        self,
        skip: int = 0,
        top: int = 100,
        brief: bool = False,
        count_total: bool = False,
        updated_after: Any = None,
    ) -> Call[RecordPage[R]]:
        """One page, in id order (or (DATE_UPDATED_UTC, id) order with updated_after)."""
        params = paging(skip, top, brief, count_total)
        path = self.path
        if updated_after is not None:
            params["updated_after_utc"] = as_query_date(updated_after)
            path += "/Search"  # where Insightly accepts updated_after_utc
        return Call("GET", path, self.page, params=params)

    def iterate(
        self, updated_after: Any = None, brief: bool = False, page_size: int | None = None
    ) -> SweepCalls[R]:
        """Every record (changed after `updated_after`), each version once (see Sweep)."""
        sweep = Sweep(
            updated_after, "DATE_UPDATED_UTC", self.type.id_field, page_size or self.page_size
        )
        extra = {"brief": "true"} if brief else {}
        return SweepCalls(f"{self.path}/Search", "updated_after_utc", sweep, self.model, extra)

    def deleted(self, after: Any = None, page_size: int | None = None) -> SweepCalls[Tombstone]:
        """Tombstones {ID, DATE_DELETED_UTC} of records deleted after `after` (Rolodex only)."""
        sweep = Sweep(after, "DATE_DELETED_UTC", "ID", page_size or self.page_size)
        return SweepCalls(f"{self.path}/Deleted", "deleted_after_utc", sweep, Tombstone)

    def search(
        self,
        field_name: str,
        field_value: Any,
        skip: int = 0,
        top: int = 100,
        brief: bool = False,
        count_total: bool = False,
    ) -> Call[RecordPage[R]]:
        """Records whose field equals the value (one page)."""
        params = paging(skip, top, brief, count_total)
        params.update(field_name=field_name, field_value=str(field_value))
        return Call("GET", f"{self.path}/Search", self.page, params=params)

    def search_all(self, field_name: str, field_value: Any) -> SearchPages[R]:
        """Every record whose field equals the value."""
        params = {"field_name": field_name, "field_value": str(field_value)}
        return SearchPages(f"{self.path}/Search", params, self.page_size, self.model)

    def search_by_tag(
        self, tag_name: str, skip: int = 0, top: int = 100, brief: bool = False
    ) -> Call[RecordPage[R]]:
        """Records carrying the tag (one page)."""
        params = {**paging(skip, top, brief), "tagName": tag_name}
        return Call("GET", f"{self.path}/SearchByTag", self.page, params=params)

    def get(self, record_id: int, brief: bool = False) -> Plan[R]:
        """One record."""
        record, _ = yield self.get_with_etag(record_id, brief)
        return record  # type: ignore[no-any-return]

    def get_with_etag(self, record_id: int, brief: bool = False) -> Call[tuple[R, str | None]]:
        """One record and its ETag."""

        def read(response: httpx.Response) -> tuple[R, str | None]:
            return self.one(response), response.headers.get("etag")

        params = {"brief": "true"} if brief else None
        return Call("GET", f"{self.path}/{record_id}", read, params=params)

    def exists(self, record_id: int) -> Plan[bool]:
        """Whether the record exists."""
        try:
            yield self.get_with_etag(record_id, brief=True)
        except NotFoundError:
            return False
        return True

    # --- writing ---------------------------------------------------------------------------

    def create(self, record: Mapping[str, Any]) -> Call[R]:
        """POST a new record; the created record (never resent after an unclear failure)."""
        return Call("POST", self.path, self.one, json=dict(record))

    def replace(self, record: Mapping[str, Any], if_match: str | None = None) -> Call[R]:
        """PUT a record (its id in the body) as is: present fields set, arrays replaced."""
        headers = {"If-Match": if_match} if if_match else None
        return Call("PUT", self.path, self.one, json=dict(record), headers=headers)

    def update(self, record_id: int, changes: Changes) -> Plan[R]:
        """Read the record, apply `changes` (a dict, or a function of the record giving one)
        and PUT the whole graph back with If-Match: sub-collections not mentioned are sent
        back as read, and a concurrent change raises PreconditionFailedError (412)."""
        record, etag = yield self.get_with_etag(record_id)
        wanted = changes(record) if callable(changes) else changes
        body = apply_changes(record, wanted)
        body[self.type.id_field] = record_id
        return (yield self.replace(body, etag))  # type: ignore[no-any-return]

    def delete(self, record_id: int, if_match: str | None = None) -> Call[None]:
        """DELETE a record (a retry finding it gone counts as done)."""
        headers = {"If-Match": if_match} if if_match else None
        path = f"{self.path}/{record_id}"
        return Call("DELETE", path, _nothing, headers=headers, gone_ok_on_retry=True)

    # --- sub-resources ---------------------------------------------------------------------

    def tags(self, record_id: int) -> Call[list[str]]:
        """The names of the record's tags."""

        def read(response: httpx.Response) -> list[str]:
            return [t["TAG_NAME"] for t in decode(response) or []]

        return Call("GET", f"{self.path}/{record_id}/Tags", read)

    def add_tag(self, record_id: int, tag_name: str) -> Call[None]:
        """Tag the record."""
        path = f"{self.path}/{record_id}/Tags"
        return Call("POST", path, _nothing, json={"TAG_NAME": tag_name})

    def set_tags(self, record_id: int, tag_names: list[str]) -> Call[list[str]]:
        """Replace the record's tags; their names as saved."""
        body = [{"TAG_NAME": name} for name in tag_names]
        return Call("PUT", f"{self.path}/{record_id}/Tags", self.tags(record_id).read, json=body)

    def remove_tag(self, record_id: int, tag_name: str) -> Call[None]:
        """Take a tag off the record."""
        path = f"{self.path}/{record_id}/Tags"
        return Call("DELETE", path, _nothing, json={"TAG_NAME": tag_name})

    def links(self, record_id: int) -> Call[list[Link]]:
        """The record's links."""
        return Call("GET", f"{self.path}/{record_id}/Links", lambda r: list(decode(r) or []))

    def add_link(self, record_id: int, link: Mapping[str, Any]) -> Call[Link]:
        """Link the record to another; the new link."""
        path = f"{self.path}/{record_id}/Links"
        return Call("POST", path, lambda r: decode(r), json=dict(link))

    def delete_link(self, record_id: int, link_id: int) -> Call[None]:
        """Remove one of the record's links."""
        return Call("DELETE", f"{self.path}/{record_id}/Links/{link_id}", _nothing)

    def notes(self, record_id: int, skip: int = 0, top: int = 100) -> Call[RecordPage[Note]]:
        """A page of the record's notes."""
        path = f"{self.path}/{record_id}/Notes"
        return Call("GET", path, _page(Note), params=paging(skip, top))

    def add_note(self, record_id: int, note: Mapping[str, Any]) -> Call[Note]:
        """Add a note to the record; the note."""
        path = f"{self.path}/{record_id}/Notes"
        return Call("POST", path, _one(Note), json=dict(note))

    def files(
        self, record_id: int, skip: int = 0, top: int = 100
    ) -> Call[RecordPage[FileAttachment]]:
        """A page of the files attached to the record."""
        path = f"{self.path}/{record_id}/FileAttachments"
        return Call("GET", path, _page(FileAttachment), params=paging(skip, top))

    def attach_file(
        self, record_id: int, file_name: str, content: bytes, content_type: str = ""
    ) -> Call[FileAttachment]:
        """Attach a file to the record; its metadata."""
        files = {"file": (file_name, content, content_type or "application/octet-stream")}
        path = f"{self.path}/{record_id}/FileAttachments"
        return Call("POST", path, _one(FileAttachment), files=files)

    def is_following(self, record_id: int) -> Call[bool]:
        """Whether this client's user follows the record."""
        path = f"{self.path}/{record_id}/Follow"
        return Call("GET", path, lambda r: bool((decode(r) or {}).get("FOLLOWING")))

    def follow(self, record_id: int) -> Call[None]:
        """Follow the record."""
        return Call("POST", f"{self.path}/{record_id}/Follow", _nothing)

    def unfollow(self, record_id: int) -> Call[None]:
        """Stop following the record."""
        return Call("DELETE", f"{self.path}/{record_id}/Follow", _nothing)
