"""SQL for comments, always scoped to one instance (like rolodex.storage.repository)."""

from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, delete, insert, select, update

from rolodex.storage import tables
from rolodex.storage.repository import Page, Row, fetch_page, strictly_after

_comments = tables.comments

# The record_type of a comment's files in file_attachments (no record type is named so).
COMMENT_FILES = "Comment"


class CommentStore:
    """Comment rows of one instance."""

    def __init__(self, connection: Connection, instance_id: int) -> None:
        self.connection = connection
        self.instance_id = instance_id

    def _scoped(self) -> ColumnElement[bool]:
        return _comments.c.instance_id == self.instance_id

    def get(self, comment_id: int, for_update: bool = False) -> Row | None:
        query = select(_comments).where(self._scoped(), _comments.c.id == comment_id)
        if for_update:
            query = query.with_for_update()
        row = self.connection.execute(query).mappings().first()
        return dict(row) if row is not None else None

    def of_record(
        self, record_type: str, record_id: int, page: Page
    ) -> tuple[list[Row], int | None]:
        """One page of a record's comments: id order, or (DATE_UPDATED_UTC, id) when syncing."""
        conditions = [
            self._scoped(),
            _comments.c.record_type == record_type,
            _comments.c.record_id == record_id,
        ]
        if page.updated_after is not None:
            conditions.append(_comments.c.date_updated_utc >= strictly_after(page.updated_after))
        query: Select[Any] = select(_comments).where(*conditions)
        if page.updated_after is not None:
            query = query.order_by(_comments.c.date_updated_utc, _comments.c.id)
        else:
            query = query.order_by(_comments.c.id)
        return fetch_page(self.connection, query, page)

    def insert(self, values: Row) -> int:
        result = self.connection.execute(
            insert(_comments)
            .values(instance_id=self.instance_id, **values)
            .returning(_comments.c.id)
        )
        return int(result.scalar_one())

    def update(self, comment_id: int, values: Row) -> None:
        self.connection.execute(
            update(_comments).where(self._scoped(), _comments.c.id == comment_id).values(**values)
        )

    def delete(self, comment_id: int) -> None:
        self.connection.execute(
            delete(_comments).where(self._scoped(), _comments.c.id == comment_id)
        )

    def delete_of_record(self, record_type: str, record_id: int) -> list[int]:
        """Delete the record's comments; the ids they had (to delete their files by)."""
        result = self.connection.execute(
            delete(_comments)
            .where(
                self._scoped(),
                _comments.c.record_type == record_type,
                _comments.c.record_id == record_id,
            )
            .returning(_comments.c.id)
        )
        return [int(comment_id) for comment_id in result.scalars()]
