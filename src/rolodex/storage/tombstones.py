"""SQL for tombstones: the ids of deleted records and when they were deleted."""

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from rolodex.storage import tables
from rolodex.storage.repository import Page, Row, fetch_page, strictly_after


class TombstoneStore:
    """Tombstones of one instance."""

    def __init__(self, connection: Connection, instance_id: int) -> None:
        self.connection = connection
        self.instance_id = instance_id

    def add(self, record_type: str, record_id: int, when: datetime) -> None:
        self.connection.execute(
            insert(tables.tombstones).values(
                instance_id=self.instance_id,
                record_type=record_type,
                record_id=record_id,
                date_deleted_utc=when,
            )
        )

    def page(
        self, record_type: str, page: Page, kept_since: datetime
    ) -> tuple[list[Row], int | None]:
        """One page in (date deleted, id) order: deleted after `page.updated_after` (to the
        second, as clients see dates) and not before `kept_since`."""
        table = tables.tombstones
        since = kept_since
        if page.updated_after is not None:
            since = max(since, strictly_after(page.updated_after))
        conditions = [
            table.c.instance_id == self.instance_id,
            table.c.record_type == record_type,
            table.c.date_deleted_utc >= since,
        ]
        query = (
            select(table.c.record_id, table.c.date_deleted_utc)
            .where(*conditions)
            .order_by(table.c.date_deleted_utc, table.c.record_id)
        )
        return fetch_page(self.connection, query, page)


def purge_before(connection: Connection, cutoff: datetime, instance_id: int | None = None) -> int:
    """Delete tombstones older than `cutoff` (of one instance, or all); how many went."""
    table = tables.tombstones
    query = delete(table).where(table.c.date_deleted_utc < cutoff)
    if instance_id is not None:
        query = query.where(table.c.instance_id == instance_id)
    result = connection.execute(query)
    return int(result.rowcount or 0)
