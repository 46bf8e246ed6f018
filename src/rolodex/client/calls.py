"""Building requests and reading their answers, once for both clients (no I/O here).

Each resource method of Client and AsyncClient is a thin wrapper: `ResourceCalls` builds a
`Call` (the request and how to read its response), the client's transport sends it with
retries (`Attempts` decides), and `Call.read` turns the response into the typed result.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx

from rolodex.client.core import RetryPolicy, Sweep, apply_changes, as_query_date
from rolodex.client.errors import TransportError, error_for
from rolodex.client.models import MODELS, CustomObjectRecord, Note
from rolodex.client.record import FileAttachment, Link, Tombstone, WireRecord
from rolodex.client.types import ObjectType

T = TypeVar("T")
R = TypeVar("R", bound=WireRecord)
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
        self, skip: int, top: int, brief: bool, count_total: bool, updated_after: Any
    ) -> Call[RecordPage[R]]:
        params = paging(skip, top, brief, count_total)
        path = self.path
        if updated_after is not None:
            params["updated_after_utc"] = as_query_date(updated_after)
            path += "/Search"  # where Insightly accepts updated_after_utc
        return Call("GET", path, self.page, params=params)

    def iterate(self, updated_after: Any, brief: bool, page_size: int | None) -> SweepCalls[R]:
        sweep = Sweep(
            updated_after, "DATE_UPDATED_UTC", self.type.id_field, page_size or self.page_size
        )
        extra = {"brief": "true"} if brief else {}
        return SweepCalls(f"{self.path}/Search", "updated_after_utc", sweep, self.model, extra)

    def deleted(self, after: Any, page_size: int | None) -> SweepCalls[Tombstone]:
        sweep = Sweep(after, "DATE_DELETED_UTC", "ID", page_size or self.page_size)
        return SweepCalls(f"{self.path}/Deleted", "deleted_after_utc", sweep, Tombstone)

    def search(
        self, field_name: str, field_value: Any, skip: int, top: int, brief: bool, count: bool
    ) -> Call[RecordPage[R]]:
        params = paging(skip, top, brief, count)
        params.update(field_name=field_name, field_value=str(field_value))
        return Call("GET", f"{self.path}/Search", self.page, params=params)

    def search_by_tag(self, tag_name: str, skip: int, top: int, brief: bool) -> Call[RecordPage[R]]:
        params = {**paging(skip, top, brief), "tagName": tag_name}
        return Call("GET", f"{self.path}/SearchByTag", self.page, params=params)

    def get_with_etag(self, record_id: int, brief: bool) -> Call[tuple[R, str | None]]:
        def read(response: httpx.Response) -> tuple[R, str | None]:
            return self.one(response), response.headers.get("etag")

        params = {"brief": "true"} if brief else None
        return Call("GET", f"{self.path}/{record_id}", read, params=params)

    # --- writing ---------------------------------------------------------------------------

    def create(self, record: Mapping[str, Any]) -> Call[R]:
        return Call("POST", self.path, self.one, json=dict(record))

    def replace(self, record: Mapping[str, Any], if_match: str | None) -> Call[R]:
        headers = {"If-Match": if_match} if if_match else None
        return Call("PUT", self.path, self.one, json=dict(record), headers=headers)

    def update_body(self, record_id: int, record: R, changes: Changes) -> dict[str, Any]:
        """The whole graph to PUT back: the record as read with `changes` applied."""
        wanted = changes(record) if callable(changes) else changes
        body = apply_changes(record, wanted)
        body[self.type.id_field] = record_id
        return body

    def delete(self, record_id: int, if_match: str | None) -> Call[None]:
        headers = {"If-Match": if_match} if if_match else None
        path = f"{self.path}/{record_id}"
        return Call("DELETE", path, _nothing, headers=headers, gone_ok_on_retry=True)

    # --- sub-resources ---------------------------------------------------------------------

    def tags(self, record_id: int) -> Call[list[str]]:
        def read(response: httpx.Response) -> list[str]:
            return [t["TAG_NAME"] for t in decode(response) or []]

        return Call("GET", f"{self.path}/{record_id}/Tags", read)

    def add_tag(self, record_id: int, tag_name: str) -> Call[None]:
        path = f"{self.path}/{record_id}/Tags"
        return Call("POST", path, _nothing, json={"TAG_NAME": tag_name})

    def set_tags(self, record_id: int, tag_names: list[str]) -> Call[list[str]]:
        body = [{"TAG_NAME": name} for name in tag_names]
        return Call("PUT", f"{self.path}/{record_id}/Tags", self.tags(record_id).read, json=body)

    def remove_tag(self, record_id: int, tag_name: str) -> Call[None]:
        path = f"{self.path}/{record_id}/Tags"
        return Call("DELETE", path, _nothing, json={"TAG_NAME": tag_name})

    def links(self, record_id: int) -> Call[list[Link]]:
        return Call("GET", f"{self.path}/{record_id}/Links", lambda r: list(decode(r) or []))

    def add_link(self, record_id: int, link: Mapping[str, Any]) -> Call[Link]:
        path = f"{self.path}/{record_id}/Links"
        return Call("POST", path, lambda r: decode(r), json=dict(link))

    def delete_link(self, record_id: int, link_id: int) -> Call[None]:
        return Call("DELETE", f"{self.path}/{record_id}/Links/{link_id}", _nothing)

    def notes(self, record_id: int, skip: int, top: int) -> Call[RecordPage[Note]]:
        path = f"{self.path}/{record_id}/Notes"
        return Call("GET", path, _page(Note), params=paging(skip, top))

    def add_note(self, record_id: int, note: Mapping[str, Any]) -> Call[Note]:
        path = f"{self.path}/{record_id}/Notes"
        return Call("POST", path, _one(Note), json=dict(note))

    def files(self, record_id: int, skip: int, top: int) -> Call[RecordPage[FileAttachment]]:
        path = f"{self.path}/{record_id}/FileAttachments"
        return Call("GET", path, _page(FileAttachment), params=paging(skip, top))

    def attach_file(
        self, record_id: int, file_name: str, content: bytes, content_type: str
    ) -> Call[FileAttachment]:
        files = {"file": (file_name, content, content_type or "application/octet-stream")}
        path = f"{self.path}/{record_id}/FileAttachments"
        return Call("POST", path, _one(FileAttachment), files=files)

    def is_following(self, record_id: int) -> Call[bool]:
        path = f"{self.path}/{record_id}/Follow"
        return Call("GET", path, lambda r: bool((decode(r) or {}).get("FOLLOWING")))

    def follow(self, record_id: int) -> Call[None]:
        return Call("POST", f"{self.path}/{record_id}/Follow", _nothing)

    def unfollow(self, record_id: int) -> Call[None]:
        return Call("DELETE", f"{self.path}/{record_id}/Follow", _nothing)
