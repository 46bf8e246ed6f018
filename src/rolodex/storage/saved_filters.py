"""The saved filters of list pages: rows of one user of one instance."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from rolodex.storage import tables

_FILTERS = tables.saved_filters
Row = dict[str, Any]


class SavedFilterStore:
    """One user's saved filters in one instance."""

    def __init__(self, connection: Connection, instance_id: int, user_id: int) -> None:
        self.connection = connection
        self.instance_id = instance_id
        self.user_id = user_id

    def _mine(self) -> tuple[Any, ...]:
        return (_FILTERS.c.instance_id == self.instance_id, _FILTERS.c.user_id == self.user_id)

    def list(self, object_name: str) -> list[Row]:
        """The user's filters of a list, by name: one statement."""
        query = (
            select(_FILTERS)
            .where(*self._mine(), _FILTERS.c.object_name == object_name)
            .order_by(_FILTERS.c.name_key, _FILTERS.c.id)
        )
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def count(self, object_name: str) -> int:
        query = select(func.count()).where(*self._mine(), _FILTERS.c.object_name == object_name)
        return int(self.connection.execute(query).scalar_one())

    def get(self, filter_id: int) -> Row | None:
        query = select(_FILTERS).where(*self._mine(), _FILTERS.c.id == filter_id)
        row = self.connection.execute(query).mappings().first()
        return dict(row) if row is not None else None

    def id_named(self, object_name: str, name_key: str) -> int | None:
        query = select(_FILTERS.c.id).where(
            *self._mine(), _FILTERS.c.object_name == object_name, _FILTERS.c.name_key == name_key
        )
        found = self.connection.execute(query).scalar()
        return int(found) if found is not None else None

    def insert(self, values: Row, when: datetime) -> int:
        statement = (
            insert(_FILTERS)
            .values(
                instance_id=self.instance_id,
                user_id=self.user_id,
                date_created_utc=when,
                **values,
            )
            .returning(_FILTERS.c.id)
        )
        return int(self.connection.execute(statement).scalar_one())

    def update(self, filter_id: int, values: Row) -> None:
        self.connection.execute(
            update(_FILTERS).where(*self._mine(), _FILTERS.c.id == filter_id).values(**values)
        )

    def delete(self, filter_id: int) -> bool:
        """Remove the filter; whether there was one."""
        result = self.connection.execute(
            delete(_FILTERS).where(*self._mine(), _FILTERS.c.id == filter_id)
        )
        return bool(result.rowcount)
