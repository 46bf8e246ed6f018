"""Where imported records go: a server through the SDK, or a local database directly."""

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, select

from rolodex.client import ApiError, NotFoundError, Resource
from rolodex.client.core import Record
from rolodex.domain.registry import RecordType, by_singular, resolve_object_name
from rolodex.errors import NotFound, RolodexError
from rolodex.services.context import Caller
from rolodex.services.records import RecordService
from rolodex.storage import tables
from rolodex.storage.engine import rehearsal, run_in_transaction, savepoint
from rolodex.storage.repository import Page
from rolodex.sync.records import field_value, match_key

T = TypeVar("T")


class WriteRefused(Exception):
    """The target refused a record; the message says why (for the reject file)."""


class Sink(Protocol):
    id_field: str
    # Rows read, checked and written per batch (`batch`).
    batch_rows: int
    # Whether a dry run through this sink really writes, in a transaction it rolls back at the
    # end (so it refuses and matches exactly what a real run would); otherwise it is simulated.
    rehearses: bool

    def session(self) -> AbstractContextManager[None]: ...
    def expect(self, rows: int) -> None: ...
    def batch(self, work: Callable[[], T]) -> T: ...
    def find(self, field_name: str, value: Any) -> list[Record]: ...
    def get(self, record_id: int) -> Record | None: ...
    def create(self, body: Record) -> Record: ...
    def create_many(self, bodies: Sequence[Record]) -> list[int | str]: ...
    def update(self, record_id: int, body: Record) -> Record: ...
    def update_many(self, changes: Sequence[tuple[int, Record]]) -> list[Record | str]: ...
    def delete(self, record_id: int) -> None: ...


def reason(error: ApiError | RolodexError) -> str:
    """One line naming every field at fault."""
    fields = []
    for e in error.errors:
        if isinstance(e, dict):
            fields.append(f"{e.get('FIELD')}: {e.get('Message')}")
        else:
            fields.append(f"{e.field}: {e.message}")
    return "; ".join(fields) if fields else error.message


class ApiSink:
    """Writes through the API (any Insightly-compatible server), as fast as its rate limit
    lets: creates and updates of a batch go concurrently (up to the burst limit the client's
    PacedTransport learnt), an update is one partial PUT of the row's fields (no read first,
    so no If-Match: the row wins over a change made meanwhile to the same fields), and when a
    paged sweep of the target's records costs fewer calls than a look-up per row (`expect`),
    look-ups are answered from that one sweep, kept up to date with what this sink writes."""

    rehearses = False
    # A batch's writes go concurrently; a smaller batch shows progress more often.
    batch_rows = 50

    def __init__(self, resource: Resource, workers: Callable[[], int] = lambda: 1) -> None:
        self.resource = resource
        self.id_field = resource.type.id_field
        self.owner = owner_route(resource.type.collection)
        self.workers = workers
        self.swept = False
        self._records: dict[int, Record] | None = None
        self._index: dict[str, dict[str, set[int]]] = {}
        self._lock = threading.Lock()  # writes of a batch remember their records concurrently

    def session(self) -> AbstractContextManager[None]:
        return contextlib.nullcontext()

    def batch(self, work: Callable[[], T]) -> T:
        return work()  # each request is its own transaction on the server

    def expect(self, rows: int) -> None:
        """Look-ups for `rows` rows are coming: sweep the target once if that is cheaper."""
        total = self.resource.list_page(top=1, brief=True, count_total=True).total
        page = self.resource.client.page_size
        self.swept = total is not None and -(-total // page) < rows

    def _all(self) -> dict[int, Record] | None:
        if self.swept and self._records is None:
            self._records = {}
            for record in self.resource.iterate():
                self._remember_now(record)
        return self._records

    def _remember(self, record: Record) -> None:
        with self._lock:
            self._remember_now(record)

    def _remember_now(self, record: Record) -> None:
        if self._records is None:
            return
        record_id = int(record[self.id_field])
        old = self._records.get(record_id)
        for name, index in self._index.items():
            if old is not None:
                index.get(match_key(field_value(old, name)), set()).discard(record_id)
            index.setdefault(match_key(field_value(record, name)), set()).add(record_id)
        self._records[record_id] = record

    def find(self, field_name: str, value: Any) -> list[Record]:
        records = self._all()
        if records is None:
            return list(self.resource.search_all(field_name, value))
        if field_name not in self._index:
            index: dict[str, set[int]] = {}
            for record_id, record in records.items():
                index.setdefault(match_key(field_value(record, field_name)), set()).add(record_id)
            self._index[field_name] = index
        found = self._index[field_name].get(match_key(value), set())
        return [records[record_id] for record_id in sorted(found)]

    def get(self, record_id: int) -> Record | None:
        records = self._all()
        if records is not None:
            return records.get(record_id)
        try:
            return self.resource.get(record_id)
        except NotFoundError:
            return None

    def create(self, body: Record) -> Record:
        if self.owner is None:
            created = _refusing(lambda: self.resource.create(body))
        else:
            owner = self.owner
            path = owner.path(body.get(owner.field))
            created = _refusing(lambda: self._under_owner("POST", path, body, owner))
        self._remember(created)
        return created

    def create_many(self, bodies: Sequence[Record]) -> list[int | str]:
        results = self.concurrently(self.create, bodies)
        return [r if isinstance(r, str) else int(r[self.id_field]) for r in results]

    def update(self, record_id: int, body: Record) -> Record:
        updated = _refusing(lambda: self._put(record_id, body))
        self._remember(updated)
        return updated

    def update_many(self, changes: Sequence[tuple[int, Record]]) -> list[Record | str]:
        return self.concurrently(lambda change: self.update(*change), changes)

    def _put(self, record_id: int, body: Record) -> Record:
        # A v3.1 PUT sets the fields it holds and leaves the others: no read needed first.
        if self.owner is None:
            return self.resource.replace({**body, self.id_field: record_id})
        owner_id = body.get(self.owner.field) or self._owner_of(record_id)
        path = self.owner.path(owner_id)
        return self._under_owner("PUT", path, {**body, self.id_field: record_id}, self.owner)

    def _owner_of(self, record_id: int) -> Any:
        """The owner id of the target's record (raises NotFoundError when it is gone)."""
        assert self.owner is not None
        return self.resource.get(record_id)[self.owner.field]

    def _under_owner(self, method: str, path: str, body: Record, owner: "OwnerRoute") -> Record:
        """POST or PUT a record at its owner's route. A priced line's owner whose book no body
        sets (an opportunity's: PUT /Opportunities/{id}/Pricebook) is given the book of the
        line's entry first when it has none: the source's owner had it, as its lines show."""
        client = self.resource.client
        if owner.book_route is not None and body.get(owner.priced_by or "") is not None:
            owner_path = owner.owner_path(body.get(owner.field))
            if client.request("GET", owner_path).json().get("PRICEBOOK_ID") is None:
                entry_path = f"/{owner.entries}/{body[owner.priced_by or '']}"
                book = client.request("GET", entry_path).json()["PRICEBOOK_ID"]
                client.request("PUT", owner_path + owner.book_route, json={"PRICEBOOK_ID": book})
        record: Record = client.request(method, path, json=body).json()
        return record

    def concurrently(self, call: Callable[[Any], Record], items: Sequence[Any]) -> list[Any]:
        """`call` on each item, up to `workers()` at once; each result, or why it was refused
        (WriteRefused's message)."""

        def one(item: Any) -> Record | str:
            try:
                return call(item)
            except WriteRefused as refused:
                return str(refused)

        workers = min(self.workers(), len(items))
        if workers <= 1:
            return [one(item) for item in items]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, items))

    def delete(self, record_id: int) -> None:
        with contextlib.suppress(NotFoundError):
            if self.owner is None:
                self.resource.delete(record_id)
            else:
                path = f"{self.owner.path(self._owner_of(record_id))}/{record_id}"
                self.resource.client.request("DELETE", path)
        if self._records is not None:
            self._records.pop(record_id, None)


@dataclass(frozen=True)
class OwnerRoute:
    """Where the records of a type kept under an owner are written (rolodex.api.owned): a line
    item at /Opportunities/{id}/OpportunityLineItem; it is read at /OpportunityLineItem."""

    field: str  # the record's field naming its owner (the first of its type's owner_fields)
    owner: str  # the owner's collection
    owned: str  # the records' own collection
    priced_by: str | None = None  # a line item's PRICEBOOK_ENTRY_ID
    entries: str | None = None  # the collection priced_by names (PricebookEntry)
    # The owner's route that sets its book when no body does (an opportunity's /Pricebook).
    book_route: str | None = None

    def owner_path(self, owner_id: Any) -> str:
        return f"/{self.owner}/{owner_id}"

    def path(self, owner_id: Any) -> str:
        return f"{self.owner_path(owner_id)}/{self.owned}"


def owner_route(collection: str) -> OwnerRoute | None:
    """The owner route of a registry type kept under an owner; None for any other type."""
    rt = resolve_object_name(collection)
    if rt is None or rt.custom_object or not rt.owner_fields:
        return None
    field = rt.owner_fields[0]
    owner = by_singular(str(_references(rt, field)))
    route = OwnerRoute(field, owner.collection, rt.collection)
    if rt.priced_by is None:
        return route
    entries = by_singular(str(_references(rt, rt.priced_by))).collection
    book = owner.field_named("PRICEBOOK_ID")
    book_route = "/Pricebook" if book is not None and book.read_only else None
    return replace(route, priced_by=rt.priced_by, entries=entries, book_route=book_route)


def _references(rt: RecordType, name: str) -> str | None:
    spec = rt.field_named(name)
    return spec.references if spec is not None else None


def _refusing(call: Callable[[], Record]) -> Record:
    try:
        return call()
    except ApiError as error:
        raise WriteRefused(reason(error)) from error


class LocalSink:
    """Writes straight through the service layer into a local Rolodex database (bulk loads):
    the same rules as the API, without HTTP, authentication or rate limits.

    Work given to `batch` runs in one transaction (committed at its end, run again after a
    deadlock or busy database); inside it each update has its own savepoint, and creates go
    through `RecordService.create_many` (multi-row statements). With `dry_run`, `session`
    holds one transaction for the whole import and rolls it back: every write happens, so a
    dry run refuses and matches exactly what a real run would, and nothing is kept."""

    rehearses = True
    # Rows per transaction. A refused row costs only itself: creates are checked one by one
    # before a batch of them is written (RecordService.create_many), and each update has its
    # own savepoint.
    batch_rows = 1000

    def __init__(
        self, engine: Engine, instance_id: int, rt: RecordType, dry_run: bool = False
    ) -> None:
        self.engine = engine
        self.rt = rt
        self.id_field = rt.id_field
        self.dry_run = dry_run
        self.caller = Caller(instance_id, first_admin(engine, instance_id), is_admin=True)
        self._connection: Connection | None = None
        self._service: RecordService | None = None

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        if not self.dry_run:
            yield
            return
        with rehearsal(self.engine) as connection:
            self._bind(connection)
            try:
                yield
            finally:
                self._connection = self._service = None

    def batch(self, work: Callable[[], T]) -> T:
        if self._connection is not None:
            return work()

        def transaction(connection: Connection) -> T:
            self._bind(connection)
            try:
                return work()
            finally:
                self._connection = self._service = None

        return run_in_transaction(self.engine, transaction, write=True)

    def _bind(self, connection: Connection) -> None:
        self._connection = connection
        self._service = RecordService(connection, self.caller, self.rt)

    def _run(
        self, work: Callable[[RecordService], T], write: bool = False, nested: bool = True
    ) -> T:
        """`work` on the service: inside the current batch (in a savepoint when it writes,
        unless `nested` is false: it has its own), or in a transaction of its own."""
        if self._service is not None and self._connection is not None:
            service = self._service
            try:
                if not write or not nested:
                    return work(service)
                with savepoint(self._connection):
                    return work(service)
            except RolodexError as error:
                raise WriteRefused(reason(error)) from error

        def transaction(connection: Connection) -> T:
            return work(RecordService(connection, self.caller, self.rt))

        try:
            return run_in_transaction(self.engine, transaction, write)
        except RolodexError as error:
            raise WriteRefused(reason(error)) from error

    def find(self, field_name: str, value: Any) -> list[Record]:
        def work(service: RecordService) -> list[Record]:
            field_filter = service.search_filter(field_name, str(value))
            return service.list_page(Page(top=1000), field_filter)[0]

        return self._run(work)

    def get(self, record_id: int) -> Record | None:
        try:
            return self._run(lambda service: service.get(record_id))
        except WriteRefused:
            return None

    def create(self, body: Record) -> Record:
        return self._run(lambda service: service.create(body)[0], write=True)

    def create_many(self, bodies: Sequence[Record]) -> list[int | str]:
        """Create records (a refused one's place holds the reason); in the current batch."""

        def work(service: RecordService) -> list[int | str]:
            return [
                result if isinstance(result, int) else reason(result)
                for result in service.create_many(bodies)
            ]

        return self._run(work, write=True, nested=False)

    def update(self, record_id: int, body: Record) -> Record:
        data = {**body, self.rt.id_field: record_id}
        return self._run(lambda service: service.update(data)[0], write=True)

    def update_many(self, changes: Sequence[tuple[int, Record]]) -> list[Record | str]:
        """Each update in its own savepoint of the current batch; the record, or the refusal."""
        results: list[Record | str] = []
        for record_id, body in changes:
            try:
                results.append(self.update(record_id, body))
            except WriteRefused as refused:
                results.append(str(refused))
        return results

    def expect(self, rows: int) -> None:
        """Nothing to plan: a look-up in the database costs no call."""

    def delete(self, record_id: int) -> None:
        with contextlib.suppress(WriteRefused):
            self._run(lambda service: service.delete(record_id), write=True)


def first_admin(engine: Engine, instance_id: int) -> int:
    """The id of the instance's first administrator (local imports act as that user)."""
    users = tables.users
    query = (
        select(users.c.id)
        .where(users.c.instance_id == instance_id, users.c.administrator.is_(True))
        .order_by(users.c.id)
        .limit(1)
    )
    with engine.connect() as connection:
        user_id = connection.execute(query).scalar()
    if user_id is None:
        raise NotFound(f"Instance {instance_id} has no administrator (or does not exist).")
    return int(user_id)
