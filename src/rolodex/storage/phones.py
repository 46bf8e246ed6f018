"""The phone number index: every phone field of every record in E.164 form, for the CTI lookup.

Rows are replaced in the transaction that writes the record (rolodex.services.records), so the
index never disagrees with the records. Numbers that are no possible phone number are simply
not indexed.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from rolodex.domain.phones import to_e164
from rolodex.domain.registry import RECORD_TYPES, RecordType
from rolodex.storage import tables
from rolodex.storage.bulk import insert_rows

_NUMBERS = tables.phone_numbers
_BATCH = 5000


def phone_types() -> tuple[RecordType, ...]:
    """The record types with phone fields (Contacts, Leads, Organisations)."""
    return tuple(rt for rt in RECORD_TYPES if any(spec.phone for spec in rt.fields))


def phone_entries(rt: RecordType, row: Mapping[str, Any], region: str) -> list[tuple[str, str]]:
    """(FIELD_NAME, E.164 number) of each phone field of a stored row that holds a number."""
    entries = []
    for spec in rt.fields:
        if spec.phone and (number := to_e164(row.get(spec.column), region)) is not None:
            entries.append((spec.name, number))
    return entries


class PhoneStore:
    """The index rows of one instance."""

    def __init__(self, connection: Connection, instance_id: int) -> None:
        self.connection = connection
        self.instance_id = instance_id

    def replace(self, record_type: str, record_id: int, entries: Sequence[tuple[str, str]]) -> None:
        """Make a record's rows exactly `entries`."""
        self.delete(record_type, record_id)
        self.add(record_type, [(record_id, field_name, number) for field_name, number in entries])

    def add(self, record_type: str, rows: Sequence[tuple[int, str, str]]) -> None:
        """Add (record_id, field_name, e164) rows, for records of one type, in one statement."""
        insert_rows(
            self.connection,
            _NUMBERS,
            [
                {
                    "instance_id": self.instance_id,
                    "record_type": record_type,
                    "record_id": record_id,
                    "field_name": field_name,
                    "e164": number,
                }
                for record_id, field_name, number in rows
            ],
        )

    def delete(self, record_type: str, record_id: int) -> None:
        self.connection.execute(
            delete(_NUMBERS).where(
                _NUMBERS.c.instance_id == self.instance_id,
                _NUMBERS.c.record_type == record_type,
                _NUMBERS.c.record_id == record_id,
            )
        )

    def find(self, number: str, limit: int) -> list[tuple[str, int, str]]:
        """(record type, record id, FIELD_NAME) of every phone field holding `number` (E.164)."""
        # Sorted here, not by the query: an ORDER BY tempts SQLite into walking the record
        # index (already in that order) over the whole instance instead of this number's rows.
        rows = self.connection.execute(
            select(_NUMBERS.c.record_type, _NUMBERS.c.record_id, _NUMBERS.c.field_name)
            .where(_NUMBERS.c.instance_id == self.instance_id, _NUMBERS.c.e164 == number)
            .limit(limit)
        )
        return sorted((row.record_type, row.record_id, row.field_name) for row in rows)


def reindex_all(connection: Connection, region: str) -> int:
    """Rebuild the whole index from the records (a migration's backfill, or after the default
    region changed); returns how many numbers it holds."""
    connection.execute(delete(_NUMBERS))
    indexed = 0
    for rt in phone_types():
        table = tables.record_tables[rt.singular]
        columns = [table.c[spec.column] for spec in rt.fields if spec.phone]
        last_id = 0
        while True:
            rows = connection.execute(
                select(table.c.id, table.c.instance_id, *columns)
                .where(table.c.id > last_id)
                .order_by(table.c.id)
                .limit(_BATCH)
            ).all()
            if not rows:
                break
            last_id = rows[-1].id
            values = [
                {
                    "instance_id": row.instance_id,
                    "record_type": rt.singular,
                    "record_id": row.id,
                    "field_name": field_name,
                    "e164": number,
                }
                for row in rows
                for field_name, number in phone_entries(rt, dict(row._mapping), region)
            ]
            if values:
                connection.execute(insert(_NUMBERS), values)
                indexed += len(values)
    return indexed
