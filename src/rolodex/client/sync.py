"""The synchronous client: `Client(base_url, api_key)`, one `Resource` per record type."""

import time
from collections.abc import Callable, Iterator, Mapping
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
from rolodex.client.errors import NotFoundError, TransportError, error_for
from rolodex.client.types import OBJECT_TYPES, ObjectType, custom_object, object_type

Changes = Mapping[str, Any] | Callable[[Record], Mapping[str, Any]]


class RecordPage(list[Record]):
    """One page of records; `total` is the X-Total-Count when count_total was asked for."""

    total: int | None = None


def decode(response: httpx.Response) -> Any:
    """A response body: JSON when it is JSON, else its text ('' when empty)."""
    if not response.content:
        return None
    if "json" in response.headers.get("content-type", ""):
        return response.json()
    return response.text


def page_of(response: httpx.Response) -> RecordPage:
    page = RecordPage(decode(response) or [])
    total = response.headers.get("x-total-count")
    page.total = int(total) if total and total.isdigit() else None
    return page


def paging(skip: int, top: int, brief: bool, count_total: bool) -> dict[str, Any]:
    params: dict[str, Any] = {"skip": skip, "top": top}
    if brief:
        params["brief"] = "true"
    if count_total:
        params["count_total"] = "true"
    return params


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
        self.contacts = self.resource("Contacts")
        self.organisations = self.resource("Organisations")
        self.leads = self.resource("Leads")
        self.opportunities = self.resource("Opportunities")
        self.projects = self.resource("Projects")
        self.tasks = self.resource("Tasks")
        self.events = self.resource("Events")
        self.notes = self.resource("Notes")
        self.users = self.resource("Users")
        self.emails = self.resource("Emails")

    def resource(self, name: str) -> "Resource":
        """The resource of a record type by name (Contacts, contact, Foo__c, ...)."""
        return Resource(self, object_type(name))

    def custom(self, name: str) -> "Resource":
        """The records of the custom object `name` (Foo__c)."""
        return Resource(self, custom_object(name))

    def resources(self) -> list["Resource"]:
        """A resource per standard record type."""
        return [Resource(self, t) for t in OBJECT_TYPES]

    def custom_objects(self) -> list[Record]:
        """The instance's custom object definitions (GET /CustomObjects)."""
        return list(decode(self.request("GET", "/CustomObjects")) or [])

    def me(self) -> Record:
        return dict(decode(self.request("GET", "/Users/Me")))

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
        """Send a request with retries; the response, or a typed exception."""
        attempt = 0
        answered_before = True
        while True:
            attempt += 1
            try:
                response = self.http.request(
                    method, path, params=params, json=json, headers=headers, files=files
                )
            except httpx.TransportError as exc:
                connect_failed = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                wait = self.retry.delay(method, attempt, connect_failed=connect_failed)
                if wait is None:
                    raise TransportError(f"{method} {self.root}{path}: {exc!r}") from exc
                answered_before = False
                self.retries += 1
                self.sleep(wait)
                continue
            if response.is_success:
                return response
            if response.status_code == 404 and gone_ok_on_retry and not answered_before:
                return response  # an earlier attempt did it; its answer was lost
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
            self.sleep(wait)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class Records:
    """An iteration over a sweep (rolodex.client.core.Sweep); `cursor` once it is done."""

    def __init__(self, client: Client, path: str, param: str, sweep: Sweep, extra: Any) -> None:
        self.client = client
        self.path = path
        self.param = param
        self.sweep = sweep
        self.extra = dict(extra)

    def __iter__(self) -> Iterator[Record]:
        sweep = self.sweep
        while not sweep.done:
            params = {**self.extra, **sweep.params(), self.param: sweep.after}
            response = self.client.request("GET", self.path, params=params)
            sweep.note_server_time(response.headers.get("date"))
            yield from sweep.take(list(decode(response) or []))

    @property
    def cursor(self) -> str:
        return self.sweep.cursor


class Resource:
    """The records of one type: reads, writes and sub-resources."""

    def __init__(self, client: Client, kind: ObjectType) -> None:
        self.client = client
        self.type = kind
        self.path = f"/{kind.collection}"

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return decode(self.client.request("GET", f"{self.path}{path}", params=params))

    # --- reading ---------------------------------------------------------------------------

    def list_page(
        self,
        skip: int = 0,
        top: int = 100,
        brief: bool = False,
        count_total: bool = False,
        updated_after: Any = None,
    ) -> RecordPage:
        """One page, in id order (or (DATE_UPDATED_UTC, id) order with updated_after)."""
        params = paging(skip, top, brief, count_total)
        path = self.path
        if updated_after is not None:
            params["updated_after_utc"] = as_query_date(updated_after)
            path += "/Search"  # where Insightly accepts updated_after_utc
        return page_of(self.client.request("GET", path, params=params))

    def iterate(
        self, updated_after: Any = None, brief: bool = False, page_size: int | None = None
    ) -> Records:
        """Every record (changed after `updated_after`), each version once (see Sweep)."""
        size = page_size or self.client.page_size
        sweep = Sweep(updated_after, "DATE_UPDATED_UTC", self.type.id_field, size)
        extra = {"brief": "true"} if brief else {}
        return Records(self.client, f"{self.path}/Search", "updated_after_utc", sweep, extra)

    def deleted(self, after: Any = None, page_size: int | None = None) -> Records:
        """Tombstones {ID, DATE_DELETED_UTC} of records deleted after `after` (Rolodex only)."""
        sweep = Sweep(after, "DATE_DELETED_UTC", "ID", page_size or self.client.page_size)
        return Records(self.client, f"{self.path}/Deleted", "deleted_after_utc", sweep, {})

    def search(
        self,
        field_name: str,
        field_value: Any,
        skip: int = 0,
        top: int = 100,
        brief: bool = False,
        count_total: bool = False,
    ) -> RecordPage:
        """Records whose field equals the value (one page)."""
        params = paging(skip, top, brief, count_total)
        params.update(field_name=field_name, field_value=str(field_value))
        return page_of(self.client.request("GET", f"{self.path}/Search", params=params))

    def search_all(self, field_name: str, field_value: Any) -> Iterator[Record]:
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
    ) -> RecordPage:
        params = {**paging(skip, top, brief, False), "tagName": tag_name}
        return page_of(self.client.request("GET", f"{self.path}/SearchByTag", params=params))

    def get(self, record_id: int, brief: bool = False) -> Record:
        return self.get_with_etag(record_id, brief)[0]

    def get_with_etag(self, record_id: int, brief: bool = False) -> tuple[Record, str | None]:
        params = {"brief": "true"} if brief else None
        response = self.client.request("GET", f"{self.path}/{record_id}", params=params)
        return dict(decode(response)), response.headers.get("etag")

    # --- writing ---------------------------------------------------------------------------

    def create(self, record: Mapping[str, Any]) -> Record:
        """POST a new record; the created record (never resent after an unclear failure)."""
        return dict(decode(self.client.request("POST", self.path, json=dict(record))))

    def replace(self, record: Mapping[str, Any], if_match: str | None = None) -> Record:
        """PUT a record (its id in the body) as is: present fields set, arrays replaced."""
        headers = {"If-Match": if_match} if if_match else None
        response = self.client.request("PUT", self.path, json=dict(record), headers=headers)
        return dict(decode(response))

    def update(self, record_id: int, changes: Changes) -> Record:
        """Read the record, apply `changes` (a dict, or a function of the record giving one)
        and PUT the whole graph back with If-Match: sub-collections not mentioned are sent
        back as read, and a concurrent change raises PreconditionFailedError (412)."""
        record, etag = self.get_with_etag(record_id)
        wanted = changes(record) if callable(changes) else changes
        body = apply_changes(record, wanted)
        body[self.type.id_field] = record_id
        return self.replace(body, etag)

    def delete(self, record_id: int, if_match: str | None = None) -> None:
        headers = {"If-Match": if_match} if if_match else None
        self.client.request(
            "DELETE", f"{self.path}/{record_id}", headers=headers, gone_ok_on_retry=True
        )

    # --- sub-resources ---------------------------------------------------------------------

    def tags(self, record_id: int) -> list[str]:
        return [t["TAG_NAME"] for t in self._get(f"/{record_id}/Tags") or []]

    def add_tag(self, record_id: int, tag_name: str) -> None:
        self.client.request("POST", f"{self.path}/{record_id}/Tags", json={"TAG_NAME": tag_name})

    def set_tags(self, record_id: int, tag_names: list[str]) -> list[str]:
        body = [{"TAG_NAME": name} for name in tag_names]
        response = self.client.request("PUT", f"{self.path}/{record_id}/Tags", json=body)
        return [t["TAG_NAME"] for t in decode(response) or []]

    def remove_tag(self, record_id: int, tag_name: str) -> None:
        self.client.request("DELETE", f"{self.path}/{record_id}/Tags", json={"TAG_NAME": tag_name})

    def links(self, record_id: int) -> list[Record]:
        return list(self._get(f"/{record_id}/Links") or [])

    def add_link(self, record_id: int, link: Mapping[str, Any]) -> Record:
        response = self.client.request("POST", f"{self.path}/{record_id}/Links", json=dict(link))
        return dict(decode(response))

    def delete_link(self, record_id: int, link_id: int) -> None:
        self.client.request("DELETE", f"{self.path}/{record_id}/Links/{link_id}")

    def notes(self, record_id: int, skip: int = 0, top: int = 100) -> RecordPage:
        params = paging(skip, top, False, False)
        response = self.client.request("GET", f"{self.path}/{record_id}/Notes", params=params)
        return page_of(response)

    def add_note(self, record_id: int, note: Mapping[str, Any]) -> Record:
        response = self.client.request("POST", f"{self.path}/{record_id}/Notes", json=dict(note))
        return dict(decode(response))

    def files(self, record_id: int, skip: int = 0, top: int = 100) -> RecordPage:
        params = {"skip": skip, "top": top}
        path = f"{self.path}/{record_id}/FileAttachments"
        return page_of(self.client.request("GET", path, params=params))

    def attach_file(
        self,
        record_id: int,
        file_name: str,
        content: bytes,
        content_type: str = "application/octet-stream",
    ) -> Record:
        files = {"file": (file_name, content, content_type)}
        path = f"{self.path}/{record_id}/FileAttachments"
        return dict(decode(self.client.request("POST", path, files=files)))

    def is_following(self, record_id: int) -> bool:
        return bool(self._get(f"/{record_id}/Follow")["FOLLOWING"])

    def follow(self, record_id: int) -> None:
        self.client.request("POST", f"{self.path}/{record_id}/Follow")

    def unfollow(self, record_id: int) -> None:
        self.client.request("DELETE", f"{self.path}/{record_id}/Follow")

    def exists(self, record_id: int) -> bool:
        try:
            self.get(record_id, brief=True)
        except NotFoundError:
            return False
        return True
