"""The deleted-record feed (GET /v3.1/{Coll}/Deleted): which records went, and when.

RecordService.delete writes a tombstone in the transaction of the delete, so the feed never
shows a record that still exists and never misses one that is gone. Tombstones are kept for
ROLODEX_TOMBSTONE_DAYS; older ones are hidden at once and purged opportunistically (after a
delete) or by `rolodex db purge-tombstones`.
"""

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from rolodex.domain.dates import format_datetime
from rolodex.domain.registry import RecordType
from rolodex.services.context import Caller, utc_now, viewer_of
from rolodex.services.records import RecordService
from rolodex.storage.repository import Page
from rolodex.storage.tombstones import TombstoneStore, purge_before

DEFAULT_KEEP_DAYS = 90


def deleted_page(
    connection: Connection, caller: Caller, rt: RecordType, page: Page, keep_days: int
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of tombstones of `rt` as wire items {ID, DATE_DELETED_UTC}."""
    # The service resolves a custom object's exact name (404 when the instance lacks it).
    singular = RecordService(connection, caller, rt).rt.singular
    kept_since = utc_now() - timedelta(days=keep_days)
    rows, total = TombstoneStore(connection, caller.instance_id).page(
        singular, page, kept_since, viewer_of(caller)
    )
    items = [
        {"ID": row["record_id"], "DATE_DELETED_UTC": format_datetime(row["date_deleted_utc"])}
        for row in rows
    ]
    return items, total


def purge_expired(connection: Connection, keep_days: int, instance_id: int | None = None) -> int:
    """Delete tombstones older than `keep_days` (of one instance, or all); how many went."""
    return purge_before(connection, utc_now() - timedelta(days=keep_days), instance_id)
