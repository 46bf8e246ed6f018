"""Many rows into one table with as few round trips as the driver allows."""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert
from sqlalchemy.exc import DBAPIError

# Values psycopg's COPY writes as they are (JSON columns are wrapped as jsonb).
_COPYABLE = (str, int, bool, Decimal, datetime, date, type(None))
# Fewer rows go as one executemany (as a request's few do): errors come as SQLAlchemy's.
_COPY_FROM = 100


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (all with the same keys) in this connection's transaction. Many rows of
    plain values on PostgreSQL (psycopg): one COPY, where executemany costs a statement per
    row; else one executemany."""
    if not rows:
        return
    columns = list(rows[0])
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    plain = [c for c in columns if c not in json_columns]
    if (
        len(rows) >= _COPY_FROM
        and connection.dialect.driver == "psycopg"
        and all(isinstance(row[c], _COPYABLE) for row in rows for c in plain)
    ):
        from psycopg.types.json import Jsonb  # only with the PostgreSQL driver installed

        names = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in columns)
        quoted = connection.dialect.identifier_preparer.format_table(table)
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        statement = f"COPY {quoted} ({names}) FROM STDIN"
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(
                        [
                            Jsonb(row[c]) if c in json_columns and row[c] is not None else row[c]
                            for c in columns
                        ]
                    )
        except connection.dialect.loaded_dbapi.Error as error:
            # As SQLAlchemy's own error, like every other statement's (a DataError is a 400).
            raise DBAPIError.instance(
                statement, None, error, connection.dialect.loaded_dbapi.Error
            ) from error
        finally:
            cursor.close()
        return
    connection.execute(insert(table), list(rows))
