"""Where imported records go: a server through the SDK, or a local database directly."""

import contextlib
from typing import Any, Protocol

from sqlalchemy import Engine, select

from rolodex.client import ApiError, NotFoundError, Resource
from rolodex.client.core import Record
from rolodex.domain.registry import RecordType
from rolodex.errors import NotFound, RolodexError
from rolodex.services.context import Caller
from rolodex.services.records import RecordService
from rolodex.storage import tables
from rolodex.storage.engine import run_in_transaction


class WriteRefused(Exception):
    """The target refused a record; the message says why (for the reject file)."""


class Sink(Protocol):
    id_field: str

    def find(self, field_name: str, value: Any) -> list[Record]: ...
    def get(self, record_id: int) -> Record | None: ...
    def create(self, body: Record) -> Record: ...
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
    the same rules as the API, without HTTP, authentication or rate limits."""

    def __init__(self, engine: Engine, instance_id: int, rt: RecordType) -> None:
        self.engine = engine
        self.rt = rt
        self.id_field = rt.id_field
        self.caller = Caller(instance_id, first_admin(engine, instance_id), is_admin=True)

    def _run(self, work: Any, write: bool = False) -> Any:
        def transaction(connection: Any) -> Any:
            return work(RecordService(connection, self.caller, self.rt))

        try:
            return run_in_transaction(self.engine, transaction, write)
        except RolodexError as error:
            raise WriteRefused(reason(error)) from error

    def find(self, field_name: str, value: Any) -> list[Record]:
        def work(service: RecordService) -> list[Record]:
            from rolodex.storage.repository import Page

            field_filter = service.search_filter(field_name, str(value))
            return service.list_page(Page(top=1000), field_filter)[0]

        found: list[Record] = self._run(work)
        return found

    def get(self, record_id: int) -> Record | None:
        try:
            found: Record = self._run(lambda service: service.get(record_id))
        except WriteRefused:
            return None
        return found

    def create(self, body: Record) -> Record:
        created: Record = self._run(lambda service: service.create(body)[0], write=True)
        return created

    def update(self, record_id: int, body: Record) -> Record:
        data = {**body, self.rt.id_field: record_id}
        updated: Record = self._run(lambda service: service.update(data)[0], write=True)
        return updated

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
