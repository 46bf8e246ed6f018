"""Where imported records go: a server through the SDK, or a local database directly."""

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, select

from rolodex.client import ApiError, NotFoundError, Resource
from rolodex.client.core import Record
from rolodex.domain.registry import RecordType
from rolodex.errors import NotFound, RolodexError
from rolodex.services.context import Caller
from rolodex.services.records import RecordService
from rolodex.storage import tables
from rolodex.storage.engine import rehearsal, run_in_transaction, savepoint
from rolodex.storage.repository import Page

T = TypeVar("T")


class WriteRefused(Exception):
    """The target refused a record; the message says why (for the reject file)."""


class Sink(Protocol):
    id_field: str
    # Whether a dry run through this sink really writes, in a transaction it rolls back at the
    # end (so it refuses and matches exactly what a real run would); otherwise it is simulated.
    rehearses: bool

    def session(self) -> AbstractContextManager[None]: ...
    def batch(self, work: Callable[[], T]) -> T: ...
    def find(self, field_name: str, value: Any) -> list[Record]: ...
    def get(self, record_id: int) -> Record | None: ...
    def create(self, body: Record) -> Record: ...
    def create_many(self, bodies: Sequence[Record]) -> list[int | str]: ...
    def update(self, record_id: int, body: Record) -> Record: ...
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
    """Writes through the API (any Insightly-compatible server)."""

    def __init__(self, resource: Resource) -> None:
        self.resource = resource
        self.id_field = resource.type.id_field

    rehearses = False

    def session(self) -> AbstractContextManager[None]:
        return contextlib.nullcontext()

    def batch(self, work: Callable[[], T]) -> T:
        return work()  # each request is its own transaction on the server

    def find(self, field_name: str, value: Any) -> list[Record]:
        return list(self.resource.search_all(field_name, value))

    def get(self, record_id: int) -> Record | None:
        try:
            return self.resource.get(record_id)
        except NotFoundError:
            return None

    def create(self, body: Record) -> Record:
        try:
            return self.resource.create(body)
        except ApiError as error:
            raise WriteRefused(reason(error)) from error

    def create_many(self, bodies: Sequence[Record]) -> list[int | str]:
        results: list[int | str] = []
        for body in bodies:
            try:
                results.append(int(self.create(body)[self.id_field]))
            except WriteRefused as refused:
                results.append(str(refused))
        return results

    def update(self, record_id: int, body: Record) -> Record:
        try:
            return self.resource.update(record_id, body)
        except ApiError as error:
            raise WriteRefused(reason(error)) from error

    def delete(self, record_id: int) -> None:
        with contextlib.suppress(NotFoundError):
            self.resource.delete(record_id)


class LocalSink:
    """Writes straight through the service layer into a local Rolodex database (bulk loads):
    the same rules as the API, without HTTP, authentication or rate limits.

    Work given to `batch` runs in one transaction (committed at its end, run again after a
    deadlock or busy database); inside it each update has its own savepoint, and creates go
    through `RecordService.create_many` (multi-row statements). With `dry_run`, `session`
    holds one transaction for the whole import and rolls it back: every write happens, so a
    dry run refuses and matches exactly what a real run would, and nothing is kept."""

    rehearses = True

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
