"""SQL for tombstones: the ids of deleted records and when they were deleted."""

from datetime import datetime

from sqlalchemy import Connection, String, delete, func, insert, literal, select

from rolodex.storage import tables
from rolodex.storage.repository import Page, Row, fetch_page, strictly_after
from rolodex.storage.visibility import audience_includes


class TombstoneStore:
    """Tombstones of one instance."""

    def __init__(self, connection: Connection, instance_id: int) -> None:
        self.connection = connection
        self.instance_id = instance_id

    def add(
        self, record_type: str, record_id: int, when: datetime, audience: Row | None = None
    ) -> None:
        """A record deleted at `when`; `audience`: its owner_user_id, visible_to,
        visible_team_id and visible_user_ids, so the feed shows it to those who saw it."""
        columns = ("owner_user_id", "visible_to", "visible_team_id", "visible_user_ids")
        self.connection.execute(
            insert(tables.tombstones).values(
                instance_id=self.instance_id,
                record_type=record_type,
                record_id=record_id,
                date_deleted_utc=when,
                **{column: (audience or {}).get(column) for column in columns},
            )
        )

    def page(
        self, record_type: str, page: Page, kept_since: datetime, viewer: int | None = None
    ) -> tuple[list[Row], int | None]:
        """One page in (date deleted, id) order: deleted after `page.updated_after` (to the
        second, as clients see dates) and not before `kept_since`; of the records the user
        `viewer` saw when they were deleted (None: an administrator, every record)."""
        table = tables.tombstones
        since = kept_since
        if page.updated_after is not None:
            since = max(since, strictly_after(page.updated_after))
        conditions = [
            table.c.instance_id == self.instance_id,
            table.c.record_type == record_type,
            table.c.date_deleted_utc >= since,
        ]
        if viewer is not None:
            comma = literal(",", String)
            listed = comma + func.replace(table.c.visible_user_ids, " ", "") + comma
            chosen = listed.like(f"%,{int(viewer)},%")
            conditions.append(audience_includes(table, self.instance_id, viewer, chosen))
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
