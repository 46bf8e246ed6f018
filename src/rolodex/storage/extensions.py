"""Record extensions: what a record holds in one wire version that it has no field for.

A wire version (v2.2) may carry more than the stored record has fields for - a third address, a
second e-mail, the labels its client wrote. It keeps that here, as one JSON body per record and
version, so that nothing it was sent is lost. A record's translations are kept the same way,
under the name "translations" (rolodex.services.translations). This store knows nothing of any
version: the body is its writer's own (rolodex.wire.v22 for v2.2). Rows are written in the
transaction that writes the record and go with it when it is deleted.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from rolodex.storage import tables

_EXTENSIONS = tables.record_extensions


class ExtensionStore:
    """The extension rows of one instance."""

    def __init__(self, connection: Connection, instance_id: int) -> None:
        self.connection = connection
        self.instance_id = instance_id

    def read(self, record_type: str, wire: str, record_ids: Sequence[int]) -> dict[int, Any]:
        """{record id: body} of the records among `record_ids` that have one: one statement."""
        if not record_ids:
            return {}
        table = _EXTENSIONS
        rows = self.connection.execute(
            select(table.c.record_id, table.c.body).where(
                table.c.instance_id == self.instance_id,
                table.c.record_type == record_type,
                table.c.wire == wire,
                table.c.record_id.in_(list(record_ids)),
            )
        )
        return {row.record_id: row.body for row in rows}

    def write(self, record_type: str, wire: str, record_id: int, body: Any) -> None:
        """Make the record's body for `wire` exactly `body` (None or empty: no row)."""
        self.delete(record_type, record_id, wire)
        if body:
            self.connection.execute(
                insert(_EXTENSIONS).values(
                    instance_id=self.instance_id,
                    record_type=record_type,
                    record_id=record_id,
                    wire=wire,
                    body=body,
                )
            )

    def delete(self, record_type: str, record_id: int, wire: str | None = None) -> None:
        """Remove the record's body for `wire` (every version's when None)."""
        table = _EXTENSIONS
        query = delete(table).where(
            table.c.instance_id == self.instance_id,
            table.c.record_type == record_type,
            table.c.record_id == record_id,
        )
        if wire is not None:
            query = query.where(table.c.wire == wire)
        self.connection.execute(query)
